"""Fault injection and the in-process transport: removal, a mute card, forced status words, bad files."""

from __future__ import annotations

import threading
import time

import pytest

from eidlib.apdu import CardChannel, CardRemovedError, CommandAPDU, NoCardError, ProtocolError, Transport
from eidlib.emulator import EmulatorError, VirtualCard, VirtualTransport
from tests.emulator.card_images import make_image

CARD_DATA = bytes.fromhex("80E400001C")
VERIFY = bytes.fromhex("0020000108241234FFFFFFFFFF")
STATUS = bytes.fromhex("00200001")


@pytest.fixture
def card() -> VirtualCard:
    return VirtualCard(image=make_image("1.8"))


@pytest.fixture
def transport(card: VirtualCard) -> VirtualTransport:
    t = VirtualTransport(card)
    t.connect()
    return t


def test_is_a_transport(transport: VirtualTransport) -> None:
    assert isinstance(transport, Transport)
    assert transport.atr == transport.card.atr


def test_connect_powers_on_and_disconnect_drops_rights(transport: VirtualTransport) -> None:
    assert transport.transmit(VERIFY) == b"\x90\x00"
    assert transport.transmit(STATUS) == b"\x90\x00"
    transport.disconnect()
    with pytest.raises(ProtocolError):
        transport.transmit(STATUS)
    transport.connect()
    assert transport.transmit(STATUS) == b"\x63\xc3"


def test_remove_after_n_apdus(card: VirtualCard, transport: VirtualTransport) -> None:
    transport.transmit(VERIFY)
    card.faults.remove_after(2)
    assert transport.transmit(CARD_DATA)[-2:] == b"\x90\x00"
    assert transport.transmit(CARD_DATA)[-2:] == b"\x90\x00"
    with pytest.raises(CardRemovedError):
        transport.transmit(CARD_DATA)
    with pytest.raises(CardRemovedError):
        transport.transmit(CARD_DATA)
    assert not card.present
    with pytest.raises(NoCardError):
        transport.connect()
    card.faults.insert()
    transport.connect()
    assert transport.transmit(STATUS) == b"\x63\xc3"  # re-inserted card: a fresh session


def test_swap_between_commands_is_noticed(card: VirtualCard, transport: VirtualTransport) -> None:
    transport.transmit(VERIFY)
    card.faults.remove_after(0)
    card.faults.insert()
    with pytest.raises(CardRemovedError):
        transport.transmit(STATUS)  # the old session is gone even though a card is back
    transport.connect()
    assert transport.transmit(STATUS) == b"\x63\xc3"
    assert card.faults.removals == 1


def test_remove_now_through_a_channel(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.remove_after(0)
    with pytest.raises(CardRemovedError):
        CardChannel(transport).send(CommandAPDU(0x80, 0xE4, 0x00, 0x00, le=0x1C))


def test_removal_in_the_middle_of_a_signature(card: VirtualCard, transport: VirtualTransport) -> None:
    channel = CardChannel(transport)
    channel.send(CommandAPDU(0x00, 0x20, 0x00, 0x01, bytes.fromhex("241234FFFFFFFFFF")))
    channel.send(CommandAPDU(0x00, 0x22, 0x41, 0xB6, bytes.fromhex("0480028482")))
    card.faults.remove_after(1)  # PSO is answered with 61xx, GET RESPONSE finds no card
    with pytest.raises(CardRemovedError):
        channel.send(CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, bytes(48)))


def test_mute_card_fails_at_once(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.mute_after(1)
    assert transport.transmit(CARD_DATA)[-2:] == b"\x90\x00"
    started = time.monotonic()
    with pytest.raises(ProtocolError):
        transport.transmit(CARD_DATA)
    assert time.monotonic() - started < 0.5
    assert card.process(CARD_DATA) == b""  # no answer at all
    card.faults.unmute()
    assert transport.transmit(CARD_DATA)[-2:] == b"\x90\x00"


def test_forced_status_once(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.answer_sw(0x20, 0x6983)
    assert transport.transmit(VERIFY) == b"\x69\x83"
    assert card.pin_tries_left == 3  # the command did not run
    assert transport.transmit(VERIFY) == b"\x90\x00"


def test_forced_status_always_and_times(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.answer_sw(0xE4, 0x6581, times=None)
    for _ in range(3):
        assert transport.transmit(CARD_DATA) == b"\x65\x81"
    card.faults.answer_sw(0xE4, 0x6D00, times=2)
    assert [transport.transmit(CARD_DATA)[-2:] for _ in range(3)] == [b"\x6d\x00", b"\x6d\x00", b"\x90\x00"]


def read(transport: VirtualTransport, path: str) -> bytes:
    channel = CardChannel(transport)
    channel.send(CommandAPDU(0x00, 0xA4, 0x08, 0x0C, bytes.fromhex(path)))
    out = b""
    while True:
        response = channel.transmit(CommandAPDU(0x00, 0xB0, len(out) >> 8, len(out) & 0xFF, le=0xFC))
        if response.sw == 0x6B00:
            return out
        out += response.check(0xB0)
        if len(response.data) < 0xFC:
            return out


def test_corrupt_and_restore_files(card: VirtualCard, transport: VirtualTransport) -> None:
    original = card.image.files["3F00DF014031"]
    card.faults.corrupt_file("3F00DF014031", flip=(0, 5))
    damaged = read(transport, "3F00DF014031")
    assert damaged[0] == original[0] ^ 0xFF and damaged[5] == original[5] ^ 0xFF
    assert damaged[1:5] == original[1:5] and damaged[6:] == original[6:]
    card.faults.corrupt_file("3F00DF014035", flip=(), truncate=100)
    assert read(transport, "3F00DF014035") == card.image.files["3F00DF014035"][:100]
    card.power_on()  # EEPROM damage survives a reset
    assert read(transport, "3F00DF014035") == card.image.files["3F00DF014035"][:100]
    card.faults.clear()
    assert read(transport, "3F00DF014031") == original


def test_corrupt_generated_pkcs15_file(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.corrupt_file("3F00DF005032", flip=(), truncate=3)
    assert read(transport, "3F00DF005032") == b"\x30\x27\x02"


@pytest.mark.parametrize("kwargs", [{"flip": (99999,)}, {"truncate": -1}])
def test_corrupt_file_argument_errors(card: VirtualCard, kwargs: dict[str, object]) -> None:
    with pytest.raises(EmulatorError):
        card.faults.corrupt_file("3F00DF014031", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["3F00DF014099", "3F00DF02", "zz", "4031", "3F00DF054031"])
def test_corrupt_file_unknown_path(card: VirtualCard, path: str) -> None:
    with pytest.raises(EmulatorError):
        card.faults.corrupt_file(path)


def test_fault_argument_errors(card: VirtualCard) -> None:
    with pytest.raises(EmulatorError):
        card.faults.remove_after(-1)
    with pytest.raises(EmulatorError):
        card.faults.mute_after(-1)
    with pytest.raises(EmulatorError):
        card.faults.answer_sw(0x100, 0x9000)
    with pytest.raises(EmulatorError):
        card.faults.answer_sw(0x20, 0x9000, times=0)


def test_clear_disarms_everything(card: VirtualCard, transport: VirtualTransport) -> None:
    card.faults.answer_sw(0xE4, 0x6581, times=None)
    card.faults.mute_after(5)
    card.faults.remove_after(7)
    card.faults.clear()
    assert not card.faults.armed
    for _ in range(10):
        assert transport.transmit(CARD_DATA)[-2:] == b"\x90\x00"


def test_transaction_is_reentrant_and_exclusive(transport: VirtualTransport) -> None:
    entered = threading.Event()
    order: list[str] = []

    def other() -> None:
        with transport.transaction():
            order.append("other")
        entered.set()

    with transport.transaction(), transport.transaction():
        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.1)
        order.append("main")
    thread.join(5)
    assert order == ["main", "other"]
