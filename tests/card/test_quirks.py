"""The quirk wrappers on the session's send path (eidlib.card.quirks), against the virtual card."""

from __future__ import annotations

import pytest

from eidlib.belpic.ins import Ins
from eidlib.card import commands
from eidlib.card.pinpad import PPDU_FEATURES, ppdu_pin_instruction
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from eidlib.emulator.pinpad import PinPadStyle, VirtualPinPadReader
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


class PinPadSpy(VirtualPinPadReader):
    """A virtual PIN-pad reader that logs the headers of what the host sends: APDUs and PPDUs through
    transmit, PIN structures through control (feature and property requests are left out)."""

    def __init__(self, profile: str, style: PinPadStyle) -> None:
        name = "ACS APG8201 USB Reader 00 00" if style == "ppdu" else "eidlib virtual PIN pad 00 00"
        super().__init__(virtual_card(profile), style=style, reader_name=name)
        self.log: list[str] = []
        self.mse_keys: list[int] = []

    def transmit(self, raw: bytes) -> bytes:
        self.log.append(bytes(raw[:4]).hex().upper())
        if raw[1] == Ins.MSE:
            self.mse_keys.append(raw[-1])
        return super().transmit(raw)

    def control(self, code: int, data: bytes = b"") -> bytes:
        if data:
            self.log.append(f"CONTROL {code:08X}")
        return super().control(code, data)


SELECT_DF00, MSE, PSO = "00A4080C", "002241B6", "002A9E9A"
PIN_COMMAND = {"ppdu": "FFC20106", "direct": "CONTROL 42330006"}


def _leave_non_repudiation_se(reader: VirtualTransport, profile: str) -> None:
    """Another application (OpenSC) sets key 83 and goes away; the session does not see it."""
    with reader.transaction():
        algorithm = 0x40 if profile == "1.8" else 0x01
        VirtualTransport.transmit(reader, commands.select_path(bytes.fromhex("3F00DF00")).to_bytes())
        assert VirtualTransport.transmit(reader, commands.mse_set(algorithm, 0x83).to_bytes())[-2:] == b"\x90\x00"


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("style", ["ppdu", "direct"])
def test_pinpad_verify_re_arms_the_authentication_se_then_sign_works(profile: str, style: PinPadStyle) -> None:
    """A PPDU VERIFY (FF C2 01 06 ..) goes through the same rule as one through SCardControl: with key 83
    left selected, MSE:SET(82) comes first, so the VERIFY is "PIN once" and the login signature works."""
    reader = PinPadSpy(profile, style)
    card = BeidCard(reader, owns_transport=False).open()
    assert card.pinpad() is not None
    _leave_non_repudiation_se(reader, profile)
    reader.log.clear()
    card.verify_pin(None)
    assert reader.log == [SELECT_DF00, MSE, PIN_COMMAND[style]]
    assert reader.mse_keys == [0x82]
    reader.log.clear()
    signature = card.sign(b"login")  # no PIN: the pad's VERIFY unlocked the authentication key
    assert len(signature) == (96 if profile == "1.8" else 256)
    # (on 1.7 the first signature reads the key's certificate first: the version cannot tell its algorithm)
    assert PSO in reader.log[-2:] and PIN_COMMAND[style] not in reader.log
    assert set(reader.mse_keys) == {0x82}
    assert reader.card.pin_tries_left == 3


@pytest.mark.parametrize("style", ["ppdu", "direct"])
def test_pinpad_signature_keeps_its_own_mse(style: PinPadStyle) -> None:
    """MSE:SET(83) → PIN on the pad → PSO: no authentication MSE slips in between (the VERIFY follows its MSE)."""
    reader = PinPadSpy("1.8", style)
    card = BeidCard(reader, owns_transport=False).open()
    card.pinpad()
    reader.log.clear()
    assert len(card.sign(b"contract", key="signature")) == 96
    assert reader.log[:4] == [SELECT_DF00, MSE, PIN_COMMAND[style], PSO]
    assert reader.mse_keys == [0x83]


def test_ppdu_pin_instruction() -> None:
    structure = bytes(32)
    assert ppdu_pin_instruction(bytes.fromhex("FFC20106") + bytes((32,)) + structure) == Ins.VERIFY
    assert ppdu_pin_instruction(bytes.fromhex("FFC20107") + bytes((32,)) + structure) == Ins.CHANGE_REFERENCE_DATA
    assert ppdu_pin_instruction(PPDU_FEATURES) is None
    assert ppdu_pin_instruction(bytes.fromhex("FFC2011220") + structure) is None
    assert ppdu_pin_instruction(commands.verify_header() + bytes(8)) is None
