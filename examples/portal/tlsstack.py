"""Run the portal and its eID login host behind a real nginx (or, in dev mode, Python's ssl).

``python -m examples.portal.tlsstack --prefix /tmp/portal-nginx`` starts, for the virtual cards:

* the portal app and the login host app on Unix sockets under the prefix (only nginx connects there,
  so the login host believes the certificate header from that socket alone);
* nginx with ``nginx/portal.conf.template`` rendered into the prefix: ``https://portal.test:PORT`` and
  ``https://login.portal.test:PORT`` on 127.0.0.1 (a fresh test server CA is written to the prefix).

Then ``eid --virtual 1.8 login --ca-file PREFIX/server-ca.pem --resolve portal.test:127.0.0.1 …``.
``--dev`` serves the login host with Python's ``ssl`` (``CERT_OPTIONAL``) instead of nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from eidlib.tls.clientcert import PEER_CERTIFICATE_KEY

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx" / "portal.conf.template"
BELGIAN_CA_NAMES = HERE / "nginx" / "belgian-ca-names.pem"
#: The Belgian eID roots eidlib ships (PEM/DER files).
BELGIAN_ROOTS = Path(__file__).resolve().parents[2] / "eidlib" / "x509" / "roots"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: What the login host asks the card to sign with (OpenSSL names).
CLIENT_SIGALGS = "rsa_pkcs1_sha256:rsa_pss_rsae_sha256:ecdsa_secp384r1_sha384:ecdsa_secp256r1_sha256"
_START_TIMEOUT = 20.0


def render_nginx_conf(
    prefix: Path,
    *,
    portal_port: int,
    login_port: int,
    server_cert: Path,
    server_key: Path,
    ca_names: Path,
    roots: Path,
    portal_socket: Path,
    login_socket: Path,
    portal_host: str = "portal.test",
    login_host: str = "login.portal.test",
    login_protocols: str = "TLSv1.2",
    global_directives: str = "",
) -> Path:
    """Write ``prefix/nginx.conf`` from the template; return its path."""
    values = {
        "PREFIX": str(prefix), "GLOBAL": global_directives, "ADDRESS": "127.0.0.1",
        "PORTAL_PORT": str(portal_port), "LOGIN_PORT": str(login_port),
        "PORTAL_HOST": portal_host, "LOGIN_HOST": login_host,
        "SERVER_CERT": str(server_cert), "SERVER_KEY": str(server_key), "CA_NAMES": str(ca_names), "ROOTS": str(roots),
        "PORTAL_SOCKET": str(portal_socket), "LOGIN_SOCKET": str(login_socket),
        "LOGIN_PROTOCOLS": login_protocols, "CLIENT_SIGALGS": CLIENT_SIGALGS,
    }
    lines = [line for line in TEMPLATE.read_text().splitlines(keepends=True) if not line.startswith("#")]
    text = "".join(lines)
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if re.search(r"@[A-Z_]+@", text):
        raise ValueError("a placeholder of the nginx template was left unfilled")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


def belgian_roots_pem() -> bytes:
    """The Belgian roots eidlib ships, as one PEM bundle."""
    out = []
    for path in sorted(p for p in BELGIAN_ROOTS.iterdir() if p.suffix in (".pem", ".der", ".crt")):
        data = path.read_bytes()
        out.append(data if data.lstrip().startswith(b"-----BEGIN") else ssl.DER_cert_to_PEM_cert(data).encode())
    return b"".join(out)


def free_port() -> int:
    """An ephemeral loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _PeerCertificateHandler(WSGIRequestHandler):
    """Dev mode: puts the TLS peer's DER certificate where no HTTP header can (a non-``HTTP_`` key)."""

    def make_environ(self) -> Any:
        environ = super().make_environ()
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket):
            environ[PEER_CERTIFICATE_KEY] = connection.getpeercert(binary_form=True)
        return environ


@dataclass
class ServedApp:
    """A WSGI app served by Werkzeug in a thread (Unix socket, TCP, or TLS)."""

    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve(app: Any, *, unix_socket: Path | None = None, port: int = 0,
          ssl_context: ssl.SSLContext | None = None) -> ServedApp:
    """Serve ``app`` on a Unix socket or on 127.0.0.1:``port`` (``ssl_context`` for the dev TLS mode)."""
    if unix_socket is not None:
        server = make_server(f"unix://{unix_socket}", 0, app, threaded=True)
        os.chmod(unix_socket, 0o660)
    else:
        server = make_server("127.0.0.1", port, app, threaded=True, ssl_context=ssl_context,
                             request_handler=_PeerCertificateHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return ServedApp(server, thread)


def dev_tls_context(server_cert: Path, server_key: Path, client_cas: Sequence[bytes]) -> ssl.SSLContext:
    """Python's ssl for a login host without nginx: asks for a certificate from ``client_cas`` (DER)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_OPTIONAL
    # Python's ssl (unlike nginx's optional_no_ca) refuses a certificate OpenSSL cannot verify; the
    # issuing CAs alone are enough anchors for that (and are the names the CertificateRequest lists).
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.options |= ssl.OP_NO_TICKET
    for der in client_cas:
        context.load_verify_locations(cadata=der)
    return context


class Nginx:
    """nginx started in the foreground with a private prefix, stopped by its PID."""

    def __init__(self, prefix: Path, conf: Path) -> None:
        self.prefix = prefix
        self.conf = conf
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ports: Sequence[int]) -> None:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.prefix / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        for port in ports:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nginx exited: {self.log_tail()}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not listen on {port}: {self.log_tail()}")
                time.sleep(0.05)

    def log_tail(self, lines: int = 20) -> str:
        path = self.prefix / "error.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@contextlib.contextmanager
def running(*apps: ServedApp) -> Iterator[None]:
    """Stop ``apps`` on exit."""
    try:
        yield
    finally:
        for app in apps:
            app.stop()


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - interactive demo
    from examples.portal.tlsdemo import build_demo

    parser = argparse.ArgumentParser(prog="python -m examples.portal.tlsstack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefix", required=True, type=Path, help="directory for nginx, sockets, certificates")
    parser.add_argument("--dev", action="store_true", help="no nginx: the login host speaks TLS itself")
    parser.add_argument("--tls13", action="store_true", help="let the login host offer TLS 1.3 too")
    args = parser.parse_args(argv)
    # SIGTERM must unwind the with-block below, so nginx and the app servers are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with build_demo(args.prefix, dev=args.dev, login_protocols="TLSv1.2 TLSv1.3" if args.tls13 else "TLSv1.2") as demo:
        print(f"portal:     {demo.portal_url}\nlogin host: {demo.login_url}\nserver CA:  {demo.server_ca}")
        print(f"try: eid --virtual 1.8 login --ca-file {demo.server_ca} --resolve portal.test:127.0.0.1 "
              f"--resolve login.portal.test:127.0.0.1 --pin-stdin {demo.start_url}")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
