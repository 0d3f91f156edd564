"""The root of eidlib's exception tree, and the errors every token kind shares.

Every error eidlib raises on purpose derives from :class:`EidError`. The "where is the card"
family below is raised alike by the card session (through ``eidlib.apdu``, which re-exports it)
and by PKCS#11 tokens, so callers catch one class whatever the token. Each layer adds its own
subclasses (``eidlib.apdu.errors``, ``eidlib.token.errors``, ``eidlib.carddata.errors``, ...).
"""

from __future__ import annotations


class EidError(Exception):
    """Base class of every error raised by eidlib."""


class CardError(EidError):
    """The card (or token) refused or failed an operation."""


class CertificateError(EidError, ValueError):
    """A certificate is malformed, or cannot be used as asked (the trust layer adds its subclasses)."""


class TransportError(EidError):
    """The reader or the PC/SC service failed."""


class NoReaderError(TransportError):
    """No card reader is connected (or the PC/SC service has none)."""


class NoCardError(TransportError):
    """The reader holds no card, or no card this library recognises."""


class CardRemovedError(TransportError):
    """The card was removed (or reset by someone else) during an operation."""


class CardResetError(CardRemovedError):
    """Another application reset the card: the connection was re-established, but the card's
    session state (selected file, verified PIN) is gone and the operation must start over."""


class ReaderBusyError(TransportError):
    """Another application holds the reader exclusively."""


class PcscUnavailableError(TransportError):
    """The PC/SC service (pcscd) is not running or not reachable."""
