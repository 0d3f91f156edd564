"""Errors of card-data parsing and of the National Register integrity checks."""

from __future__ import annotations

from eidlib.errors import CardError


class CardDataError(CardError, ValueError):
    """A card file or answer is malformed (truncated TLV, bad date, wrong length...)."""


class IntegrityError(CardError):
    """A file does not match the National Register signature or its hash. ``file`` names it."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"integrity check failed for {file}: {reason}")
