"""PIN facts of the BELPIC applet (spec §2.4, §3.4): limits, reference, block layout."""

from __future__ import annotations

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
#: The ISO 9564 format-2 block: ``2L``, L BCD digits, ``F`` filler.
PIN_BLOCK_LENGTH = 8
PIN_BLOCK_CONTROL = 0x2
PIN_BLOCK_FILLER = 0xF
#: Tries of the cardholder PIN after a successful VERIFY.
PIN_TRIES = 3
#: PIN reference of the cardholder PIN (P2 of VERIFY/CHANGE).
PIN_REFERENCE = 0x01
#: The template a PIN-pad reader fills in: ``20 FF FF FF FF FF FF FF``.
EMPTY_PIN_BLOCK = bytes((PIN_BLOCK_CONTROL << 4,)) + b"\xff" * (PIN_BLOCK_LENGTH - 1)


def encode_pin_block(pin: str | bytes | bytearray) -> bytearray:
    """The format-2 block of a PIN of 4 to 12 ASCII digits (text or bytes); the caller wipes it.

    Raises :class:`ValueError` (without the PIN in the message) for anything else.
    """
    codes = pin.encode("ascii", "replace") if isinstance(pin, str) else pin
    if not (MIN_PIN_LENGTH <= len(codes) <= MAX_PIN_LENGTH and all(0x30 <= c <= 0x39 for c in codes)):
        raise ValueError(f"a PIN block holds {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} decimal digits")
    block = bytearray(b"\xff" * PIN_BLOCK_LENGTH)
    block[0] = PIN_BLOCK_CONTROL << 4 | len(codes)
    for index, code in enumerate(codes):
        nibble = code - 0x30
        pos = 1 + index // 2
        if index % 2 == 0:
            block[pos] = (nibble << 4) | (block[pos] & 0x0F)
        else:
            block[pos] = (block[pos] & 0xF0) | nibble
    return block


def is_valid_pin_block(block: bytes | bytearray | memoryview) -> bool:
    """True for an 8-byte format-2 block: ``2L``, L BCD digits (4..12), ``F`` filler."""
    if len(block) != PIN_BLOCK_LENGTH or block[0] >> 4 != PIN_BLOCK_CONTROL:
        return False
    digits = block[0] & 0x0F
    if not MIN_PIN_LENGTH <= digits <= MAX_PIN_LENGTH:
        return False
    for position in range(2, 2 * PIN_BLOCK_LENGTH):
        nibble = block[position // 2] >> 4 if position % 2 == 0 else block[position // 2] & 0x0F
        if position < 2 + digits:
            if nibble > 9:
                return False
        elif nibble != PIN_BLOCK_FILLER:
            return False
    return True
