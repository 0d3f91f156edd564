"""Errors of the Web eID native messaging host; each one maps to one reply the extension understands."""

from __future__ import annotations

from eidlib.errors import EidError


class WebEidHostError(EidError):
    """Base class of the host's own failures (protocol, PIN entry, certificate choice)."""


class MessageError(WebEidHostError, ValueError):
    """A native message is malformed: bad length, not UTF-8 JSON, not a command object, or too big."""


class CommandError(WebEidHostError, ValueError):
    """A command is unknown or its arguments are missing, extra, mistyped or out of bounds."""


class UserCancelled(WebEidHostError):
    """The user pressed Cancel in the PIN dialog (or closed it)."""


class PinEntryTimeout(WebEidHostError):
    """Nobody entered a PIN before the dialog's time limit."""


class PinEntryError(WebEidHostError):
    """The pinentry program is missing, failed, or does not speak the Assuan protocol."""


class CertificateMismatch(WebEidHostError):
    """The card does not hold the signing certificate named in a ``sign`` command."""
