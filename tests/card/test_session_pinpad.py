"""PIN-pad readers: the PIN is typed on the reader (PC/SC part 10 VERIFY/MODIFY_PIN_DIRECT)."""

from __future__ import annotations

import pytest

from eidlib.apdu.replay import RecordingTransport
from eidlib.card.pinpad import modify_structure, verify_structure
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from eidlib.token.errors import PinCancelled, PinRequired, PinTimeout, WrongPin
from eidlib.token.protocol import PinEntry
from tests.card.virtual_cards import PIN, VERIFY_DIRECT, PinPadTransport, virtual_card


def test_signature_key_on_the_pin_pad() -> None:
    vc = virtual_card("1.8")
    reader = PinPadTransport(vc)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.verify_code == VERIFY_DIRECT
        assert card.pin_entry is PinEntry.PINPAD
        signature = card.sign(b"contract", key="signature")
        assert len(signature) == 96
        assert reader.structures == [verify_structure()]
        card.sign(b"login")  # authentication: the PIN pad is used once, then "PIN once"
        card.sign(b"login again")
        assert len(reader.structures) == 2


def test_pin_pad_results() -> None:
    vc = virtual_card("1.8")
    reader = PinPadTransport(vc, typed="9999")
    with BeidCard(reader).open() as card:
        with pytest.raises(WrongPin) as info:
            card.verify_pin(None)
        assert info.value.tries_left == 2
        reader.reader_sw = b"\x64\x01"
        with pytest.raises(PinCancelled):
            card.sign(b"x", key="signature")
        reader.reader_sw = b"\x64\x00"
        with pytest.raises(PinTimeout):
            card.verify_pin(None)
        assert vc.pin_tries_left == 2


def test_change_pin_on_the_pin_pad() -> None:
    vc = virtual_card("1.8")
    reader = PinPadTransport(vc, typed=f"{PIN}/567890")
    with BeidCard(reader).open() as card:
        card.change_pin(None, None)
        assert reader.structures == [modify_structure()]
        card.verify_pin("567890")


def test_no_pin_pad_means_a_pin_is_required() -> None:
    vc = virtual_card("1.8")
    with BeidCard(VirtualTransport(vc)).open() as card:
        assert card.pinpad() is None
        before = vc.apdu_count
        with pytest.raises(PinRequired):
            card.verify_pin(None)
        with pytest.raises(PinRequired):
            card.change_pin(None, None)
        assert vc.apdu_count == before


def test_recorder_hides_the_pin_pad_reader() -> None:
    vc = virtual_card("1.8")
    with BeidCard(RecordingTransport(PinPadTransport(vc))).open() as card:
        assert card.pinpad() is None  # RecordingTransport has no control(): no PIN pad through it
