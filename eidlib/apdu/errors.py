"""Errors of the ISO 7816 / transport layer."""

from __future__ import annotations

from eidlib.errors import EidError


class ApduFormatError(EidError, ValueError):
    """Bytes that are not a well-formed command or response APDU."""


class TransportError(EidError):
    """The reader or the PC/SC service failed."""


class NoReaderError(TransportError):
    """No card reader is connected (or the PC/SC service has none)."""


class NoCardError(TransportError):
    """The reader holds no card, or no card this library recognises."""


class CardRemovedError(TransportError):
    """The card was removed (or reset by someone else) during an operation."""


class ReaderBusyError(TransportError):
    """Another application holds the reader exclusively."""


class PcscUnavailableError(TransportError):
    """The PC/SC service (pcscd) is not running or not reachable."""


class ProtocolError(TransportError):
    """The card broke the transmission protocol (endless 61xx/6Cxx, garbage answer)."""


class CardResetError(CardRemovedError):
    """Another application reset the card: the connection was re-established, but the card's
    session state (selected file, verified PIN) is gone and the operation must start over."""


class WaitTimeoutError(TransportError):
    """A bounded wait for a reader event (card removal) ended without the event."""
