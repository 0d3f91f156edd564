"""The visible signature: where it goes, and its text in the document's language (nl, fr, de, en)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

from eidlib.signing.pdf.errors import PdfInputError

#: "Signed with eID by NAME, DATE" per language; the date format is the one usual in that language.
_TEXTS: dict[str, tuple[str, str]] = {
    "nl": ("Ondertekend met eID door {name}, {date}", "%d-%m-%Y %H:%M UTC"),
    "fr": ("Signé avec l'eID par {name}, le {date}", "%d/%m/%Y %H:%M UTC"),
    "de": ("Mit eID unterschrieben von {name}, {date}", "%d.%m.%Y %H:%M UTC"),
    "en": ("Signed with eID by {name}, {date}", "%Y-%m-%d %H:%M UTC"),
}
LANGUAGES = tuple(_TEXTS)


@dataclass(frozen=True)
class VisibleSignature:
    """A visible signature box on ``page`` (1-based), ``x``/``y`` its lower-left corner, in points."""

    page: int
    x: float
    y: float
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.page < 1:
            raise PdfInputError("pages are numbered from 1")
        if self.width <= 0 or self.height <= 0 or self.x < 0 or self.y < 0:
            raise PdfInputError("the signature box needs a positive size and a position inside the page")

    @classmethod
    def parse(cls, text: str) -> VisibleSignature:
        """``"PAGE,X,Y,W,H"`` (the CLI's ``--visible``)."""
        parts = text.split(",")
        if len(parts) != 5:
            raise PdfInputError("a visible signature is PAGE,X,Y,W,H (five numbers)")
        try:
            page = int(parts[0])
            x, y, width, height = (float(p) for p in parts[1:])
        except ValueError:
            raise PdfInputError(f"not numbers: {text!r} (expected PAGE,X,Y,W,H)") from None
        return cls(page, x, y, width, height)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(x1, y1, x2, y2)`` as pyHanko wants it."""
        return (round(self.x), round(self.y), round(self.x + self.width), round(self.y + self.height))


def document_language(lang: str | None) -> str:
    """The language of the text from the document's ``/Lang`` (``nl-BE`` → ``nl``); English otherwise."""
    if not lang:
        return "en"
    primary = lang.strip().split("-")[0].split("_")[0].lower()
    return primary if primary in _TEXTS else "en"


def signer_name(certificate: asn1_x509.Certificate) -> str:
    """Given name and surname from the certificate subject (the CN without its role suffix otherwise)."""
    subject = certificate.subject.native
    given = str(subject.get("given_name", "")).strip()
    surname = str(subject.get("surname", "")).strip()
    if given or surname:
        return f"{given.split()[0] if given else ''} {surname}".strip()
    common = str(subject.get("common_name", "")).strip()
    return common.rsplit(" (", 1)[0] if common.endswith(")") else common


def signature_text(language: str, name: str, when: dt.datetime) -> str:
    """The box text, e.g. ``"Ondertekend met eID door Alice Janssens, 01-12-2026 10:00 UTC"``."""
    template, date_format = _TEXTS.get(language, _TEXTS["en"])
    moment = when.astimezone(dt.timezone.utc)
    return template.format(name=name, date=moment.strftime(date_format))
