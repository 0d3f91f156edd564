"""PIN blocks never reach a log or a recording, whatever the PIN."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.apdu import TRAFFIC, CardChannel, CommandAPDU, RecordingTransport
from eidlib.apdu.trace import format_command, redact_command
from tests.apdu.scripted import ScriptedTransport

pins = st.text(alphabet="0123456789", min_size=4, max_size=12)


def pin_block(pin: str) -> bytes:
    nibbles = "2" + format(len(pin), "X") + pin
    return bytes.fromhex(nibbles.ljust(16, "F"))


def verify(pin: str) -> CommandAPDU:
    return CommandAPDU(0x00, 0x20, 0x00, 0x01, pin_block(pin))


def change(old: str, new: str) -> CommandAPDU:
    return CommandAPDU(0x00, 0x24, 0x00, 0x01, pin_block(old) + pin_block(new))


@given(pins)
def test_redacted_text_has_no_pin_digits(pin: str) -> None:
    raw = verify(pin).to_bytes()
    text = format_command(raw)
    assert pin_block(pin).hex(" ").upper() not in text
    assert pin_block(pin)[1:].hex().upper() not in text.replace(" ", "")
    assert text.startswith("00 20 00 01 08")
    assert redact_command(raw)[5:] == b"\xff" * 8


@given(pins, pins)
def test_change_pin_redacted(old: str, new: str) -> None:
    raw = change(old, new).to_bytes()
    assert redact_command(raw) == raw[:5] + b"\xff" * 16


def test_status_query_is_logged_whole() -> None:
    assert format_command(bytes.fromhex("00200001")) == "00 20 00 01"


@given(pins)
def test_trace_log_never_holds_pin(pin: str) -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("eidlib.apdu")
    handler = Collect()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(TRAFFIC)
    try:
        channel = CardChannel(ScriptedTransport(lambda raw: b"\x63\xc2"))
        channel.transmit(verify(pin))
        channel.transmit(change(pin, pin[::-1]))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    joined = "\n".join(records).replace(" ", "").upper()
    assert len(records) == 4
    block = pin_block(pin).hex().upper()
    assert block not in joined
    assert block[2:] not in joined


def test_no_formatting_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    called = []
    monkeypatch.setattr("eidlib.apdu.trace.format_command", lambda raw: called.append(raw) or "")
    logging.getLogger("eidlib.apdu").setLevel(logging.WARNING)
    CardChannel(ScriptedTransport(lambda raw: b"\x90\x00")).transmit(CommandAPDU(0, 0xB0, 0, 0, le=1))
    assert called == []


@given(pins)
def test_recording_holds_no_pin(pin: str) -> None:
    recorder = RecordingTransport(ScriptedTransport(lambda raw: b"\x90\x00"))
    recorder.transmit(verify(pin).to_bytes())
    dumped = str(recorder.to_json())
    assert pin_block(pin).hex() not in dumped
