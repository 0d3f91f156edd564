"""PIN and key errors, raised alike by the card session and by PKCS#11 tokens."""

from __future__ import annotations

from eidlib.errors import CardError


class PinError(CardError):
    """Base class of PIN failures."""


class PinFormatError(PinError, ValueError):
    """The PIN is not 4 to 12 digits; nothing was sent to the card."""


class WrongPin(PinError):
    """The card rejected the PIN. ``tries_left`` is None when the token does not say."""

    def __init__(self, tries_left: int | None) -> None:
        self.tries_left = tries_left
        left = "unknown number of" if tries_left is None else str(tries_left)
        super().__init__(f"wrong PIN, {left} tries left")


class PinBlocked(PinError):
    """The PIN is blocked (no tries left); only the municipality can unblock it."""

    def __init__(self, message: str = "PIN blocked") -> None:
        super().__init__(message)


class PinCancelled(PinError):
    """The user cancelled PIN entry (PIN pad or prompt)."""


class PinTimeout(PinError):
    """The user did not enter the PIN on the PIN pad in time."""


class SecurityStatusNotSatisfied(CardError):
    """The card wants a PIN verification before this operation (6982)."""


class PinRequired(PinError, SecurityStatusNotSatisfied):
    """The operation needs the PIN, none was given, and the reader has no PIN pad to ask for it."""

    def __init__(self, message: str = "this operation needs the PIN (no PIN given and no PIN pad)") -> None:
        super().__init__(message)


class NotSupported(CardError):
    """The card, applet version or module cannot do what was asked (refused before any I/O when known)."""


class NotABeidCard(CardError):
    """The card in the reader is not a Belgian eID card. ``sw``: the card's answer, when it gave one."""

    def __init__(self, message: str = "the card is not a Belgian eID card", *, sw: int | None = None) -> None:
        self.sw = sw
        super().__init__(message)


class KeyNotPresent(NotSupported):
    """This card has no such key (a kids card has no signature key). ``sw``: the card's answer (6A88)."""

    def __init__(self, key: str, *, sw: int | None = None) -> None:
        self.key = key
        self.sw = sw
        super().__init__(f"this card has no {key} key" + (f" (status {sw:04X})" if sw is not None else ""))


class InvalidDigest(NotSupported, ValueError):
    """A pre-computed digest does not have the length of the named hash; nothing was sent, no PIN used."""


class TokenClosed(CardError):
    """The token (card session or PKCS#11 session) was closed; open a new one."""
