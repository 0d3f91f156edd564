"""TLS client-certificate login benchmarks (issue 16): ``python -m benchmarks.tls_login [--quick]``.

Through the real pcscd with the virtual 1.7 card (and the 1.8 card for eidlib), against the nginx
login host of ``examples/portal`` (no revocation checks, so only client, TLS and card costs remain):

* ``tls_login_vs_curl``: one whole login (portal → login host → portal, HTTP included) by eidlib's
  client vs ``curl`` + OpenSC through OpenSSL's pkcs11 engine on the same card and stack (TLS 1.2,
  what OpenSC can do with a 1.7 card); APDUs per login counted by the card process.
* ``tls_handshake_vs_signature``: one mutually authenticated handshake (PIN, transcript signature,
  LOG OFF) vs the same card work alone (VERIFY, one prehashed signature, LOG OFF).
* ``tls_server_validation``: the login host's certificate check (header parse + the validator's
  certificate core, revocation off) vs bare parse + CA signature check + one signature verification.

Writes ``results/tls-login.json`` and ``results/tls-login.md``. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from benchmarks.entry import Entry
from benchmarks.report import format_seconds
from benchmarks.timing import measure_group, ratio
from benchmarks.workload import QUICK, Budget
from eidlib.auth import ValidationPolicy
from eidlib.opener import open_card
from eidlib.tls import ClientCertificateVerifier, ProxyTrust, ServerTrust, TlsClient, TranscriptSigner, login
from examples.portal.serverpki import LOGIN_HOST, PORTAL_HOST
from examples.portal.tlsdemo import Demo, build_demo
from tests.pcsc_harness import PcscStack

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
RESOLVE = {PORTAL_HOST: "127.0.0.1", LOGIN_HOST: "127.0.0.1"}
RESULTS = Path(__file__).with_name("results")
FULL = Budget(rounds=7, inner=2, warmup=1)


def _card_apdus(stack: PcscStack, slot: int) -> int:
    return int(stack.card_status(slot)["apdus"])


def _eidlib_login(demo: Demo, reader: str, version: str) -> Callable[[], object]:
    def run() -> object:
        with open_card(reader) as card:
            result = login(demo.start_url, token=card, pin=bytearray(b"1234"), ca_file=demo.server_ca,
                           versions=[version], resolve=RESOLVE)
        if result.user.get("level") != 500:
            raise RuntimeError("eidlib's login did not log in")
        return result

    return run


def _curl_login(demo: Demo, workdir: Path, chain: Path) -> Callable[[], object]:
    conf = workdir / "openssl.cnf"
    conf.write_text("openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n"
                    "[engine_section]\npkcs11 = pkcs11_section\n[pkcs11_section]\nengine_id = pkcs11\n"
                    f"dynamic_path = {ENGINE}\nMODULE_PATH = {OPENSC}\ninit = 0\n")
    opensc = workdir / "opensc.conf"
    opensc.write_text('app default {\n    ignored_readers = "Virtual PCD 00 01";\n}\n')
    env = dict(os.environ, OPENSSL_CONF=str(conf), OPENSC_CONF=str(opensc))
    jar = workdir / "jar.txt"

    def run() -> object:
        jar.unlink(missing_ok=True)
        done = subprocess.run(
            ["curl", "-sS", "-L", "--tls-max", "1.2", "-c", str(jar), "-b", str(jar), "--cacert", str(demo.server_ca),
             "--resolve", f"{PORTAL_HOST}:{demo.portal_port}:127.0.0.1",
             "--resolve", f"{LOGIN_HOST}:{demo.login_port}:127.0.0.1", "-H", "Accept: application/json",
             "--engine", "pkcs11", "--cert", str(chain), "--key-type", "ENG",
             "--key", "pkcs11:id=%02;type=private;pin-value=1234", demo.start_url],
            capture_output=True, text=True, timeout=60, env=env, check=False,
        )
        if done.returncode != 0 or '"level":500' not in done.stdout.replace(" ", ""):
            raise RuntimeError(f"curl did not log in: {done.stderr[-300:]}")
        return done

    return run


def login_entries(stack: PcscStack, demo: Demo, workdir: Path, budget: Budget) -> list[Entry]:
    with open_card(stack.reader_17) as card:
        certificates = card.read_certificates()
    assert certificates.authentication and certificates.ca
    chain = workdir / "chain.pem"
    chain.write_bytes(b"".join(x509.load_der_x509_certificate(d).public_bytes(serialization.Encoding.PEM)
                               for d in (certificates.authentication, certificates.ca)))
    subjects = {"eidlib": _eidlib_login(demo, stack.reader_17, "1.2"), "curl+OpenSC": _curl_login(demo, workdir, chain)}
    apdus: dict[str, float] = {}
    for name, fn in subjects.items():
        before = _card_apdus(stack, 0)
        fn()
        apdus[f"apdus_per_login_{name}"] = _card_apdus(stack, 0) - before
    found = measure_group(subjects, rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup)
    entries = [Entry(name="tls_login_vs_curl", profile="1.7", kind="compare",
                     path="portal → nginx login host (TLS 1.2, card signs) → portal session, through pcscd",
                     figures=found, ratio=ratio(found["eidlib"], found["curl+OpenSC"]),
                     ratio_label="eidlib / curl+OpenSC", counts=apdus,
                     note="curl's figure includes its process start and OpenSC's token scan")]
    extra = {f"{profile} TLS {v}": _eidlib_login(demo, stack.reader(slot), v)
             for slot, profile, v in ((0, "1.7", "1.3"), (1, "1.8", "1.2"), (1, "1.8", "1.3"))}
    found13 = measure_group(extra, rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup)
    entries.append(Entry(name="tls_login_eidlib_versions", profile=None, kind="compare",
                         path="eidlib's login: 1.7 over TLS 1.3 (RSA-PSS), 1.8 over TLS 1.2 and 1.3",
                         figures=found13))
    return entries


def handshake_entry(stack: PcscStack, demo: Demo, budget: Budget, slot: int, profile: str) -> Entry:
    trust = ServerTrust.from_pem_file(demo.server_ca)
    card = open_card(stack.reader(slot))
    try:
        digest_size = 48 if profile == "1.8" else 32

        def handshake() -> None:
            signer = TranscriptSigner(card, bytearray(b"1234"))
            TlsClient(signer, trust, versions=["1.2"], resolve=RESOLVE).connect(LOGIN_HOST, demo.login_port).close()
            signer.log_off()

        def signature() -> None:
            card.verify_pin(bytearray(b"1234"))
            card.sign(hashlib.sha384(b"x").digest()[:digest_size], key="authentication",
                      hash="sha384" if profile == "1.8" else "sha256", prehashed=True)
            card.log_off()

        found = measure_group({"handshake": handshake, "card signature": signature},
                              rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup)
    finally:
        card.close()
    cost = found["handshake"].median - found["card signature"].median
    return Entry(name="tls_handshake_vs_signature", profile=profile, kind="compare",
                 path="TlsClient.connect to the nginx login host (TLS 1.2) vs VERIFY + PSO + LOG OFF alone",
                 figures=found, ratio=ratio(found["handshake"], found["card signature"]),
                 ratio_label="handshake / card work", details={"handshake_cost_seconds": cost},
                 note=f"the handshake adds {format_seconds(cost)} on top of the card's work")


def validation_entry(profile: str, budget: Budget) -> Entry:
    with open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        certificates = card.read_certificates()
        assert certificates.authentication and certificates.ca and certificates.root
        digest = hashlib.sha256(b"transcript").digest() if profile == "1.7" else hashlib.sha384(b"t").digest()
        card.verify_pin(bytearray(b"1234"))
        signature = card.sign(digest, key="authentication", prehashed=True,
                              hash="sha256" if profile == "1.7" else "sha384")
        card.log_off()
    ca = x509.load_der_x509_certificate(certificates.ca)
    verifier = ClientCertificateVerifier(ValidationPolicy.create([certificates.root], revocation=None),
                                         proxy=ProxyTrust(unix_socket=True), intermediates=[certificates.ca])
    pem = x509.load_der_x509_certificate(certificates.authentication).public_bytes(serialization.Encoding.PEM)
    environ = {"REMOTE_ADDR": "<local>", "HTTP_X_SSL_CLIENT_CERT": urllib.parse.quote(pem.decode(), safe="")}
    leaf_der = certificates.authentication

    def bare() -> None:
        leaf = x509.load_der_x509_certificate(leaf_der)
        public: Any = leaf.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        elif isinstance(public, ec.EllipticCurvePublicKey):
            r, s = int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
            public.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hashes.SHA384())))
        leaf.verify_directly_issued_by(ca)

    found = measure_group({"verifier": lambda: verifier.verify_request(environ), "bare": bare},
                          rounds=budget.rounds, inner=budget.inner * 10, warmup=budget.warmup)
    return Entry(name="tls_server_validation", profile=profile, kind="compare",
                 path="ClientCertificateVerifier.verify_request (header → validate_authentication_certificate, "
                      "no revocation) vs parse + CA signature + one signature check",
                 figures=found, ratio=ratio(found["verifier"], found["bare"]), ratio_label="verifier / bare")


def _markdown(entries: list[Entry]) -> str:
    out = ["## TLS client-certificate login", "", "Medians of interleaved rounds (`python -m benchmarks.tls_login`).",
           "", "| entry | profile | figures | ratio | counts / notes |", "|---|---|---|---|---|"]
    for e in entries:
        figures = "; ".join(f"{k} {format_seconds(v.median)}" for k, v in e.figures.items())
        ratio_text = f"{e.ratio:.2f} ({e.ratio_label})" if e.ratio is not None else ""
        counts = ", ".join(f"{k} {v:g}" for k, v in e.counts.items())
        notes = "; ".join(x for x in (counts, e.note) if x)
        out.append(f"| {e.name} | {e.profile or ''} | {figures} | {ratio_text} | {notes} |")
    return "\n".join(out) + "\n"


def run(budget: Budget, out_dir: Path, stack: PcscStack | None = None) -> list[Entry]:
    """Every entry; ``stack`` is a running PC/SC stack (default: one started here)."""
    entries = [validation_entry(p, budget) for p in ("1.7", "1.8")]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as services:
        if stack is None:
            stack = services.enter_context(PcscStack())
        demo = services.enter_context(build_demo(Path(tmp) / "stack", login_protocols="TLSv1.2 TLSv1.3"))
        entries += login_entries(stack, demo, Path(tmp), budget)
        entries += [handshake_entry(stack, demo, budget, 0, "1.7"), handshake_entry(stack, demo, budget, 1, "1.8")]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tls-login.json").write_text(json.dumps([e.to_dict() for e in entries], indent=2) + "\n")
    (out_dir / "tls-login.md").write_text(_markdown(entries))
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tls_login", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny rounds (checks that everything runs)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    entries = run(QUICK if args.quick else FULL, args.out)
    sys.stdout.write(_markdown(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
