"""Errors of the ISO 7816 / transport layer.

The reader and card-presence errors live in :mod:`eidlib.errors` (PKCS#11 tokens raise them
too) and are re-exported here, so the APDU layer raises the very same classes.
"""

from __future__ import annotations

from eidlib.errors import (
    CardRemovedError,
    CardResetError,
    EidError,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ReaderBusyError,
    TransportError,
)

__all__ = [
    "ApduFormatError",
    "CardRemovedError",
    "CardResetError",
    "NoCardError",
    "NoReaderError",
    "PcscUnavailableError",
    "ProtocolError",
    "ReaderBusyError",
    "TransportError",
    "WaitTimeoutError",
]


class ApduFormatError(EidError, ValueError):
    """Bytes that are not a well-formed command or response APDU."""


class ProtocolError(TransportError):
    """The card broke the transmission protocol (endless 61xx/6Cxx, garbage answer)."""


class WaitTimeoutError(NoCardError):
    """A bounded wait for a reader event ended without it: no card inserted in time
    (:func:`~eidlib.apdu.pcsc.wait_for_card`; a :class:`NoCardError`, as before) or the card not
    removed in time (:func:`~eidlib.apdu.pcsc.wait_for_removal`). One timeout exception for both."""
