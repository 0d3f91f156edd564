"""The typed verdicts front ends render: certificate_verdicts (eid certs) and integrity_verdict (eid read)."""

from __future__ import annotations

import datetime as dt

import pytest

from eidlib.carddata import IntegrityError
from eidlib.token.errors import NotSupported
from eidlib.token.protocol import CardCertificates
from eidlib.token.verdict import IntegrityVerdict, integrity_verdict
from eidlib.x509 import RevocationChecker, TrustStore
from eidlib.x509.verdict import CertificateVerdict, certificate_verdicts
from tests.support.ocsp import IndexEntry, OpensslOcspResponder
from tests.support.pki import issue, make_pki
from tests.support.vectors import VECTORS

TESTCARD = VECTORS / "eid-mw" / "testcard_67063029659"
IN_LIFE = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)


def _testcard() -> CardCertificates:
    def read(name: str) -> bytes:
        return (TESTCARD / f"cert_{name}.der").read_bytes()

    return CardCertificates(read("authentication"), read("signing"), read("citizenca"), read("root"), read("rrn"))


def test_verdicts_are_typed_per_slot() -> None:
    certs = _testcard()
    verdicts = certificate_verdicts(certs, trust=TrustStore([certs.root or b""]), at=IN_LIFE)
    assert [v.slot for v in verdicts] == ["authentication", "signature", "ca", "root", "rrn"]
    assert all(isinstance(v, CertificateVerdict) and v.valid and v.ocsp is None for v in verdicts)
    auth = verdicts[0]
    assert auth.certificate is not None and auth.certificate.national_number == "67063029659"
    assert [c.der for c in auth.chain] == [certs.authentication, certs.ca, certs.root]
    row = auth.to_dict()
    assert row["valid"] is True and row["chain"][0] == auth.certificate.common_name and "error" not in row


def test_verdict_of_a_chain_that_does_not_validate() -> None:
    certs = _testcard()
    late = dt.datetime(2040, 1, 1, tzinfo=dt.timezone.utc)
    verdicts = {v.slot: v for v in certificate_verdicts(certs, trust=TrustStore([certs.root or b""]), at=late)}
    auth = verdicts["authentication"]
    assert not auth.valid and auth.chain == () and (auth.error or "").startswith("CertificateExpired")
    assert auth.to_dict()["valid"] is False and "chain" not in auth.to_dict()


@pytest.mark.ocsp
def test_ocsp_status_through_the_revocation_checker() -> None:
    pki = make_pki()
    revoked = issue("sign", "R (Signature)", pki.ca)
    entries = [IndexEntry.for_certificate(pki.auth.cert), IndexEntry.for_certificate(revoked.cert, "R")]
    certs = CardCertificates(pki.auth.der, revoked.der, pki.ca.der, pki.root.der)
    with OpensslOcspResponder(pki.ca.cert, pki.responder.cert, pki.responder.key, entries) as responder:
        checker = RevocationChecker(ocsp_url=responder.url, ocsp_hosts={"127.0.0.1"})
        verdicts = {v.slot: v for v in certificate_verdicts(certs, trust=TrustStore([pki.root.cert]),
                                                           at=dt.datetime.now(dt.timezone.utc), revocation=checker)}
    assert verdicts["authentication"].ocsp == "good" and verdicts["authentication"].valid
    assert (verdicts["signature"].ocsp or "").startswith("CertificateRevoked") and not verdicts["signature"].valid
    assert verdicts["ca"].ocsp is None and verdicts["ca"].valid


def test_integrity_verdicts() -> None:
    assert integrity_verdict(None) == IntegrityVerdict(None, "this token cannot read the signed files")

    def tampered() -> object:
        raise IntegrityError("address", "the signature does not verify")

    verdict = integrity_verdict(tampered)  # type: ignore[arg-type]
    assert verdict.valid is False and verdict.file == "address"
    assert verdict.to_dict() == {"valid": False, "file": "address", "reason": "the signature does not verify"}

    def unsupported() -> object:
        raise NotSupported("no eID data objects")

    assert integrity_verdict(unsupported).to_dict() == {"valid": None, "reason": "no eID data objects"}  # type: ignore[arg-type]
