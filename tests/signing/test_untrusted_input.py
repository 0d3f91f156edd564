"""Damaged input gives a typed error or a negative verdict, never another exception (hypothesis)."""

from __future__ import annotations

import contextlib
import re
from functools import cache

from asn1crypto import cms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.opener import open_card
from eidlib.signing import sign_file_cms
from eidlib.signing.pdf import PdfInputError, VerificationInputError, sign_pdf
from eidlib.signing.verify import verify_file
from tests.signing.documents import contract_pdf

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _signed() -> tuple[bytes, bytes]:
    card = VirtualCard("1.8")
    with open_card(transport=VirtualTransport(card)) as session:
        certificates = session.read_certificates()
        signed = sign_pdf(session, contract_pdf(), pin_source=lambda: "1234")
    assert certificates.root is not None
    return signed, certificates.root


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert found is not None
    a, b, c, d = (int(x) for x in found.groups())
    return a, b, c, d


@_SETTINGS
@given(st.data())
def test_a_damaged_signed_pdf_is_never_reported_valid(data: st.DataObject) -> None:
    signed, root = _signed()
    position = data.draw(st.integers(0, len(signed) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != signed[position]))
    damaged = signed[:position] + bytes([value]) + signed[position + 1:]
    try:
        report = verify_file(damaged, trust_roots=[root])
    except VerificationInputError:
        return
    # Every byte of the signed ranges is covered: a change there can never leave a valid signature.
    # Only a change in the /Contents hex string's zero padding (outside the ranges) may.
    first, first_length, second, _ = _byte_range(signed)
    if any(signature.valid for signature in report.signatures):
        assert first + first_length <= position < second, position


@_SETTINGS
@given(st.binary(max_size=600))
def test_garbage_is_a_typed_error(garbage: bytes) -> None:
    signed, root = _signed()
    for data in (garbage, b"%PDF-1.7\n" + garbage, signed[: len(garbage)]):
        with contextlib.suppress(VerificationInputError):  # any other exception fails the test
            verify_file(data, content=b"x", trust_roots=[root])


@_SETTINGS
@given(st.binary(max_size=400))
def test_signing_garbage_is_a_typed_error_before_the_card(garbage: bytes) -> None:
    card = VirtualCard("1.8")
    with open_card(transport=VirtualTransport(card)) as session:
        before = card.apdu_count
        for data in (garbage, b"%PDF-1.7\n" + garbage):
            try:
                sign_pdf(session, data, pin_source=lambda: "1234")
            except PdfInputError:
                assert card.apdu_count == before


@cache
def _cms() -> tuple[bytes, bytes]:
    with open_card(transport=VirtualTransport(VirtualCard("1.7"))) as session:
        root = session.read_certificates().root
        signature = sign_file_cms(session, b"contract", pin="1234")
    assert root is not None
    return signature, root


@_SETTINGS
@given(st.data())
def test_a_damaged_cms_signature_is_never_valid(data: st.DataObject) -> None:
    signature, root = _cms()
    position = data.draw(st.integers(0, len(signature) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != signature[position]))
    damaged = signature[:position] + bytes([value]) + signature[position + 1:]
    try:
        report = verify_file(damaged, content=b"contract", trust_roots=[root])
    except VerificationInputError:
        return
    # The SignerInfo (signed attributes, signature) and the signer's certificate carry the proof:
    # a change there is never valid. Elsewhere (the copies of the CA and root) it may be.
    if report.valid:
        assert not any(start <= position < end for start, end in _proof_spans(signature)), position


def _proof_spans(signature: bytes) -> list[tuple[int, int]]:
    signed_data = cms.ContentInfo.load(signature)["content"]
    signer_info = signed_data["signer_infos"][0]
    serial = signer_info["sid"].chosen["serial_number"].native
    # certificates is a SET OF: DER sorts it, so the signer's is found by serial, not by position
    (leaf,) = [c.chosen for c in signed_data["certificates"] if c.chosen.serial_number == serial]
    parts = [signer_info.dump(), leaf.dump()]
    return [(signature.index(part), signature.index(part) + len(part)) for part in parts]
