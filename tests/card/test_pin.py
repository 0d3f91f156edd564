"""PIN blocks (spec §3.4) and PIN-pad structures (spec §8)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.card.pin import empty_pin_block, pin_block
from eidlib.card.pinpad import (
    CM_IOCTL_GET_FEATURE_REQUEST,
    Feature,
    Language,
    PinPad,
    modify_structure,
    parse_features,
    verify_structure,
)
from eidlib.carddata.errors import CardDataError
from eidlib.token.errors import PinFormatError
from eidlib.token.pin import check_pin, wipe


@pytest.mark.parametrize(
    ("pin", "block"),
    [("1234", "241234ffffffffff"), ("12345", "2512345fffffffff"), ("123456789012", "2c123456789012ff"),
     ("0000", "240000ffffffffff")],
)
def test_pin_block_examples(pin: str, block: str) -> None:
    assert pin_block(pin).hex() == block


@settings(max_examples=100, deadline=None)
@given(st.text("0123456789", min_size=4, max_size=12))
def test_pin_block_layout(pin: str) -> None:
    block = pin_block(pin)
    assert isinstance(block, bytearray) and len(block) == 8
    nibbles = block.hex()
    assert nibbles[0] == "2" and int(nibbles[1], 16) == len(pin)
    assert nibbles[2 : 2 + len(pin)] == pin
    assert set(nibbles[2 + len(pin) :]) <= {"f"}


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "１２３４", "", "12 34"])
def test_bad_pins_rejected_without_echo(pin: str) -> None:
    with pytest.raises(PinFormatError) as info:
        check_pin(pin)
    if len(pin) >= 4:
        assert pin not in str(info.value)


def test_wipe() -> None:
    block = pin_block("4321")
    wipe(block)
    assert block == bytearray(8)
    assert empty_pin_block().hex() == "20ffffffffffffff"


def test_verify_structure_is_byte_exact() -> None:
    expected = bytes.fromhex(
        "1e 1e 89 47 04 0c 04 02 01 04 09 00 000000 0d000000 00200001 08 20ffffffffffffff"
    )
    assert verify_structure() == expected
    assert len(expected) == 32
    assert verify_structure(Language.NL)[9:11] == b"\x08\x13"
    assert verify_structure(Language.FR)[9:11] == b"\x08\x0c"
    assert verify_structure(Language.DE)[9:11] == b"\x04\x07"


def test_modify_structure_is_byte_exact() -> None:
    expected = bytes.fromhex(
        "1e 1e 89 47 04 00 08 0c 04 03 02 03 04 09 00 01 02 000000 15000000"
        "00240001 10 20ffffffffffffff 20ffffffffffffff"
    )
    assert modify_structure() == expected
    assert len(expected) == 45


def test_feature_list() -> None:
    raw = bytes.fromhex("06 04 00 31 20 30 07 04 00 31 20 34 12 04 42 33 00 12".replace(" ", ""))
    features = parse_features(raw)
    assert features[Feature.VERIFY_PIN_DIRECT] == 0x00312030
    pad = PinPad.from_features(features)
    assert pad.can_verify and pad.can_modify and pad.modify_code == 0x00312034
    assert not PinPad.from_features({}).can_verify
    assert CM_IOCTL_GET_FEATURE_REQUEST == 0x42000D48


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=40))
def test_feature_list_fuzz(raw: bytes) -> None:
    with contextlib.suppress(CardDataError):
        parse_features(raw)
