"""What a status word means to the card session: one table from :class:`SW` to the error raised.

``what`` names the operation for the message ("reading identity", "PIN command"...). A
status word the table does not know becomes an :class:`~eidlib.apdu.status.ApduError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from eidlib.apdu.response import ResponseAPDU
from eidlib.apdu.status import SW, ApduError, tries_left
from eidlib.belpic.status import BelpicSW
from eidlib.card.errors import CardFileNotFound, CardNotActivated
from eidlib.errors import EidError
from eidlib.token.errors import (
    PinBlocked,
    PinCancelled,
    PinError,
    PinFormatError,
    PinTimeout,
    SecurityStatusNotSatisfied,
    WrongPin,
)

#: Status word → the error it means; the argument is ``what`` (a file path for 6A82).
STATUS_ERRORS: Mapping[int, Callable[[str], EidError]] = {
    SW.FILE_NOT_FOUND: CardFileNotFound,
    BelpicSW.NOT_ACTIVATED: lambda what: CardNotActivated(f"{what}: the card is not activated"),
    SW.SECURITY_STATUS_NOT_SATISFIED: lambda what: SecurityStatusNotSatisfied(f"{what}: the card wants the PIN (6982)"),
    SW.AUTH_METHOD_BLOCKED: lambda what: PinBlocked(),
    BelpicSW.PINPAD_TIMEOUT: lambda what: PinTimeout("no PIN entered on the PIN pad in time"),
    BelpicSW.PINPAD_CANCELLED: lambda what: PinCancelled("PIN entry cancelled on the PIN pad"),
    BelpicSW.PINPAD_PINS_DIFFER: lambda what: PinError("the new PINs entered on the PIN pad differ"),
    BelpicSW.PINPAD_WRONG_LENGTH: lambda what: PinFormatError(
        "the PIN entered on the PIN pad has a wrong length or format"
    ),
}


def status_error(sw: int, what: str, ins: int | None = None, data: bytes = b"") -> EidError:
    """The error for a status word other than 9000 (``63Cx``: :class:`WrongPin` / :class:`PinBlocked`)."""
    counter = tries_left(sw)
    if counter is not None:
        return PinBlocked() if counter == 0 else WrongPin(counter)
    factory = STATUS_ERRORS.get(sw)
    if factory is not None:
        return factory(what)
    return ApduError(sw, data, ins)


def checked(response: ResponseAPDU, what: str, ins: int | None = None) -> bytes:
    """The response data, or the error its status word means."""
    if response.sw != SW.OK:
        raise status_error(response.sw, what, ins, response.data)
    return response.data
