"""The one PIN rule of eidlib: 4 to 12 ASCII digits, carried in ``bytearray`` buffers that are wiped.

A PIN given as ``str``, ``bytes`` or ``bytearray`` is copied into a fresh ``bytearray`` at once
(:func:`pin_bytes`), checked, used, and wiped (:func:`held_pin`); it is never turned back into a
``str``. A ``str`` PIN leaves its own immutable copy behind, so callers that can should pass a
``bytearray`` and wipe it themselves. Nothing here puts a PIN in a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from eidlib.belpic.pin import MAX_PIN_LENGTH as MAX_PIN_LENGTH  # re-exported: the PIN rule's limits
from eidlib.belpic.pin import MIN_PIN_LENGTH as MIN_PIN_LENGTH
from eidlib.token.errors import PinFormatError

_DIGITS = frozenset(b"0123456789")

#: A PIN as callers may give it.
Pin = str | bytes | bytearray
#: A PIN, or ``None`` for "PIN pad / earlier verification".
PinInput = str | bytes | bytearray | None


def wipe(buffer: bytearray) -> None:
    """Overwrite a PIN buffer with zeros in place."""
    for index in range(len(buffer)):
        buffer[index] = 0


def pin_bytes(pin: Pin) -> bytearray:
    """A new ``bytearray`` holding ``pin`` (a ``str`` as UTF-8); the caller wipes it.

    Raises :class:`PinFormatError` for anything that is not a string or bytes.
    """
    if isinstance(pin, (bytes, bytearray)):
        return bytearray(pin)
    if isinstance(pin, str):
        try:
            return bytearray(pin, "utf-8")
        except UnicodeEncodeError:
            raise PinFormatError("the PIN must be text or bytes") from None
    raise PinFormatError("the PIN must be a str, bytes or bytearray")


def check_pin(pin: Pin) -> None:
    """Raise :class:`PinFormatError` unless ``pin`` is 4 to 12 ASCII digits (the PIN is never echoed)."""
    if isinstance(pin, str):
        digits = pin.isascii() and pin.isdigit()
    elif isinstance(pin, (bytes, bytearray)):
        digits = all(byte in _DIGITS for byte in pin)
    else:
        raise PinFormatError("the PIN must be a string of digits")
    if not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise PinFormatError(f"the PIN must have {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits")
    if not digits:
        raise PinFormatError("the PIN must contain digits only")


@contextmanager
def held_pin(pin: PinInput, check: Callable[[bytearray], None] = check_pin) -> Iterator[bytearray | None]:
    """``pin`` as a checked ``bytearray`` copy (``None`` stays ``None``), wiped when the block ends.

    ``check`` is the token's format rule (the BELPIC rule by default); a PIN it refuses is wiped
    before the :class:`PinFormatError` propagates.
    """
    if pin is None:
        yield None
        return
    buffer = pin_bytes(pin)
    try:
        check(buffer)
        yield buffer
    finally:
        wipe(buffer)
