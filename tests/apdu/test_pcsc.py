"""PcscTransport, reader status and the reader monitor through the real pcscd with vpcd virtual cards.

The tests without pcscd / without readers come first in this file so that they run before the
session-wide stack is started (otherwise the harness stops and restarts it around them).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from smartcard import scard
from smartcard.System import readers as pyscard_readers

from eidlib.apdu import CardChannel, CommandAPDU, ControlTransport, Transport
from eidlib.apdu.errors import (
    ApduFormatError,
    CardRemovedError,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ReaderBusyError,
    TransportError,
)
from eidlib.apdu.pcsc import (
    SCARD_CODE_NAMES,
    CardResetError,
    PcscTransport,
    ReaderEvent,
    ReaderMonitor,
    WaitTimeoutError,
    all_reader_status,
    list_readers,
    pcsc_error,
    reader_status,
    scard_code_name,
    wait_for_card,
    wait_for_removal,
)
from eidlib.emulator import ATR, Profile, VirtualCard
from eidlib.emulator.persona import Persona
from tests.pcsc_harness import PCSCD_SOCKET, REPO_ROOT, VPCD_READERS, PcscStack

IDENTITY = bytes.fromhex("3F00DF014031")
GET_CARD_DATA = bytes.fromhex("80E400001C")
PIN_STATUS = bytes.fromhex("00200001")  # VERIFY without data: tries left, no penalty
WRONG_PIN = bytes.fromhex("00200001082499 99FFFFFFFFFF")  # PIN 9999; the card's is 1234


def select_path(path: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x08, 0x0C, len(path)]) + path


def read_file(transport: Transport, path: bytes) -> bytes:
    """SELECT by path and READ BINARY to the end, following 6Cxx like a T=0 host must."""
    assert transport.transmit(select_path(path)) == b"\x90\x00"
    data = b""
    while True:
        offset = len(data)
        answer = transport.transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, 0x00]))
        if answer[-2] == 0x6C:
            answer = transport.transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, answer[-1]]))
        if answer[-2:] == b"\x6b\x00":
            return data
        assert answer[-2:] == b"\x90\x00", answer.hex()
        data += answer[:-2]
        if len(answer) - 2 < 256:
            return data


# -- error mapping (no pcscd needed) -----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(code=st.one_of(st.sampled_from(sorted(SCARD_CODE_NAMES)), st.integers(0, 0xFFFFFFFF)),
       connected=st.booleans())
def test_every_return_code_maps_to_a_typed_error(code: int, connected: bool) -> None:
    error = pcsc_error(code, "SCardX", connected=connected)
    assert isinstance(error, TransportError)
    assert scard_code_name(code) in str(error)


@pytest.mark.parametrize(
    ("name", "connected", "expected"),
    [
        ("SCARD_E_NO_SERVICE", False, PcscUnavailableError),
        ("SCARD_E_SERVICE_STOPPED", True, PcscUnavailableError),
        # libpcsclite's name for "pcscd closed the socket": seen from a transmit racing pcscd's exit
        # (test_pcscd_dying_mid_session, once in 38 runs) and a polkit refusal.
        ("SCARD_W_SECURITY_VIOLATION", True, PcscUnavailableError),
        ("SCARD_E_NO_READERS_AVAILABLE", False, NoReaderError),
        ("SCARD_E_UNKNOWN_READER", False, NoReaderError),
        ("SCARD_E_NO_SMARTCARD", False, NoCardError),
        ("SCARD_E_NO_SMARTCARD", True, CardRemovedError),
        ("SCARD_W_REMOVED_CARD", True, CardRemovedError),
        ("SCARD_W_RESET_CARD", True, CardResetError),
        ("SCARD_E_SHARING_VIOLATION", False, ReaderBusyError),
        ("SCARD_E_PROTO_MISMATCH", False, TransportError),
    ],
)
def test_return_code_classes(name: str, connected: bool, expected: type[TransportError]) -> None:
    error = pcsc_error(getattr(scard, name), "SCardConnect", connected=connected)
    assert type(error) is expected
    assert name in str(error)


def test_negative_and_unsigned_codes_are_the_same() -> None:
    code = scard.SCARD_E_NO_SMARTCARD & 0xFFFFFFFF
    assert scard_code_name(code - (1 << 32)) == scard_code_name(code) == "SCARD_E_NO_SMARTCARD"
    assert scard_code_name(0x12345) == "0x00012345"


def test_bad_protocol_name_is_refused() -> None:
    with pytest.raises(ValueError):
        PcscTransport(protocol="T2")  # type: ignore[arg-type]


# -- pcscd not running / without readers --------------------------------------------------------


def test_pcscd_not_running(pcscd_not_running: None) -> None:
    for call in (list_readers, all_reader_status, lambda: reader_status(VPCD_READERS[0]),
                 lambda: PcscTransport().connect(), lambda: PcscTransport().transmit(b"\x00\xa4\x00\x00"),
                 lambda: wait_for_card(None, 0.2), lambda: ReaderMonitor().poll(0.1)):
        with pytest.raises(PcscUnavailableError, match="SCARD_E_NO_SERVICE"):
            call()


def test_pcscd_without_readers(pcscd_no_readers: PcscStack) -> None:
    assert pcscd_no_readers.running
    assert list_readers() == []
    assert all_reader_status() == []
    with pytest.raises(NoReaderError, match="no card reader"):
        PcscTransport().connect()
    with pytest.raises(NoReaderError, match="Virtual PCD 00 00"):
        PcscTransport(VPCD_READERS[0]).connect()
    with pytest.raises(NoReaderError):
        reader_status(VPCD_READERS[0])
    with ReaderMonitor() as monitor:
        assert monitor.poll(0.3) == []  # returns (an unbounded wait would run into the test timeout)
    with pytest.raises(NoCardError):
        wait_for_card(None, 0.3)


# -- the stack with both virtual cards ----------------------------------------------------------


def test_readers_and_atrs(pcsc_stack: PcscStack) -> None:
    assert pcsc_stack.isolated or pcsc_stack.pcscd_pid
    assert set(list_readers()) >= {pcsc_stack.reader_17, pcsc_stack.reader_18}
    status = {s.name: s for s in all_reader_status()}
    assert status[pcsc_stack.reader_17].atr == ATR["1.7"]
    assert status[pcsc_stack.reader_18].atr == ATR["1.8"]
    assert reader_status(pcsc_stack.reader_18) == status[pcsc_stack.reader_18]
    assert status[pcsc_stack.reader_17].card_present and not status[pcsc_stack.reader_17].mute


def test_pyscard_high_level_api_sees_the_cards(pcsc_stack: PcscStack) -> None:
    """An independent client (pyscard's object API) reads the ATRs and a GET CARD DATA."""
    by_name = {str(r): r for r in pyscard_readers()}
    for reader, profile, applet in ((pcsc_stack.reader_17, "1.7", 0x17), (pcsc_stack.reader_18, "1.8", 0x18)):
        connection = by_name[reader].createConnection()
        connection.connect()
        try:
            assert bytes(connection.getATR()) == ATR[profile]
            data, sw1, sw2 = connection.transmit(list(GET_CARD_DATA))
            assert (sw1, sw2) == (0x90, 0x00)
            assert data[21] == applet
        finally:
            connection.disconnect()


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_identity_file_read_with_raw_apdus(pcsc_stack: PcscStack, profile: Profile) -> None:
    reader = pcsc_stack.reader_17 if profile == "1.7" else pcsc_stack.reader_18
    with PcscTransport(reader) as pcsc:
        transport: ControlTransport = pcsc  # mypy checks the protocol statically too
        assert isinstance(transport, ControlTransport)
        assert transport.reader_name == reader
        assert transport.atr == ATR[profile]
        identity = read_file(transport, IDENTITY)
    # The card process personalised its card from the same seed: byte-for-byte the same file.
    assert identity == VirtualCard(profile).image.files[IDENTITY.hex().upper()].rstrip(b"\x00")
    assert identity[0] == 0x01  # identity TLV starts with tag 01 (card number)


def test_card_channel_over_pcsc(pcsc_stack: PcscStack) -> None:
    """The APDU layer's T=0 handling on top of the real transport: 6Cxx is resolved for the caller."""
    with PcscTransport(pcsc_stack.reader_18) as transport:
        channel = CardChannel(transport)
        channel.send(CommandAPDU(0x00, 0xA4, 0x08, 0x0C, IDENTITY))
        first = channel.transmit(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=256))
        assert first.sw == 0x9000 and first.data[0] == 0x01
        assert channel.apdu_count == 3  # SELECT, READ BINARY (6Cxx), READ BINARY again


def test_first_reader_with_a_card_and_atr_filter(pcsc_stack: PcscStack) -> None:
    with PcscTransport() as first:
        assert first.reader_name in (pcsc_stack.reader_17, pcsc_stack.reader_18)
    with PcscTransport(atr_filter=lambda atr: atr == ATR["1.8"]) as only_18:
        assert only_18.reader_name == pcsc_stack.reader_18
    with pytest.raises(NoCardError, match="accepted"):
        PcscTransport(atr_filter=lambda atr: False).connect()
    with pytest.raises(NoCardError, match="not accepted"):
        PcscTransport(pcsc_stack.reader_17, atr_filter=lambda atr: atr == ATR["1.8"]).connect()


def test_unknown_reader(pcsc_stack: PcscStack) -> None:
    with pytest.raises(NoReaderError, match="no reader named 'Nope'"):
        PcscTransport("Nope").connect()
    with pytest.raises(NoReaderError):
        reader_status("Nope")


def test_protocol_negotiation(pcsc_stack: PcscStack) -> None:
    with PcscTransport(pcsc_stack.reader_17) as any_protocol:
        negotiated = any_protocol.protocol
        assert negotiated in ("T0", "T1")
    with PcscTransport(pcsc_stack.reader_17, protocol=negotiated) as same:  # type: ignore[arg-type]
        assert same.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"
    other = "T1" if negotiated == "T0" else "T0"
    with pytest.raises(TransportError, match="SCARD_E_PROTO_MISMATCH"):
        PcscTransport(pcsc_stack.reader_17, protocol=other).connect()  # type: ignore[arg-type]


def test_reader_without_card(pcscd_no_card: PcscStack) -> None:
    reader = pcscd_no_card.reader_18
    assert not reader_status(reader).card_present
    assert reader_status(reader).atr == b""
    with pytest.raises(NoCardError, match="SCARD_E_NO_SMARTCARD"):
        PcscTransport(reader).connect()
    with pytest.raises(NoCardError, match="no reader holds a card"):
        PcscTransport().connect()


def test_removal_between_commands(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_17) as transport:
        assert transport.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"
        pcsc_cards.remove_card(0)
        with pytest.raises(CardRemovedError):
            transport.transmit(GET_CARD_DATA)
        assert not transport.connected
        # No silent reconnection to whatever card is inserted next.
        pcsc_cards.insert_card(0)
        with pytest.raises(CardRemovedError, match="call connect"):
            transport.transmit(GET_CARD_DATA)
        transport.connect()
        assert transport.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"


def test_removal_in_the_middle_of_a_read(pcsc_cards: PcscStack) -> None:
    """The card leaves while answering (fault: removed after 2 more APDUs)."""
    with PcscTransport(pcsc_cards.reader_18) as transport:
        assert transport.transmit(select_path(IDENTITY)) == b"\x90\x00"
        pcsc_cards.inject(1, "remove_after", 2)
        answers = []
        with pytest.raises(CardRemovedError):
            for _ in range(5):
                answers.append(transport.transmit(bytes.fromhex("00B0000010")))
        assert len(answers) == 2
        assert all(a[-2:] == b"\x90\x00" for a in answers)
    wait_for_removal(pcsc_cards.reader_18, 5)


@pytest.mark.parametrize("answered", [0, 1, 3])
def test_removal_mid_exchange_is_always_card_removed(pcsc_cards: PcscStack, answered: int) -> None:
    """However the broken exchange surfaces (an error code, or an empty answer from vpcd), the
    caller sees CardRemovedError, never a generic transport error."""
    for _ in range(3):
        with PcscTransport(pcsc_cards.reader_17) as transport:
            assert transport.transmit(select_path(IDENTITY)) == b"\x90\x00"
            pcsc_cards.inject(0, "remove_after", answered)
            with pytest.raises(CardRemovedError):
                for _ in range(answered + 1):
                    transport.transmit(bytes.fromhex("00B0000010"))
        pcsc_cards.insert_card(0)


def test_transaction_nests_and_excludes_others(pcsc_cards: PcscStack) -> None:
    holder = PcscTransport(pcsc_cards.reader_17)
    other = PcscTransport(pcsc_cards.reader_17)
    holder.connect()
    other.connect()
    entered = threading.Event()
    other_in_at: list[float] = []

    def contender() -> None:
        entered.wait(5)
        with other.transaction():
            other_in_at.append(time.monotonic())

    thread = threading.Thread(target=contender)
    thread.start()
    try:
        with holder.transaction():
            assert holder.transaction_depth == 1
            with holder.transaction():
                assert holder.transaction_depth == 2
                assert holder.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"
                entered.set()
                time.sleep(0.3)
            assert holder.transaction_depth == 1  # inner exit does not end the PC/SC transaction
            time.sleep(0.2)
            assert other_in_at == []
            released_at = time.monotonic()
        assert holder.transaction_depth == 0
        thread.join(10)
        assert other_in_at and other_in_at[0] >= released_at
    finally:
        holder.disconnect()
        other.disconnect()


def test_transaction_nesting_follows_a_model(pcsc_stack: PcscStack) -> None:
    """Any sequence of nested enters/exits/exchanges: the depth matches a counter, and the PC/SC
    transaction (begun at depth 1, ended at 0) never leaves the card unusable for others."""
    with PcscTransport(pcsc_stack.reader_18) as transport, PcscTransport(pcsc_stack.reader_18) as other:

        class Nesting(RuleBasedStateMachine):
            def __init__(self) -> None:
                super().__init__()
                self.open: list[contextlib.AbstractContextManager[None]] = []

            @rule()
            def enter(self) -> None:
                level = transport.transaction()
                level.__enter__()
                self.open.append(level)

            @precondition(lambda self: bool(self.open))
            @rule()
            def leave(self) -> None:
                self.open.pop().__exit__(None, None, None)  # one level, innermost first

            @rule()
            def exchange(self) -> None:
                assert transport.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"

            @invariant()
            def depth_matches(self) -> None:
                assert transport.transaction_depth == len(self.open)

            def teardown(self) -> None:
                while self.open:
                    self.open.pop().__exit__(None, None, None)
                assert transport.transaction_depth == 0
                # Nothing is left locked: another connection gets its own transaction at once.
                with other.transaction():
                    assert other.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"

        run_state_machine_as_test(
            Nesting, settings=settings(max_examples=15, stateful_step_count=12, deadline=None)
        )


def test_transaction_depth_recovers_from_errors(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_18) as transport:
        with pytest.raises(KeyError), transport.transaction(), transport.transaction():
            raise KeyError("boom")
        assert transport.transaction_depth == 0
        with transport.transaction():
            assert transport.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"


def test_reset_by_another_application_reconnects(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_17) as victim, PcscTransport(pcsc_cards.reader_17) as resetter:
        assert victim.transmit(select_path(IDENTITY)) == b"\x90\x00"
        resetter.reconnect(reset=True)
        with pytest.raises(CardResetError, match="session state lost"):
            victim.transmit(bytes.fromhex("00B0000010"))
        assert victim.reset_count == 1
        assert victim.connected
        # The connection works again; the caller redoes its SELECT itself.
        assert victim.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"


def test_exclusive_connection_makes_others_busy(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_18, exclusive=True) as owner:
        assert reader_status(pcsc_cards.reader_18).exclusive
        with pytest.raises(ReaderBusyError, match="SCARD_E_SHARING_VIOLATION"):
            PcscTransport(pcsc_cards.reader_18).connect()
        assert owner.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"
    with PcscTransport(pcsc_cards.reader_18) as after:
        assert after.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"


def test_control_errors_are_typed(pcsc_stack: PcscStack) -> None:
    """vpcd has no PIN pad: the PC/SC part 10 feature request fails with a named SCARD code."""
    with PcscTransport(pcsc_stack.reader_18) as transport:
        try:
            features = transport.control(0x42000D48)
        except TransportError as exc:
            assert "SCardControl(0x42000D48): SCARD_" in str(exc)
        else:
            assert len(features) % 6 == 0


def test_monitor_sees_removal_and_insertion(pcsc_cards: PcscStack) -> None:
    reader = pcsc_cards.reader_17
    with ReaderMonitor([reader]) as monitor:
        first = monitor.poll(1.0)
        assert [(e.kind, e.reader, e.atr) for e in first] == [("inserted", reader, ATR["1.7"])]
        start = time.monotonic()
        assert monitor.poll(0.3) == []
        assert time.monotonic() - start >= 0.25  # it did wait for news (spinning is checked below)
        pcsc_cards.remove_card(0, wait=False)
        events = monitor.poll(5)
        assert [(e.kind, e.reader) for e in events] == [("removed", reader)]
        pcsc_cards.insert_card(0, wait=False)
        events = monitor.poll(5)
        assert [(e.kind, e.atr) for e in events] == [("inserted", ATR["1.7"])]


def test_monitor_of_all_readers(pcsc_cards: PcscStack) -> None:
    with ReaderMonitor() as monitor:
        first = monitor.poll(1.0)
        assert {(e.kind, e.reader) for e in first} == {
            ("inserted", pcsc_cards.reader_17), ("inserted", pcsc_cards.reader_18)
        }
        pcsc_cards.remove_card(1, wait=False)
        seen: list[ReaderEvent] = []
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            seen = monitor.poll(1.0)
        assert [(e.kind, e.reader) for e in seen] == [("removed", pcsc_cards.reader_18)]


def test_monitor_blocks_instead_of_spinning(pcsc_stack: PcscStack, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = scard.SCardGetStatusChange

    def counting(context: object, timeout_ms: int, states: object) -> object:
        calls.append(timeout_ms)
        return real(context, timeout_ms, states)

    monkeypatch.setattr(scard, "SCardGetStatusChange", counting)
    for readers in (None, [pcsc_stack.reader_18], ["Not plugged in"]):
        with ReaderMonitor(readers) as monitor:
            monitor.poll(1.0)  # the first poll reports the current state
            calls.clear()
            start = time.monotonic()
            assert monitor.poll(0.5) == []
            assert time.monotonic() - start >= 0.45
            assert len(calls) <= 2, calls


def test_cancel_wakes_a_blocked_poll(pcsc_stack: PcscStack) -> None:
    with ReaderMonitor([pcsc_stack.reader_18]) as monitor:
        monitor.poll(1.0)
        threading.Timer(0.2, monitor.cancel).start()
        # Without the cancel this would block for 10 minutes and hit the test timeout.
        assert monitor.poll(600) == []


def test_wait_for_card_and_removal(pcsc_cards: PcscStack) -> None:
    reader = pcsc_cards.reader_18
    assert wait_for_card(reader, 1).atr == ATR["1.8"]  # already there: at once
    with pytest.raises(WaitTimeoutError):
        wait_for_removal(reader, 0.3)
    threading.Timer(0.2, lambda: pcsc_cards.remove_card(1, wait=False)).start()
    wait_for_removal(reader, 5)
    with pytest.raises(NoCardError, match="within"):
        wait_for_card(reader, 0.3)
    threading.Timer(0.2, lambda: pcsc_cards.insert_card(1, wait=False)).start()
    assert wait_for_card(reader, 5, atr_filter=lambda atr: atr == ATR["1.8"]).card_present


def test_restart_card_gives_fresh_state_and_options(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_17) as transport:
        assert transport.transmit(PIN_STATUS) == b"\x63\xc3"
        assert transport.transmit(WRONG_PIN) == b"\x63\xc2"
        assert transport.transmit(PIN_STATUS) == b"\x63\xc2"
    pcsc_cards.restart_card(0)
    with PcscTransport(pcsc_cards.reader_17) as transport:
        assert transport.transmit(PIN_STATUS) == b"\x63\xc3"
    pcsc_cards.restart_card(0, kids=True, not_activated=True)
    options = pcsc_cards.card_status(0)["options"]
    assert options["kids"] is True and options["activated"] is False
    assert wait_for_card(pcsc_cards.reader_17, 5).atr == ATR["1.7"]
    # What the pcsc_cards fixture does after each test: the session's default card comes back.
    assert pcsc_cards.restore_card(0)
    assert pcsc_cards.card_status(0)["options"]["kids"] is False
    assert not pcsc_cards.restore_card(0)  # nothing left to restore


def test_restart_card_with_a_persona(pcsc_cards: PcscStack) -> None:
    persona_file = REPO_ROOT / "examples" / "persona-example.json"
    expected = VirtualCard("1.7", Persona.from_json(str(persona_file))).image.files[IDENTITY.hex().upper()]
    try:
        pcsc_cards.restart_card(0, persona=persona_file)
        with PcscTransport(pcsc_cards.reader_17) as transport:
            assert read_file(transport, IDENTITY) == expected.rstrip(b"\x00")
    finally:
        pcsc_cards.restart_card(0, persona=None)
    with PcscTransport(pcsc_cards.reader_17) as transport:
        assert read_file(transport, IDENTITY) != expected.rstrip(b"\x00")


def test_short_command_is_refused_before_the_reader(pcsc_stack: PcscStack) -> None:
    with PcscTransport(pcsc_stack.reader_17) as transport:
        for raw in (b"", b"\x00", b"\x00\xa4\x04"):
            with pytest.raises(ApduFormatError):
                transport.transmit(raw)
        with pytest.raises(TransportError, match="SCARD_E_"):
            transport.transmit(bytes(70000))  # beyond any APDU size: pcscd's refusal, typed
        assert transport.transmit(GET_CARD_DATA)[-2:] == b"\x90\x00"


def test_monitor_event_stream(pcsc_cards: PcscStack) -> None:
    with ReaderMonitor([pcsc_cards.reader_18]) as monitor:
        threading.Timer(0.3, lambda: pcsc_cards.remove_card(1, wait=False)).start()
        kinds = [event.kind for event in monitor.events(timeout=1.5, poll_interval=0.5)]
    assert kinds[0] == "inserted" and "removed" in kinds


def test_pcscd_dying_mid_session(pcsc_stack: PcscStack) -> None:
    transport = PcscTransport(pcsc_stack.reader_17)
    transport.connect()
    try:
        with ReaderMonitor() as monitor:
            monitor.poll(0.5)
            assert pcsc_stack.pcscd_pid is not None
            os.kill(pcsc_stack.pcscd_pid, signal.SIGTERM)  # the pcscd this session started
            deadline = time.monotonic() + 10
            while PCSCD_SOCKET.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            with pytest.raises(PcscUnavailableError):
                transport.transmit(GET_CARD_DATA)
            with pytest.raises(PcscUnavailableError, match="call connect"):
                transport.transmit(GET_CARD_DATA)
            with pytest.raises(PcscUnavailableError):
                monitor.poll(0.5)
    finally:
        transport.disconnect()
        pcsc_stack.restart()
    assert reader_status(pcsc_stack.reader_17).card_present
