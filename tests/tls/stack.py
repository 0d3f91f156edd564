"""The nginx portal stack for the TLS tests: both virtual cards' PKIs, real OCSP responders and CRLs."""

from __future__ import annotations

import contextlib
import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography import x509

import eidlib
from eidlib.tls import HttpSession, ServerTrust, TlsClient
from eidlib.x509 import parse_certificate
from eidlib.x509.errors import RevocationError
from examples.portal.serverpki import LOGIN_HOST, PORTAL_HOST
from examples.portal.tlsdemo import Demo, build_demo
from tests.auth.revocation import revocation_services

RESOLVE = {PORTAL_HOST: "127.0.0.1", LOGIN_HOST: "127.0.0.1"}


def card_leaf(profile: str) -> x509.Certificate:
    with eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        der = card.read_certificates().authentication
    assert der
    return x509.load_der_x509_certificate(der)


class _ByIssuer:
    """One RevocationChecker per test PKI, chosen by the leaf's issuer (a policy takes one checker)."""

    def __init__(self, checkers: dict[str, Any]) -> None:
        self._checkers = checkers

    def check_chain(self, chain: Any, *, now: dt.datetime | None = None) -> object:
        checker = self._checkers.get(chain.issuer.subject)
        if checker is None:
            raise RevocationError(f"no revocation service for {chain.issuer.subject}")
        return checker.check_chain(chain, now=now)


@contextlib.contextmanager
def portal_stack(prefix: Path, *, login_protocols: str = "TLSv1.2 TLSv1.3") -> Iterator[Demo]:
    """nginx + portal + login host; OCSP (OpenSSL's responder) and CRLs for both virtual PKIs."""
    with contextlib.ExitStack() as stack:
        checkers: dict[str, Any] = {}
        for profile in ("1.7", "1.8"):
            leaf = card_leaf(profile)
            services = stack.enter_context(revocation_services(profile, leaf))
            checkers[parse_certificate(_ca_der(profile)).subject] = services.checker
        demo = stack.enter_context(build_demo(prefix, login_protocols=login_protocols,
                                              revocation=_ByIssuer(checkers)))
        yield demo


def _ca_der(profile: str) -> bytes:
    with eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        der = card.read_certificates().ca
    assert der
    return der


def anonymous_session(demo: Demo) -> HttpSession:
    """An HTTP session over eidlib's TLS without any card."""
    return HttpSession(TlsClient(None, ServerTrust.from_pem_file(demo.server_ca), resolve=RESOLVE))


def pem(der: bytes) -> str:
    return ssl.DER_cert_to_PEM_cert(der)


def curl_login(demo: Demo, workdir: Path, *client: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``curl -L`` from the portal's eID start through the login host, cookies kept; (final status, body)."""
    import subprocess

    jar = workdir / "cookies.txt"
    command = [
        "curl", "-sS", "-L", "--max-redirs", "5", "--max-time", "60", "-c", str(jar), "-b", str(jar),
        "--cacert", str(demo.server_ca),
        "--resolve", f"{PORTAL_HOST}:{demo.portal_port}:127.0.0.1",
        "--resolve", f"{LOGIN_HOST}:{demo.login_port}:127.0.0.1",
        "-H", "Accept: application/json", "-w", "\n%{http_code}", *client, demo.start_url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def write_key_pair(workdir: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    """PEM files of a software certificate and key, for curl ``--cert``/``--key``."""
    from cryptography.hazmat.primitives import serialization

    cert_path, key_path = workdir / f"{name}.pem", workdir / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
