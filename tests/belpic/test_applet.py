"""The Applet object: every version question answered from card data (and the ATR), one rule each."""

from __future__ import annotations

import pytest

from eidlib.belpic.applet import V17, V18, Applet, Version, expects_extended_card_data
from eidlib.belpic.atr import ATR_17, ATR_18

CARD_DATA_17 = bytes(16) + bytes.fromhex("D000480101") + b"\x17" + bytes.fromhex("0003002101") + b"\x0f"
CARD_DATA_18 = bytes(16) + bytes.fromhex("D000480101") + b"\x18" + bytes.fromhex("0001000002") + b"\x0f"


def test_versions_print_like_the_middleware() -> None:
    assert str(V17) == "1.7" and str(V18) == "1.8" and str(Version(0x11)) == "1.1"
    assert Version(0x11) < V17 < V18


def test_facts_of_the_two_profiles() -> None:
    old = Applet.from_card_data(CARD_DATA_17, ATR_17)
    new = Applet.from_card_data(CARD_DATA_18, ATR_18)
    assert (old.key_algorithm, old.pss, old.extended_card_data, old.basic_key) == ("rsa", True, False, False)
    assert (new.key_algorithm, new.pss, new.extended_card_data, new.basic_key) == ("ec", False, True, True)
    assert old.default_hash == "sha256" and new.default_hash == "sha384"
    assert old.signature_size == 256 and new.signature_size == 96


@pytest.mark.parametrize(
    ("version", "atr", "algorithm"),
    [(0x11, b"", "rsa"), (0x17, ATR_18, "rsa"), (0x18, b"", "ec"), (0x19, ATR_18, "ec"), (0x19, ATR_17, "rsa"),
     (0x19, b"\x3b\x00", None)],
)
def test_one_fallback_rule_for_the_key_algorithm(version: int, atr: bytes, algorithm: str | None) -> None:
    raw = CARD_DATA_17[:21] + bytes((version,)) + CARD_DATA_17[22:]
    assert Applet.from_card_data(raw, atr).key_algorithm == algorithm


@pytest.mark.parametrize(
    ("version", "os_version", "pause"),
    [(0x11, b"\x00\x01", 0.05), (0x11, b"\x00\x03", 0.0), (0x11, b"\x01\x01", 0.0),
     (0x17, b"\x00\x01", 0.0), (0x18, b"\x00\x01", 0.0)],
)
def test_the_6cxx_pause_follows_bytes_22_and_23_on_old_cards(version: int, os_version: bytes, pause: float) -> None:
    raw = CARD_DATA_17[:21] + bytes((version,)) + os_version + CARD_DATA_17[24:]
    assert Applet.from_card_data(raw).wrong_le_pause == pause


def test_extended_card_data_is_asked_first_only_on_the_18_atr() -> None:
    assert expects_extended_card_data(ATR_18) and not expects_extended_card_data(ATR_17)


def test_short_card_data_is_refused() -> None:
    with pytest.raises(ValueError):
        Applet.from_card_data(CARD_DATA_17[:20])
