"""PKCS#11 errors and the one table that turns every ``CKR_*`` return value into a typed eidlib error.

Callers catch meaning (:class:`~eidlib.token.errors.WrongPin`, :class:`~eidlib.token.errors.PinBlocked`,
:class:`~eidlib.errors.CardRemovedError`, ...), not numbers. The raw return value always stays
reachable: every mapped error is raised ``from`` a :class:`Pkcs11Error` carrying ``rv`` and the function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

import PyKCS11

from eidlib.errors import CardError, CardRemovedError, EidError, NoCardError
from eidlib.token.errors import (
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinError,
    PinFormatError,
    PinRequired,
    WrongPin,
)


def ckr_name(rv: int) -> str:
    """The ``CKR_*`` name of a return value (``CKR_VENDOR_DEFINED+0x..`` or ``CKR_0x...`` when unknown)."""
    name = PyKCS11.CKR.get(rv)
    if isinstance(name, str) and rv >= 0:
        return name
    if rv >= PyKCS11.CKR_VENDOR_DEFINED:
        return f"CKR_VENDOR_DEFINED+0x{rv - PyKCS11.CKR_VENDOR_DEFINED:X}"
    return f"CKR_0x{rv & 0xFFFFFFFF:08X}"


class Pkcs11Error(CardError):
    """A PKCS#11 function failed. ``rv`` is the ``CKR_*`` value, ``function`` the ``C_*`` name."""

    def __init__(self, rv: int, function: str) -> None:
        self.rv = rv
        self.function = function
        super().__init__(f"{function} failed: {ckr_name(rv)} (0x{rv & 0xFFFFFFFF:08X})")


class Pkcs11ModuleNotFound(EidError):
    """No PKCS#11 module was given and none of the usual install paths holds one. ``tried`` lists them."""

    def __init__(self, tried: Sequence[str]) -> None:
        self.tried = tuple(tried)
        listing = "\n  ".join(self.tried) if self.tried else "(no candidate paths on this platform)"
        super().__init__(
            "no PKCS#11 module found; set EIDLIB_PKCS11_MODULE or pass the module path. Tried:\n  " + listing
        )


class Pkcs11ModuleLoadError(EidError):
    """The PKCS#11 module could not be loaded (missing file, not a PKCS#11 library, C_Initialize failed)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot load PKCS#11 module {path}: {reason}")


class TokenNotPresent(NoCardError):
    """No slot of the module holds a token with the wanted label (or the given slot is empty)."""

    def __init__(self, wanted: str, seen: Sequence[str] = ()) -> None:
        self.wanted = wanted
        self.seen = tuple(seen)
        seen_text = ", ".join(repr(label) for label in self.seen) if self.seen else "no tokens"
        super().__init__(f"no PKCS#11 token {wanted} present (found: {seen_text})")


class PinExpired(PinError):
    """The token says the PIN has expired and must be changed first."""


class ObjectNotFound(NotSupported):
    """The token (or its module) has no object of the kind asked for (certificate, key, data file)."""


class ErrorKind(Enum):
    """What a ``CKR_*`` value means to a caller; the row value of :data:`CKR_TABLE`."""

    WRONG_PIN = "wrong PIN"
    PIN_BLOCKED = "PIN blocked"
    PIN_FORMAT = "PIN length or characters refused"
    PIN_EXPIRED = "PIN expired"
    CANCELLED = "cancelled by the user"
    REMOVED = "token removed"
    NOT_LOGGED_IN = "PIN needed"
    NOT_SUPPORTED = "not supported by the module or key"
    NOT_RECOGNIZED = "token not recognised"
    FAILURE = "PKCS#11 failure"


#: The one mapping from return value to meaning. Anything absent is :attr:`ErrorKind.FAILURE`.
CKR_TABLE: dict[int, ErrorKind] = {
    PyKCS11.CKR_PIN_INCORRECT: ErrorKind.WRONG_PIN,
    PyKCS11.CKR_PIN_LOCKED: ErrorKind.PIN_BLOCKED,
    PyKCS11.CKR_PIN_LEN_RANGE: ErrorKind.PIN_FORMAT,
    PyKCS11.CKR_PIN_INVALID: ErrorKind.PIN_FORMAT,
    PyKCS11.CKR_PIN_EXPIRED: ErrorKind.PIN_EXPIRED,
    PyKCS11.CKR_FUNCTION_CANCELED: ErrorKind.CANCELLED,
    PyKCS11.CKR_FUNCTION_REJECTED: ErrorKind.CANCELLED,
    PyKCS11.CKR_DEVICE_REMOVED: ErrorKind.REMOVED,
    PyKCS11.CKR_TOKEN_NOT_PRESENT: ErrorKind.REMOVED,
    PyKCS11.CKR_SESSION_CLOSED: ErrorKind.REMOVED,
    PyKCS11.CKR_SESSION_HANDLE_INVALID: ErrorKind.REMOVED,
    PyKCS11.CKR_USER_NOT_LOGGED_IN: ErrorKind.NOT_LOGGED_IN,
    PyKCS11.CKR_FUNCTION_NOT_SUPPORTED: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_KEY_FUNCTION_NOT_PERMITTED: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_KEY_TYPE_INCONSISTENT: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_KEY_SIZE_RANGE: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_MECHANISM_INVALID: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_MECHANISM_PARAM_INVALID: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_DATA_LEN_RANGE: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_USER_TYPE_INVALID: ErrorKind.NOT_SUPPORTED,
    PyKCS11.CKR_TOKEN_NOT_RECOGNIZED: ErrorKind.NOT_RECOGNIZED,
}


def error_for(rv: int, function: str, *, tries_left: Callable[[], int | None] | None = None) -> EidError:
    """The typed error for return value ``rv`` of ``function``; its ``__cause__`` is the raw error.

    ``tries_left`` is asked (only for ``CKR_PIN_INCORRECT``) what the token now says about remaining
    tries; it must not raise. A wrong PIN that leaves no tries is reported as :class:`PinBlocked`.
    """
    raw = Pkcs11Error(rv, function)
    kind = CKR_TABLE.get(rv, ErrorKind.FAILURE)
    error: EidError
    if kind is ErrorKind.WRONG_PIN:
        left = tries_left() if tries_left is not None else None
        # OpenSC answers the last wrong PIN with CKR_PIN_INCORRECT and flags the PIN locked only after it
        error = PinBlocked() if left == 0 else WrongPin(left)
    elif kind is ErrorKind.PIN_BLOCKED:
        error = PinBlocked()
    elif kind is ErrorKind.PIN_FORMAT:
        error = PinFormatError(f"the token refused the PIN format ({ckr_name(rv)})")
    elif kind is ErrorKind.PIN_EXPIRED:
        error = PinExpired("the PIN has expired; change it first")
    elif kind is ErrorKind.CANCELLED:
        error = PinCancelled(f"{function}: cancelled or rejected by the user ({ckr_name(rv)})")
    elif kind is ErrorKind.REMOVED:
        error = CardRemovedError(f"{function}: the token was removed or reset ({ckr_name(rv)})")
    elif kind is ErrorKind.NOT_LOGGED_IN:
        error = PinRequired(f"{function}: the token wants the PIN first ({ckr_name(rv)})")
    elif kind is ErrorKind.NOT_SUPPORTED:
        error = NotSupported(f"{function}: the module or key does not allow this ({ckr_name(rv)})")
    elif kind is ErrorKind.NOT_RECOGNIZED:
        error = NotABeidCard(f"{function}: the module does not recognise the card ({ckr_name(rv)})")
    else:
        return raw
    error.__cause__ = raw
    return error


def raise_for(rv: int, function: str, *, tries_left: Callable[[], int | None] | None = None) -> None:
    """Raise :func:`error_for` unless ``rv`` is ``CKR_OK``."""
    if rv != PyKCS11.CKR_OK:
        raise error_for(rv, function, tries_left=tries_left)
