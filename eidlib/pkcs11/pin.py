"""PIN checks before ``C_Login`` and the PIN buffer handed to the module.

The rule depends on the token: a BELPIC token takes 4 to 12 digits; another token (SoftHSM in tests)
takes what its ``ulMinPinLen``/``ulMaxPinLen`` allow. The PIN never appears in a message. The native
buffer given to the module is filled from a ``bytearray`` and zeroed after the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import PyKCS11.LowLevel

from eidlib.token.errors import PinFormatError
from eidlib.token.pin import MAX_PIN_LENGTH, MIN_PIN_LENGTH

#: ``CK_TOKEN_INFO`` uses this for "no information"; it also shows up as a huge ``ulMaxPinLen``.
_UNAVAILABLE = 0xFFFFFFFFFFFFFFFF


@dataclass(frozen=True)
class PinRule:
    """The accepted PIN length range and whether only digits are allowed."""

    min_length: int
    max_length: int
    digits_only: bool

    @classmethod
    def for_token(cls, *, belpic: bool, min_length: int, max_length: int) -> PinRule:
        """BELPIC tokens: 4 to 12 digits. Others: the token's own range (sane defaults when unset)."""
        if belpic:
            return cls(MIN_PIN_LENGTH, MAX_PIN_LENGTH, True)
        low = min_length if 0 < min_length < _UNAVAILABLE else 1
        high = max_length if 0 < max_length < 0xFFFFFFFF else 255
        return cls(low, max(low, high), False)

    def check(self, pin: str | bytearray) -> None:
        """Raise :class:`PinFormatError` (without the PIN in it) unless ``pin`` fits the rule.

        A ``bytearray`` PIN holds the PIN's UTF-8 (ASCII digits for BELPIC) and lets the caller wipe it.
        """
        if isinstance(pin, bytearray):
            digits = all(0x30 <= b <= 0x39 for b in pin)
        elif isinstance(pin, str):
            digits = pin.isascii() and pin.isdigit()
        else:
            raise PinFormatError("the PIN must be a string or a bytearray")
        if not self.min_length <= len(pin) <= self.max_length:
            raise PinFormatError(f"the PIN must have {self.min_length} to {self.max_length} characters")
        if self.digits_only and not digits:
            raise PinFormatError("the PIN must consist of digits only")


@contextmanager
def native_pin(pin: str | bytes | bytearray) -> Iterator[PyKCS11.LowLevel.ckbytelist]:
    """A native byte vector holding ``pin`` (UTF-8), zeroed with its ``bytearray`` copy on exit.

    The caller's own ``bytearray`` is left alone (its owner wipes it).
    """
    source = bytearray(pin) if isinstance(pin, (bytes, bytearray)) else bytearray(pin, "utf-8")
    buffer = PyKCS11.LowLevel.ckbytelist(len(source))
    try:
        for index, value in enumerate(source):
            buffer[index] = value
        yield buffer
    finally:
        for index in range(len(source)):
            buffer[index] = 0
            source[index] = 0


def login_with(
    call: Callable[[PyKCS11.LowLevel.ckbytelist], int], pin: str | bytes | bytearray | None
) -> int:
    """Run ``call`` (a ``C_Login`` closure) with ``pin`` in a wiped native buffer, or an empty one for
    a protected authentication path (PIN pad / module dialog). Returns the ``CKR_*`` value."""
    if pin is None:
        return call(PyKCS11.LowLevel.ckbytelist(0))
    with native_pin(pin) as buffer:
        return call(buffer)
