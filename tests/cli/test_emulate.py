"""``eid emulate``: the card options it takes from its control socket or command line."""

from __future__ import annotations

import pytest

from eidlib.cli.emulate import build_card
from eidlib.emulator.vpcd import VpcdError


def test_emulate_card_options_are_checked() -> None:
    with pytest.raises(VpcdError, match="unknown card options: bogus"):
        build_card({"profile": "1.8", "bogus": 1})
    with pytest.raises(VpcdError, match="profile"):
        build_card({"profile": "2.0"})
    card = build_card({"profile": "1.7", "kids": True})
    assert card.atr == bytes.fromhex("3B9813400AA503010101AD1311")
