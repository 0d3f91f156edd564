"""APDU tracing through :mod:`logging` at the TRAFFIC level, with PIN blocks redacted.

Enable with ``logging.getLogger("eidlib.apdu").setLevel(eidlib.apdu.TRAFFIC)``.
Commands that carry PIN material (VERIFY, CHANGE REFERENCE DATA, RESET RETRY
COUNTER) never have their data field written anywhere: only the header and
the data length appear.
"""

from __future__ import annotations

import logging

TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")

logger = logging.getLogger("eidlib.apdu")

#: Instructions whose data field is a PIN block (ISO 7816-4 VERIFY, CHANGE/RESET).
PIN_INSTRUCTIONS = frozenset({0x20, 0x21, 0x24, 0x2C})


def carries_pin(raw: bytes | bytearray) -> bool:
    """True when this command's data field may hold a PIN or PIN block."""
    return len(raw) >= 2 and raw[1] in PIN_INSTRUCTIONS


def redact_command(raw: bytes | bytearray) -> bytes:
    """The command with its data field (and anything after the header) replaced by ``FF`` bytes.

    Only the 4-byte header and the length byte are kept, so a trace still shows
    which command was sent and how long it was.
    """
    if not carries_pin(raw) or len(raw) <= 5:
        return bytes(raw)
    # Slice before converting: the PIN block itself is never copied.
    return bytes(raw[:5]) + b"\xff" * (len(raw) - 5)


def format_command(raw: bytes | bytearray) -> str:
    """Hex text of a command for a log, redacted when it carries a PIN."""
    if carries_pin(raw) and len(raw) > 5:
        return f"{raw[:5].hex(' ').upper()} <{len(raw) - 5} bytes redacted>"
    return bytes(raw).hex(" ").upper()


def trace_exchange(raw_command: bytes | bytearray, raw_response: bytes) -> None:
    """Log one exchange at TRAFFIC level (no formatting cost when the level is off)."""
    if logger.isEnabledFor(TRAFFIC):
        logger.log(TRAFFIC, ">> %s", format_command(raw_command))
        logger.log(TRAFFIC, "<< %s", bytes(raw_response).hex(" ").upper())


def trace_control(code: int, data: bytes, answer: bytes) -> None:
    """Log one reader control command (a PIN-pad request holds no PIN: the reader collects it)."""
    if logger.isEnabledFor(TRAFFIC):
        logger.log(TRAFFIC, ">> CONTROL %08X %s", code, bytes(data).hex(" ").upper())
        logger.log(TRAFFIC, "<< %s", bytes(answer).hex(" ").upper())
