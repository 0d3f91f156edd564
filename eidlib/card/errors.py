"""Errors only the BELPIC applet session raises (PIN and card-data errors live in
:mod:`eidlib.token.errors` and :mod:`eidlib.carddata.errors`)."""

from __future__ import annotations

from eidlib.belpic.status import BelpicSW
from eidlib.carddata.errors import CardDataError
from eidlib.errors import CardError


class CardNotActivated(CardError):
    """The card is not activated yet (6D00 on a BELPIC command). ``sw``: the status word seen."""

    def __init__(self, message: str = "the card is not activated", *, sw: int | None = BelpicSW.NOT_ACTIVATED) -> None:
        self.sw = sw
        super().__init__(message)


class CardFileNotFound(CardError):
    """The card has no such file (6A82). ``path`` is the absolute path in hex."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"file {path} not found on the card")


class GarbledAnswer(CardDataError):
    """The card answered with something the command cannot return: a signature of the wrong length,
    a file cut short of what its own structure declares, "file not found" for a file every card has.

    Nothing of it was kept: calling again reads the card again.
    """
