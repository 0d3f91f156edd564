"""Dates as written in the identity file (spec §5.2): validity dates and the multilingual birth date."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from eidlib.belpic.months import MONTH_NUMBERS
from eidlib.carddata.errors import CardDataError

_CARD_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_BIRTH_DATE = re.compile(r"(\d{1,2})[ .]+([^\W\d_]+)[ .]*(\d{4})")
_YEAR_ONLY = re.compile(r"(\d{4})")


def parse_card_date(text: str) -> datetime.date:
    """A ``DD.MM.YYYY`` date (validity begin/end, EU card start date)."""
    match = _CARD_DATE.fullmatch(text.strip())
    if match is None:
        raise CardDataError(f"not a DD.MM.YYYY date: {text!r}")
    day, month, year = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise CardDataError(f"invalid date {text!r}: {exc}") from exc


@dataclass(frozen=True)
class PartialDate:
    """A birth date that may lack its month and day (some foreigners' cards hold only the year).

    ``month`` and ``day`` are ``None`` when the card does not give them; eidlib
    never invents them.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if (self.month is None) != (self.day is None):
            raise CardDataError("a partial date has both month and day, or neither")
        if self.month is not None and self.day is not None:
            try:
                datetime.date(self.year, self.month, self.day)
            except ValueError as exc:
                raise CardDataError(f"invalid date: {exc}") from exc
        elif not 1 <= self.year <= 9999:
            raise CardDataError(f"invalid year {self.year}")

    @property
    def is_complete(self) -> bool:
        """True when day and month are known."""
        return self.month is not None

    def to_date(self) -> datetime.date | None:
        """The full date, or ``None`` for a year-only date."""
        if self.month is None or self.day is None:
            return None
        return datetime.date(self.year, self.month, self.day)

    def isoformat(self) -> str:
        """``YYYY-MM-DD``, or ``YYYY`` for a year-only date."""
        full = self.to_date()
        return full.isoformat() if full is not None else f"{self.year:04d}"

    def __str__(self) -> str:
        return self.isoformat()


def parse_birth_date(text: str) -> PartialDate:
    """The birth date of tag ``0C``: ``DD MMMM YYYY`` (FR/NL), ``DD.MMM.YYYY`` (DE), or ``YYYY``."""
    cleaned = text.strip().upper()
    match = _BIRTH_DATE.fullmatch(cleaned)
    if match is not None:
        month = MONTH_NUMBERS.get(match.group(2))
        if month is None:
            raise CardDataError(f"unknown month in birth date {text!r}")
        return PartialDate(int(match.group(3)), month, int(match.group(1)))
    match = _YEAR_ONLY.fullmatch(cleaned)
    if match is not None:
        return PartialDate(int(match.group(1)))
    raise CardDataError(f"unrecognised birth date {text!r}")
