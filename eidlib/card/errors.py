"""Errors only the BELPIC applet session raises (PIN and card-data errors live in
:mod:`eidlib.token.errors` and :mod:`eidlib.carddata.errors`)."""

from __future__ import annotations

from eidlib.errors import CardError


class CardNotActivated(CardError):
    """The card is not activated yet (6D00 on a BELPIC command)."""


class CardFileNotFound(CardError):
    """The card has no such file (6A82). ``path`` is the absolute path in hex."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"file {path} not found on the card")
