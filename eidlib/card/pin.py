"""The 8-byte PIN block the card takes (spec §3.4: ISO 9564 format 2 / Global Platform).

The PIN rule itself (format check, wipe) is :mod:`eidlib.token.pin`, the block layout
:mod:`eidlib.belpic.pin`; callers wipe the block as soon as the command is sent.
"""

from __future__ import annotations

from eidlib.belpic.pin import EMPTY_PIN_BLOCK, encode_pin_block
from eidlib.token.pin import check_pin


def pin_block(pin: str | bytes | bytearray) -> bytearray:
    """The 8-byte block ``2L`` + BCD digits + ``F`` padding; wipe it after use."""
    check_pin(pin)  # raises PinFormatError, the card layer's error, before any encoding
    return encode_pin_block(pin)


def empty_pin_block() -> bytes:
    """The template a PIN-pad reader fills in: ``20 FF FF FF FF FF FF FF``."""
    return EMPTY_PIN_BLOCK
