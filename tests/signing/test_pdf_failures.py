"""What must fail, fails with a typed error and leaves no file; tampering is reported by the verifier."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eidlib.errors import CardRemovedError
from eidlib.signing.pdf import (
    Level,
    OutputPathError,
    PdfInputError,
    PdfSignatureOptions,
    TimestampError,
    TsaClient,
    sign_pdf,
    sign_pdf_file,
    verify_pdf,
)
from eidlib.signing.report import Modifications
from eidlib.token.errors import PinBlocked, WrongPin
from eidlib.x509.errors import CertificateRevoked
from tests.signing.documents import contract_pdf
from tests.signing.independent import pdfsig
from tests.signing.test_pdf_levels import CountingPin
from tests.signing.world import PIN, SigningWorld


def _sign_file(world: SigningWorld, tmp_path: Path, pin: CountingPin, level: Level = Level.B_B,
               tsa: TsaClient | None = None, card_world: SigningWorld | None = None) -> Path:
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    target = tmp_path / "out.pdf"
    with (card_world or world).open() as card:
        sign_pdf_file(card, source, target, pin_source=pin, options=PdfSignatureOptions(level=level),
                      tsa=tsa or world.timestamper(), revocation=world.fetcher())
    return target


def _no_output(tmp_path: Path) -> None:
    assert not (tmp_path / "out.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.pdf"]  # no temporary left either
    assert (tmp_path / "in.pdf").read_bytes() == contract_pdf()


def test_wrong_pin_is_typed_and_leaves_no_file(world18: SigningWorld, tmp_path: Path) -> None:
    pin = CountingPin("9999")
    with pytest.raises(WrongPin) as caught:
        _sign_file(world18, tmp_path, pin)
    assert caught.value.tries_left == 2
    assert pin.asked == 1  # never retried
    _no_output(tmp_path)


def test_blocked_pin(world18: SigningWorld, tmp_path: Path) -> None:
    card = world18.virtual_card()
    with world18.open(card) as session:
        for _ in range(3):
            with pytest.raises((WrongPin, PinBlocked)):
                session.verify_pin("9999")
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    with world18.open(card) as session, pytest.raises(PinBlocked):
        sign_pdf_file(session, source, tmp_path / "out.pdf", pin_source=CountingPin())
    _no_output(tmp_path)


def test_revoked_certificate_stops_before_the_pin(revoked_world: SigningWorld, tmp_path: Path) -> None:
    pin = CountingPin()
    with pytest.raises(CertificateRevoked):
        _sign_file(revoked_world, tmp_path, pin, Level.B_LT)
    assert pin.asked == 0
    _no_output(tmp_path)


@pytest.mark.parametrize("mode", ["garbage", "hang", "http-error"])
def test_tsa_failures(world18: SigningWorld, tmp_path: Path, mode: str) -> None:
    world18.tsa.mode = mode  # type: ignore[assignment]
    pin = CountingPin()
    client = TsaClient(world18.tsa.url, timeout=1.0)
    with pytest.raises(TimestampError):
        _sign_file(world18, tmp_path, pin, Level.B_T, tsa=client)
    assert client.requests_sent == 1  # asked once, not retried
    assert pin.asked == 0
    _no_output(tmp_path)


def test_card_pulled_mid_signature(world17: SigningWorld, tmp_path: Path) -> None:
    card = world17.virtual_card()

    def pull_then_pin() -> str:
        card.faults.remove_after(1)  # the card leaves after the next APDU (MSE SET)
        return PIN

    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    with world17.open(card) as session, pytest.raises(CardRemovedError):
        sign_pdf_file(session, source, tmp_path / "out.pdf", pin_source=pull_then_pin)
    _no_output(tmp_path)


def test_output_checked_before_the_card(world18: SigningWorld, tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    card = world18.virtual_card()
    with world18.open(card) as session:
        before = card.apdu_count
        for bad in (source, tmp_path / "missing" / "out.pdf", tmp_path):
            with pytest.raises(OutputPathError):
                sign_pdf_file(session, source, bad, pin_source=CountingPin())
        assert card.apdu_count == before
    assert source.read_bytes() == contract_pdf()


def test_not_a_pdf(world18: SigningWorld) -> None:
    with world18.open() as card, pytest.raises(PdfInputError):
        sign_pdf(card, b"hello", pin_source=CountingPin())


def test_byte_flipped_after_signing(world18: SigningWorld, tmp_path: Path) -> None:
    signed = _sign_file(world18, tmp_path, CountingPin(), Level.B_T).read_bytes()
    tampered = signed.replace(b"Huurovereenkomst - page 1", b"Huurovereenkomst - page 7", 1)
    assert tampered != signed
    (signature,) = verify_pdf(tampered, trust_roots=[world18.root_der]).signatures
    assert not signature.intact and not signature.valid
    assert any("altered" in p for p in signature.problems)
    assert "Signature Validation: Digest Mismatch." in pdfsig(world18, tampered, tmp_path).output


def test_incremental_update_changing_the_page(world17: SigningWorld, tmp_path: Path) -> None:
    signed = _sign_file(world17, tmp_path, CountingPin(), Level.B_LT).read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 760 Td (Koopovereenkomst - page 1) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trust_roots=[world17.root_der])
    (signature,) = report.signatures
    assert signature.intact and signature.trusted  # the signed revision itself is untouched
    assert signature.modifications is Modifications.OTHER
    assert not signature.valid and not report.valid
    assert any("changed after signing" in p for p in signature.problems)
