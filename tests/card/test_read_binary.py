"""File reading against cards that signal the end of a file in each way the spec allows (§3.2)."""

from __future__ import annotations

from contextlib import suppress
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.apdu.status import ApduError
from eidlib.belpic.files import CardFile
from eidlib.card.session import BeidCard
from eidlib.carddata.errors import CardDataError
from eidlib.token.protocol import Token
from tests.apdu.scripted import ScriptedTransport

EofStyle = Literal["6C", "short", "6B00-on-empty-only"]
CARD_DATA = bytes.fromhex("534c47904043000038e977a912924251f3360125011700030021010f")


class FileCard(ScriptedTransport):
    """A minimal card: SELECT applet/path, GET CARD DATA and READ BINARY with a chosen EOF style."""

    ATR = bytes.fromhex("3B9813400AA503010101AD1311")

    def __init__(self, files: dict[str, bytes], eof: EofStyle, overlong: bool = False) -> None:
        super().__init__(self.answer, atr=self.ATR)
        self.files = files
        self.eof = eof
        self.overlong = overlong
        self.current: bytes | None = None
        self.reads: list[tuple[int, int]] = []

    def answer(self, raw: bytes) -> bytes:
        ins = raw[1]
        if ins == 0xA4:
            if raw[2] == 0x04:
                return b"\x90\x00"
            self.current = self.files.get(raw[5:].hex().upper())
            return b"\x90\x00" if self.current is not None else b"\x6a\x82"
        if ins == 0xE4:
            return CARD_DATA + b"\x90\x00" if raw[4] == 0x1C else b"\x6c\x1c"
        if ins == 0xB0:
            assert self.current is not None
            offset, le = (raw[2] << 8) | raw[3], raw[4] or 256
            self.reads.append((offset, le))
            if self.overlong:
                return bytes(le + 1) + b"\x90\x00"
            if offset >= len(self.current):
                return b"\x6b\x00"
            chunk = self.current[offset : offset + le]
            if len(chunk) < le and self.eof == "6C":
                return bytes((0x6C, len(chunk)))
            return chunk + b"\x90\x00"
        return b"\x6d\x00"


def _card(files: dict[str, bytes], eof: EofStyle, **kwargs: bool) -> tuple[BeidCard, FileCard]:
    transport = FileCard(files, eof, **kwargs)
    return BeidCard(transport).open(), transport


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=3000), st.sampled_from(["6C", "short"]))
def test_any_size_reads_exactly(content: bytes, eof: EofStyle) -> None:
    # A file with no structure of its own (the photo is now checked as a JPEG, see test_card_answers).
    unstructured = CardFile.IDENTITY_SIGNATURE
    card, transport = _card({unstructured.value: content}, eof)
    assert card.read_file(unstructured) == content
    assert all(le <= 252 for _, le in transport.reads)
    assert len(transport.reads) <= len(content) // 252 + 2
    assert card.read_file(unstructured) == content  # cached: no new READ BINARY
    assert len(transport.reads) <= len(content) // 252 + 2


@pytest.mark.parametrize("size", [252, 504, 756])
def test_multiple_of_the_chunk_ends_with_6b00(size: int) -> None:
    content = bytes(range(256)) * 3
    card, transport = _card({CardFile.IDENTITY_SIGNATURE.value: content[:size]}, "6C")
    assert card.read_file(CardFile.IDENTITY_SIGNATURE) == content[:size]
    assert transport.reads[-1] == (size, 252)


def test_certificate_read_stops_at_der_length() -> None:
    der = b"\x30\x82\x01\xf0" + bytes(range(256)) * 2
    der = der[: 4 + 0x1F0]
    files = {f.value: bytes(2500) for f in CardFile if f.is_certificate}  # every card has all five EFs
    files[CardFile.AUTHENTICATION_CERTIFICATE.value] = der + bytes(1100)
    card, transport = _card(files, "6C")
    assert card.read_certificates().authentication == der
    reads = [r for r in transport.reads if r[0] < 2000]
    assert reads[:2] == [(0, 252), (252, len(der) - 252)]


def test_absent_certificate_is_none_after_one_chunk() -> None:
    files = {f.value: bytes(2500) for f in CardFile if f.is_certificate}
    card, transport = _card(files, "6C")
    certs = card.read_certificates()
    assert certs.signature is None and certs.authentication is None and certs.rrn is None
    assert len(transport.reads) == 5


def test_garbage_certificate_and_overlong_answer() -> None:
    card, _ = _card({CardFile.CA_CERTIFICATE.value: b"\x04\x02garbage" + bytes(300)}, "6C")
    with pytest.raises(CardDataError):
        card.read_certificates()
    card, _ = _card({CardFile.PHOTO.value: bytes(10)}, "6C", overlong=True)
    with pytest.raises(CardDataError):
        card.read_photo()


def test_missing_file_and_empty_file() -> None:
    from eidlib.card.errors import CardFileNotFound

    card, _ = _card({CardFile.PHOTO.value: b""}, "6C")
    with pytest.raises(CardFileNotFound) as info:
        card.read_identity()
    assert info.value.path == CardFile.IDENTITY.value
    with pytest.raises(ApduError):
        card.read_photo()  # 6B00 on the first chunk is an error, not an empty file


def test_beid_card_is_a_token() -> None:
    card, _ = _card({}, "6C")
    assert isinstance(card, Token)
    assert card.applet_version == "1.7"


def test_card_layer_does_not_import_the_emulator() -> None:
    import subprocess
    import sys

    code = ("import sys, eidlib.card.session, eidlib.carddata.integrity, eidlib.cli.card_commands; "
            "sys.exit('eidlib.emulator' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def garbage_card(answers: list[bytes], atr: bytes) -> ScriptedTransport:
    """A card that answers every command with bytes drawn by hypothesis (6F00 once they run out)."""
    return ScriptedTransport(lambda raw: answers.pop(0) if answers else b"\x6f\x00", atr=atr)


answer_strategy = st.one_of(
    st.binary(min_size=2, max_size=300),
    st.sampled_from([
        b"\x90\x00", b"\x61\x60", b"\x6c\x10", b"\x6b\x00", b"\x69\x82", b"\x63\xc1", b"\x61\x00",
        CARD_DATA + b"\x90\x00", bytes(252) + b"\x90\x00", b"\x30\x82\x05\x00" + bytes(248) + b"\x90\x00",
    ]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(answer_strategy, max_size=30),
       st.sampled_from([FileCard.ATR, bytes.fromhex("3B7F96000080318065B085040120120FFF829000")]))
def test_garbage_answers_raise_only_eidlib_errors(answers: list[bytes], atr: bytes) -> None:
    from eidlib.errors import EidError

    card = BeidCard(garbage_card(answers, atr))
    operations = (card.open, card.read_identity, card.read_address, card.read_certificates,
                  card.pin_tries_left, lambda: card.sign(b"x", pin="1234"),
                  lambda: card.sign(b"x", key="signature", pin="1234"), card.verify_integrity,
                  lambda: card.authenticate_card(bytes(48)))
    for operation in operations:
        with suppress(EidError):
            operation()
