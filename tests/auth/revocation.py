"""Real revocation services for the virtual cards' test PKI: OpenSSL's OCSP responder for the user
certificate and a loopback CRL of the root for the Citizen CA, behind one RevocationChecker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography import x509

from eidlib.emulator.pki import TestPki
from eidlib.x509 import RevocationChecker
from tests.support.crl import CrlServer, make_crl
from tests.support.ocsp import IndexEntry, OpensslOcspResponder

LOOPBACK = ("127.0.0.1",)


@dataclass
class Revocation:
    """The revocation policy to hand to the validator and the services behind it."""

    checker: RevocationChecker
    responder: OpensslOcspResponder
    crl_server: CrlServer


@contextmanager
def revocation_services(
    profile: str, leaf: x509.Certificate, *, status: str = "V", revoke_ca: bool = False
) -> Iterator[Revocation]:
    """OCSP says ``status`` for ``leaf`` ("V" good, "R" revoked, "unknown"); the root's CRL lists the
    Citizen CA when ``revoke_ca``."""
    pki = TestPki.load(profile="1.7" if profile == "1.7" else "1.8")
    entries: list[IndexEntry] = []
    if status == "V":
        entries = [IndexEntry.for_certificate(leaf, "V")]
    elif status == "R":
        entries = [IndexEntry.for_certificate(leaf, "R", reason="keyCompromise")]
    revoked = [pki.citizen_ca.certificate.serial_number] if revoke_ca else []
    crl = make_crl(pki.root.certificate, pki.root.private_key, revoked)
    with OpensslOcspResponder(
        ca_cert=pki.citizen_ca.certificate,
        responder_cert=pki.ocsp_responder.certificate,
        responder_key=pki.ocsp_responder.private_key,
        entries=entries,
    ) as responder, CrlServer({"/root.crl": crl}) as crl_server:
        yield Revocation(
            checker=checker_for(responder.url, crl_server.url("/root.crl")),
            responder=responder,
            crl_server=crl_server,
        )


def checker_for(ocsp_url: str, crl_url: str, **options: object) -> RevocationChecker:
    """A checker asking ``ocsp_url`` and ``crl_url`` (loopback hosts allowed), library defaults otherwise."""
    return RevocationChecker(ocsp_url=ocsp_url, crl_url=crl_url, ocsp_hosts=LOOPBACK, crl_hosts=LOOPBACK,
                             **options)  # type: ignore[arg-type]
