"""``eid diagnose --ocsp``: a revoked certificate is a problem, asked of a real ``openssl ocsp`` responder."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from eidlib.emulator.pki import TestPki
from eidlib.opener import open_card
from tests.cli.contract import checked, eid
from tests.support.ocsp import IndexEntry, OpensslOcspResponder


def test_revoked_signature_certificate(tmp_path: Path) -> None:
    pki = TestPki.load(profile="1.8")
    with open_card(virtual="1.8") as card:
        certificates = card.read_certificates()
    assert certificates.authentication and certificates.signature
    auth = x509.load_der_x509_certificate(certificates.authentication)
    sign = x509.load_der_x509_certificate(certificates.signature)
    for revoked, codes, exit_code in (
        (False, ["ok"], 0),
        (True, ["certificate_revoked"], 3),
    ):
        entries = [IndexEntry.for_certificate(auth), IndexEntry.for_certificate(sign, "R" if revoked else "V")]
        with OpensslOcspResponder(pki.citizen_ca.certificate, pki.ocsp_responder.certificate,
                                  pki.ocsp_responder.private_key, entries) as responder:
            run = eid("--virtual", "1.8", "--json", "diagnose", "--ocsp", "--ocsp-url", responder.url,
                      "--allow-host", "127.0.0.1")
        findings = checked(run.out, "diagnose")["findings"]
        assert [f["code"] for f in findings] == codes and run.code == exit_code, findings
        if revoked:
            assert findings[0]["detail"].startswith("signature: CertificateRevoked")
            assert "municipality" in findings[0]["hint"]
