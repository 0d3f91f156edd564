"""Garbled or transient card answers (issue 12.2, 12.7): typed errors, nothing poisoned, a retry reads again.

Faults come from the virtual card (``card.faults.answer_at``: the n-th APDU from now gets a
chosen raw answer instead of running), so the host sees exactly what a glitching card sends.
"""

from __future__ import annotations

import pytest

from eidlib.apdu.transport import ForwardingTransport
from eidlib.belpic.files import CardFile
from eidlib.belpic.ins import Ins
from eidlib.card.errors import GarbledAnswer
from eidlib.card.session import BeidCard
from eidlib.carddata.address import Address
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.emulator import VirtualCard, VirtualTransport
from tests.card.virtual_cards import PIN, virtual_card

PROFILES = ["1.7", "1.8"]


class Probe:
    """Counts the APDUs of an operation and records their instruction bytes, to aim a fault."""

    def __init__(self, profile: str) -> None:
        self.vc = virtual_card(profile)
        self.transport = VirtualTransport(self.vc)
        self.card = BeidCard(self.transport).open()
        self.sent: list[bytes] = []
        inner = self.transport.transmit

        def recording(raw: bytes) -> bytes:
            self.sent.append(bytes(raw))
            return inner(raw)

        self.transport.transmit = recording  # type: ignore[method-assign]

    def index_of(self, ins: int, occurrence: int = 0) -> int:
        """Position (from now) of the ``occurrence``-th command with ``ins`` in what was recorded."""
        hits = [i for i, raw in enumerate(self.sent) if raw[1] == ins]
        return hits[occurrence]


def fresh(profile: str) -> tuple[BeidCard, VirtualCard]:
    vc = virtual_card(profile)
    return BeidCard(VirtualTransport(vc)).open(), vc


def _reads_of(profile: str, operation: str) -> list[bytes]:
    probe = Probe(profile)
    getattr(probe.card, operation)()
    return probe.sent


@pytest.mark.parametrize("profile", PROFILES)
def test_a_wrong_6cxx_on_the_identity_is_not_cached(profile: str) -> None:
    sent = _reads_of(profile, "read_identity")
    first_read = next(i for i, raw in enumerate(sent) if raw[1] == Ins.READ_BINARY)
    card, vc = fresh(profile)
    expected = fresh(profile)[0].read_identity()
    vc.faults.answer_at(first_read, b"\x6c\x10")  # "only 16 bytes": the host reads 16 and stops
    with pytest.raises(CardDataError):
        card.read_identity()
    assert card.read_identity() == expected  # the retry reads the card again


@pytest.mark.parametrize("profile", PROFILES)
def test_a_glitch_during_verify_integrity_does_not_make_the_card_look_tampered(profile: str) -> None:
    sent = _reads_of(profile, "verify_integrity")
    # The address file (the third SELECT) comes back with a wrong 6Cxx: a short, signed-looking read.
    third_select = [i for i, raw in enumerate(sent) if raw[1] == Ins.SELECT][2]
    card, vc = fresh(profile)
    vc.faults.answer_at(third_select + 1, b"\x6c\x10")
    with pytest.raises((IntegrityError, CardDataError)):
        card.verify_integrity()
    result = card.verify_integrity()
    assert result.photo_verified


@pytest.mark.parametrize("profile", PROFILES)
def test_a_signature_of_the_wrong_length_is_refused(profile: str) -> None:
    probe = Probe(profile)
    probe.card.sign(b"warm-up", pin=PIN)
    probe.sent.clear()
    probe.card.sign(b"data", pin=PIN)
    get_response = probe.index_of(Ins.GET_RESPONSE)
    for cut in (b"", bytes(21), bytes(99), bytes(259)):
        card, vc = fresh(profile)
        card.sign(b"warm-up", pin=PIN)
        vc.faults.answer_at(get_response, cut + b"\x90\x00")
        with pytest.raises(GarbledAnswer):
            card.sign(b"data", pin=PIN)
        assert len(card.sign(b"data", pin=PIN)) == (96 if profile == "1.8" else 256)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_truncated_photo_is_refused_and_read_again(profile: str) -> None:
    sent = _reads_of(profile, "read_photo")
    reads = [i for i, raw in enumerate(sent) if raw[1] == Ins.READ_BINARY]
    card, vc = fresh(profile)
    photo = fresh(profile)[0].read_photo()
    vc.faults.answer_at(reads[2], b"\x6b\x00")
    with pytest.raises(GarbledAnswer):
        card.read_photo()
    assert card.read_photo() == photo


def test_the_photo_is_checked_against_the_identity_hash_when_the_identity_was_read() -> None:
    card, vc = fresh("1.8")
    card.read_identity()
    vc.faults.corrupt_file(CardFile.PHOTO.value, flip=(500,))  # still starts and ends like a JPEG
    with pytest.raises(GarbledAnswer, match="photo hash"):
        card.read_photo()
    vc.faults.clear()
    assert card.read_photo().startswith(b"\xff\xd8")


def test_a_photo_that_is_not_a_jpeg_is_refused_without_the_identity() -> None:
    card, vc = fresh("1.7")
    vc.faults.corrupt_file(CardFile.PHOTO.value, flip=(0,))
    with pytest.raises(GarbledAnswer, match="JPEG"):
        card.read_photo()


@pytest.mark.parametrize("raw", [b"", bytes(121), b"\x00" * 3])
def test_an_empty_or_all_zero_address_is_an_error(raw: bytes) -> None:
    with pytest.raises(CardDataError):
        Address.parse(raw)


@pytest.mark.parametrize("answer", [b"\x6a\x82", b"\x90\x00"])
def test_a_transient_failure_on_a_certificate_is_not_no_certificate(answer: bytes) -> None:
    sent = _reads_of("1.8", "read_certificates")
    # 6A82 on the SELECT of the authentication certificate, or 9000 without data on its first read.
    ins = Ins.SELECT if answer == b"\x6a\x82" else Ins.READ_BINARY
    target = next(i for i, raw in enumerate(sent) if raw[1] == ins)
    card, vc = fresh("1.8")
    vc.faults.answer_at(target, answer)
    with pytest.raises(GarbledAnswer):
        card.read_certificates()
    assert card.read_certificates().authentication is not None


def test_a_kids_card_still_has_no_signature_certificate() -> None:
    vc = virtual_card("1.8", kids=True)
    with BeidCard(VirtualTransport(vc)).open() as card:
        certificates = card.read_certificates()
    assert certificates.signature is None and certificates.authentication is not None


@pytest.mark.parametrize(("profile", "pause"), [("1.8", 0.0), ("1.7", 0.0)])  # 1.1: test_generations
def test_the_6cxx_pause_follows_the_card_data(profile: str, pause: float) -> None:
    class Chip(ForwardingTransport):
        """The virtual card behind a transport that claims a physical chip."""

        instant = False

    # 1.8 cards answer 00 01 in card data bytes 22-23 like the V1 cards eid-mw pauses for: only V1 pauses.
    card = BeidCard(Chip(VirtualTransport(virtual_card(profile)))).open()
    assert card.applet.wrong_le_pause == pause
    assert card.channel.wrong_le_delay == pause
    in_memory, _ = fresh(profile)
    assert in_memory.channel.wrong_le_delay == 0.0  # nothing to wait for
