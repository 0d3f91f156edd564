"""The 8-byte PIN block the card takes (spec §3.4: ISO 9564 format 2 / Global Platform).

The PIN rule itself (format check, wipe) is :mod:`eidlib.token.pin`; callers wipe the
block as soon as the command is sent.
"""

from __future__ import annotations

from eidlib.token.pin import check_pin

PIN_BLOCK_LENGTH = 8
#: Tries of the cardholder PIN after a successful VERIFY (spec §2.4).
MAX_PIN_TRIES = 3
#: PIN reference of the cardholder PIN.
PIN_REFERENCE = 0x01


def pin_block(pin: str) -> bytearray:
    """The 8-byte block ``2L`` + BCD digits + ``F`` padding; wipe it after use."""
    check_pin(pin)
    block = bytearray(b"\xff" * PIN_BLOCK_LENGTH)
    block[0] = 0x20 | len(pin)
    for index, char in enumerate(pin):
        nibble = ord(char) - 0x30
        pos = 1 + index // 2
        if index % 2 == 0:
            block[pos] = (nibble << 4) | (block[pos] & 0x0F)
        else:
            block[pos] = (block[pos] & 0xF0) | nibble
    return block


def empty_pin_block() -> bytes:
    """The template a PIN-pad reader fills in: ``20 FF FF FF FF FF FF FF``."""
    return b"\x20" + b"\xff" * (PIN_BLOCK_LENGTH - 1)
