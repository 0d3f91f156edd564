"""PAdES B-B … B-LTA from the virtual cards, checked by eidlib, pdfsig and pyHanko's AdES validator."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed

from eidlib.signing.pdf import Level, PdfSignatureOptions, sign_pdf
from eidlib.signing.pdf.verify import verify_pdf
from eidlib.signing.report import Coverage, Modifications
from tests.signing.documents import contract_pdf
from tests.signing.independent import pdfsig
from tests.signing.pyhanko_ltv import ades_lta_verdict
from tests.signing.world import PIN, SigningWorld


class CountingPin:
    """A PIN source that counts how often it is asked."""

    def __init__(self, pin: str = PIN) -> None:
        self.pin = pin
        self.asked = 0

    def __call__(self) -> str:
        self.asked += 1
        return self.pin


def _sign(world: SigningWorld, level: Level, **options: object) -> tuple[bytes, CountingPin]:
    pin = CountingPin()
    with world.open() as card:
        signed = sign_pdf(card, contract_pdf(), pin_source=pin,
                          options=PdfSignatureOptions(level=level, **options),  # type: ignore[arg-type]
                          tsa=world.timestamper(), revocation=world.fetcher())
    return signed, pin


@pytest.mark.parametrize("level", list(Level))
def test_every_level_validates_in_eidlib_pdfsig_and_pyhanko(world: SigningWorld, level: Level,
                                                            tmp_path: Path) -> None:
    stamps_before = world.tsa.answered
    signed, pin = _sign(world, level)
    assert pin.asked == 1
    assert (world.tsa.answered > stamps_before) == level.needs_tsa

    report = verify_pdf(signed, trust_roots=[world.root_der])
    assert report.valid, report
    (signature,) = report.signatures
    assert signature.level == level.value
    assert signature.trusted and signature.intact and signature.non_repudiation
    assert signature.trust_root is not None and "eidlib TEST" in signature.trust_root
    assert (signature.timestamp is not None) == level.needs_tsa
    assert signature.revocation_data_embedded == level.embeds_revocation
    assert signature.ltv_enabled == level.embeds_revocation
    assert signature.coverage is (Coverage.ENTIRE_FILE if level in (Level.B_B, Level.B_T) else Coverage.ENTIRE_REVISION)
    assert signature.modifications in (Modifications.NONE, Modifications.LTV_UPDATES)
    assert len(report.document_timestamps) == (1 if level is Level.B_LTA else 0)

    if level.embeds_revocation:  # the document security store with per-signature VRI entries
        dss = PdfFileReader(io.BytesIO(signed)).root["/DSS"]
        assert dss["/OCSPs"] and dss["/CRLs"] and dss["/Certs"] and dss["/VRI"]

    independent = pdfsig(world, signed, tmp_path)
    assert independent.valid_and_trusted(0), independent.output

    # pyHanko's AdES long-term process (ETSI EN 319 102-1 §5.6.3) needs the document time stamp
    # as proof of existence: B-LTA passes; B-LT lacks the POE; without embedded revocation data
    # the chain cannot be validated offline at all.
    verdict = ades_lta_verdict(signed, world.root_der)
    if level is Level.B_LTA:
        assert verdict is AdESPassed.OK
    elif level is Level.B_LT:
        assert verdict is AdESIndeterminate.NO_POE
    else:
        assert verdict is AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE


def test_rsa_pss_signature_on_applet_17(world17: SigningWorld, tmp_path: Path) -> None:
    signed, _ = _sign(world17, Level.B_LTA, padding="pss")
    report = verify_pdf(signed, trust_roots=[world17.root_der])
    assert report.valid and report.signatures[0].level == "B-LTA" and report.signatures[0].ltv_enabled
    assert ades_lta_verdict(signed, world17.root_der) is AdESPassed.OK
    assert pdfsig(world17, signed, tmp_path).valid_and_trusted(0)


def test_authentication_key_on_request(world18: SigningWorld) -> None:
    signed, _ = _sign(world18, Level.B_B, key="authentication")
    (signature,) = verify_pdf(signed, trust_roots=[world18.root_der]).signatures
    assert signature.intact and signature.trusted
    assert not signature.non_repudiation
    assert "(Authentication)" in signature.signer


def test_untrusted_root_is_reported(world18: SigningWorld, world17: SigningWorld) -> None:
    signed, _ = _sign(world18, Level.B_B)
    (signature,) = verify_pdf(signed, trust_roots=[world17.root_der]).signatures
    assert signature.intact and not signature.trusted and not signature.valid
    assert signature.trust_root is None
