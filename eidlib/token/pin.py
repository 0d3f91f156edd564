"""The one PIN rule of eidlib: 4 to 12 ASCII digits, kept in buffers that are wiped after use.

Nothing here puts a PIN in a message.
"""

from __future__ import annotations

from eidlib.token.errors import PinFormatError

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12


def check_pin(pin: str) -> None:
    """Raise :class:`PinFormatError` unless ``pin`` is 4 to 12 ASCII digits (the PIN is never echoed)."""
    if not isinstance(pin, str):
        raise PinFormatError("the PIN must be a string of digits")
    if not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise PinFormatError(f"the PIN must have {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits")
    if not (pin.isascii() and pin.isdigit()):
        raise PinFormatError("the PIN must contain digits only")


def wipe(buffer: bytearray) -> None:
    """Overwrite a PIN buffer with zeros in place."""
    for index in range(len(buffer)):
        buffer[index] = 0
