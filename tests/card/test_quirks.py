"""The quirk wrappers on the session's send path (eidlib.card.quirks), against the virtual card."""

from __future__ import annotations

import pytest

from eidlib.belpic.ins import Ins
from eidlib.card import commands
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from tests.card.virtual_cards import PIN, virtual_card


class Spy(VirtualTransport):
    """A virtual reader that remembers the instruction bytes it carried."""

    def __init__(self, profile: str) -> None:
        super().__init__(virtual_card(profile))
        self.sent: list[bytes] = []

    def transmit(self, raw: bytes) -> bytes:
        self.sent.append(bytes(raw))
        return super().transmit(raw)


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_a_leftover_non_repudiation_se_is_replaced_before_verify(profile: str) -> None:
    transport = Spy(profile)
    card = BeidCard(transport, owns_transport=False).open()
    # Another application (OpenSC) set key 83 and went away; our session did not see it.
    with transport.transaction():
        algorithm = 0x40 if profile == "1.8" else 0x01
        transport.transmit(commands.select_path(bytes.fromhex("3F00DF00")).to_bytes())
        assert transport.transmit(commands.mse_set(algorithm, 0x83).to_bytes())[-2:] == b"\x90\x00"
    transport.sent.clear()
    card.verify_pin(PIN)
    instructions = [raw[1] for raw in transport.sent]
    assert instructions[-2:] == [Ins.MSE, Ins.VERIFY]
    assert transport.sent[-2][-1] == 0x82  # the authentication key's SE
    signature = card.sign(b"login")  # "PIN once": no PIN needed for the authentication key now
    assert len(signature) == (96 if profile == "1.8" else 256)


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_df00_is_selected_once_before_the_first_mse(profile: str) -> None:
    transport = Spy(profile)
    card = BeidCard(transport, owns_transport=False).open()
    card.verify_pin(PIN)
    card.sign(b"one")
    card.sign(b"two")
    selects_before_mse = [
        transport.sent[i - 1] for i, raw in enumerate(transport.sent) if raw[1] == Ins.MSE and i
        and transport.sent[i - 1][1] == Ins.SELECT
    ]
    assert selects_before_mse == [commands.select_path(bytes.fromhex("3F00DF00")).to_bytes()]
