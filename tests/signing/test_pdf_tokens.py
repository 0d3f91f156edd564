"""PDF signatures through the other token paths: the real pcscd (vpcd virtual card) and SoftHSM2 over PKCS#11."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.sign.ades.report import AdESPassed

from eidlib.emulator.pki import TestPki
from eidlib.opener import open_card
from eidlib.pkcs11 import open_token
from eidlib.signing.pdf import (
    Level,
    PdfSignatureOptions,
    RevocationFetcher,
    RevocationSettings,
    sign_pdf,
    verify_pdf,
)
from eidlib.token.errors import NotSupported
from tests.pcsc_harness import PcscStack
from tests.pkcs11.fixtures import EC_TOKEN, RSA_TOKEN
from tests.pkcs11.softhsm import USER_PIN, SoftHsm
from tests.signing.documents import contract_pdf
from tests.signing.independent import PdfsigResult
from tests.signing.netns_run import run_in_namespace
from tests.signing.pyhanko_ltv import ades_lta_verdict
from tests.signing.test_pdf_levels import CountingPin
from tests.signing.world import LOOPBACK, SigningWorld


def test_b_lta_through_pcscd(pcsc_cards: PcscStack, world18: SigningWorld, tmp_path: Path) -> None:
    # The pcscd card is the built-in 1.8 virtual card: its certificates name 127.0.0.1:8888/8889. The world's
    # responder and CRL server answer for the same CA keys and serials, so eidlib is pointed at them here;
    # pdfsig asks the URLs in the certificate, so it runs where those are served (a private namespace).
    settings = RevocationSettings(ocsp_hosts=LOOPBACK, crl_hosts=LOOPBACK, ocsp_url=world18.ocsp.url,
                                  crl_url=world18.crls.url("/root.crl"))
    pin = CountingPin()
    with open_card(pcsc_cards.reader_18) as card:
        signed = sign_pdf(card, contract_pdf(), pin_source=pin, options=PdfSignatureOptions(level=Level.B_LTA),
                          tsa=world18.timestamper(), revocation=RevocationFetcher(settings))
    assert pin.asked == 1
    root = TestPki.load(profile="1.8").root.cert_der()
    report = verify_pdf(signed, trust_roots=[root])
    assert report.valid and report.signatures[0].level == "B-LTA"
    assert ades_lta_verdict(signed, root) is AdESPassed.OK
    (tmp_path / "out.pdf").write_bytes(signed)
    (checked,) = run_in_namespace(tmp_path, "1.8", [["pdfsig", "-nssdir", "{NSS}", "out.pdf"]])
    text = str(checked["stdout"])
    assert PdfsigResult(text, tuple(text.split("Signature #")[1:])).valid_and_trusted(0), text


@pytest.fixture(params=[RSA_TOKEN, EC_TOKEN])
def pkcs11_label(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def nss_for(tmp_path: Path) -> Iterator[object]:
    def make(root_pem: bytes) -> str:
        directory = tmp_path / "nss"
        directory.mkdir()
        (tmp_path / "root.pem").write_bytes(root_pem)
        subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True,
                       capture_output=True, timeout=30)
        subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "root", "-t", "CT,C,C", "-i",
                        str(tmp_path / "root.pem")], check=True, capture_output=True, timeout=30)
        return f"sql:{directory}"

    yield make


@pytest.mark.softhsm
def test_b_t_through_softhsm(softhsm: SoftHsm, pkcs11_label: str, world18: SigningWorld,
                             nss_for: object, tmp_path: Path) -> None:
    with open_token(softhsm.module, token_label=pkcs11_label) as token:
        signed = sign_pdf(token, contract_pdf(), pin_source=lambda: USER_PIN,
                          options=PdfSignatureOptions(level=Level.B_T), tsa=world18.timestamper())
    root = softhsm.pki.root.der
    # The TSA's certificate comes from the world's root: trust both, as a relying party trusting both PKIs would.
    report = verify_pdf(signed, trust_roots=[root, world18.root_der])
    (signature,) = report.signatures
    assert report.valid and signature.level == "B-T" and signature.non_repudiation
    path = tmp_path / "out.pdf"
    path.write_bytes(signed)
    nss = nss_for(softhsm.pki.root.pem)  # type: ignore[operator]
    done = subprocess.run(["pdfsig", "-nssdir", nss, str(path)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert "Signature is Valid." in done.stdout and "Certificate is Trusted." in done.stdout, done.stdout


OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


@pytest.mark.opensc
def test_opensc_on_applet_17_signs_with_the_authentication_key_only(pcsc_cards: PcscStack) -> None:
    root = TestPki.load(profile="1.7").root.cert_der()
    with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
        token.verify_pin("1234")  # this module shows the certificates only after a login
        signed = sign_pdf(token, contract_pdf(), pin_source=lambda: "1234",
                          options=PdfSignatureOptions(key="authentication"))
        # OpenSC does not expose the 1.7 non-repudiation key for signing: a typed refusal, nothing made
        with pytest.raises(NotSupported):
            sign_pdf(token, contract_pdf(), pin_source=lambda: "1234")
    (signature,) = verify_pdf(signed, trust_roots=[root]).signatures
    assert signature.valid and not signature.non_repudiation and "(Authentication)" in signature.signer
