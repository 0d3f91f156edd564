"""Run ``eid sign-pdf`` / ``pdfsig`` / ``eid verify`` where the built-in virtual card's services live.

The built-in virtual cards' certificates name ``http://127.0.0.1:8888`` (OCSP) and
``http://127.0.0.1:8889/crl/...`` (CRLs), fixed ports that other test sessions on the machine may
use. So this script runs inside a private network namespace (``unshare -n``, started by
:func:`run_in_namespace`): there it serves the real ``openssl ocsp`` responder on 8888, the CRLs on
8889 and an ``openssl ts`` TSA on an ephemeral port, then runs the given ``eid`` commands and
``pdfsig`` as subprocesses and writes what they printed to ``results.json``.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization

REPO = Path(__file__).resolve().parents[2]


class _Forward(http.server.BaseHTTPRequestHandler):
    """Forwards POST/GET to ``server.target`` (a loopback URL in the same namespace)."""

    server: _FixedServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.server.routes is not None:
            data = self.server.routes.get(self.path)
            status, payload = (200, data) if data is not None else (404, b"not found")
        else:
            if self.command == "GET":  # RFC 6960 A.1: GET {url}/{url-encoding of base-64 of the DER request}
                body = base64.b64decode(urllib.parse.unquote(self.path.lstrip("/")))
            request = urllib.request.Request(self.server.target, data=body, method="POST",
                                             headers={"Content-Type": "application/ocsp-request"})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, payload = answer.status, answer.read()
            except urllib.error.HTTPError as refused:  # e.g. 405 for NSS's GET: NSS then POSTs
                status, payload = refused.code, refused.read()
        self.send_response(status)
        kind = "application/pkix-crl" if self.server.routes is not None else "application/ocsp-response"
        self.send_header("Content-Type", kind)  # NSS refuses an OCSP answer without it
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer


class _FixedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, *, target: str = "", routes: dict[str, bytes] | None = None) -> None:
        self.target = target
        self.routes = routes
        super().__init__(("127.0.0.1", port), _Forward)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def _inside(out_dir: Path, profile: str, commands: list[list[str]]) -> int:
    sys.path.insert(0, str(REPO))
    from eidlib.emulator.persona import Persona
    from eidlib.emulator.pki import DEFAULT_OCSP_URL, DEFAULT_REPOSITORY_URL, TestPki
    from tests.signing.world import _nss_database
    from tests.support.ocsp import OpensslOcspResponder
    from tests.support.tsa import OpensslTsa

    pki = TestPki.load(profile=profile)  # the built-in virtual card's PKI
    issued = pki.issue_card_certificates(Persona.default(), profile)  # type: ignore[arg-type]
    der = serialization.Encoding.DER
    routes = {
        pki.urls.crl_url.removeprefix(DEFAULT_REPOSITORY_URL): pki.make_crl(issuer="citizen_ca").public_bytes(der),
        pki.urls.root_crl_url.removeprefix(DEFAULT_REPOSITORY_URL): pki.make_crl(issuer="root").public_bytes(der),
    }
    (out_dir / "root.pem").write_bytes(pki.root.cert_pem())
    _nss_database(out_dir / "nss", out_dir / "root.pem")
    results: list[dict[str, object]] = []
    with OpensslOcspResponder.for_test_pki(pki, good=[issued.auth_cert, issued.sign_cert]) as ocsp, \
            OpensslTsa.for_test_pki(pki) as tsa:
        ocsp_port = int(DEFAULT_OCSP_URL.rsplit(":", 1)[1])
        repository_port = int(DEFAULT_REPOSITORY_URL.rsplit(":", 1)[1])
        servers = [_FixedServer(ocsp_port, target=ocsp.url), _FixedServer(repository_port, routes=routes)]
        try:
            for command in commands:
                argv = [word.replace("{TSA}", tsa.url).replace("{NSS}", f"sql:{out_dir / 'nss'}")
                        .replace("{ROOT}", str(out_dir / "root.pem")) for word in command]
                done = subprocess.run(argv, input="1234\n", capture_output=True, text=True, timeout=120,
                                      check=False, cwd=out_dir)
                results.append({"argv": argv, "returncode": done.returncode, "stdout": done.stdout,
                                "stderr": done.stderr})
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
    (out_dir / "results.json").write_text(json.dumps(results))
    return 0


def run_in_namespace(out_dir: Path, profile: str, commands: list[list[str]]) -> list[dict[str, object]]:
    """Run ``commands`` (``{TSA}``, ``{NSS}``, ``{ROOT}`` substituted) in a fresh network namespace."""
    spec = json.dumps({"profile": profile, "commands": commands})
    script = 'ip link set lo up && exec "$@"'
    subprocess.run(["unshare", "-n", "--", "sh", "-c", script, "sh", sys.executable, __file__, str(out_dir), spec],
                   check=True, timeout=300, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    results: list[dict[str, object]] = json.loads((out_dir / "results.json").read_text())
    return results


if __name__ == "__main__":
    arguments = json.loads(sys.argv[2])
    sys.exit(_inside(Path(sys.argv[1]), arguments["profile"], arguments["commands"]))
