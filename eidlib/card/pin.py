"""PIN checks and the 8-byte PIN block (spec §3.4: ISO 9564 format 2 / Global Platform).

PIN material lives in :class:`bytearray` buffers that callers wipe with :func:`wipe`
as soon as the command is sent. Nothing here puts a PIN in a message.
"""

from __future__ import annotations

from eidlib.card.errors import PinFormatError

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
PIN_BLOCK_LENGTH = 8
#: Tries of the cardholder PIN after a successful VERIFY (spec §2.4).
MAX_PIN_TRIES = 3
#: PIN reference of the cardholder PIN.
PIN_REFERENCE = 0x01


def check_pin(pin: str) -> None:
    """Raise :class:`PinFormatError` unless ``pin`` is 4 to 12 ASCII digits (the PIN is never echoed)."""
    if not isinstance(pin, str):
        raise PinFormatError("the PIN must be a string of digits")
    if not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise PinFormatError(f"the PIN must have {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits")
    if not (pin.isascii() and pin.isdigit()):
        raise PinFormatError("the PIN must contain digits only")


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


def wipe(buffer: bytearray) -> None:
    """Overwrite a PIN buffer with zeros in place."""
    for index in range(len(buffer)):
        buffer[index] = 0
