"""The person a virtual card is issued to: names, numbers, dates, address, optional mentions.

A :class:`Persona` is validated when it is built (check digits, formats, the
byte limits of the identity and address files, spec ``beid-card.md`` §5.2/§5.3),
so a persona that exists can always be personalised. :meth:`Persona.from_json`
and :meth:`Persona.to_json` convert to and from a plain JSON object whose keys
are the field names (see ``examples/persona-example.json``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any, TypeVar

from eidlib.belpic.codes import DocumentType, SpecialStatus
from eidlib.belpic.months import MONTHS
from eidlib.errors import EidError


class PersonaError(EidError):
    """A persona field is missing, of the wrong type or invalid (e.g. a bad check digit)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"persona field {field_name!r}: {reason}")
        self.field = field_name
        self.reason = reason


class Sex(str, Enum):
    """The holder's sex; the letter written on the card depends on the card language."""

    MALE = "M"
    FEMALE = "F"


class CardLanguage(str, Enum):
    """The language the card is issued in (month spelling, sex letter)."""

    NL = "nl"
    FR = "fr"
    DE = "de"


#: Documents whose card number is the 12-digit number with mod-97 check digits.
BELGIAN_DOCUMENTS = frozenset(
    {DocumentType.BELGIAN_CITIZEN, DocumentType.KIDS_CARD, DocumentType.BOOTSTRAP_CARD, DocumentType.HABILITATION_CARD}
)

#: The letter of tag 0x0D per language: M for men; F (FR), V (NL), W (DE) for women.
SEX_LETTERS: Mapping[CardLanguage, Mapping[Sex, str]] = {
    CardLanguage.FR: {Sex.MALE: "M", Sex.FEMALE: "F"},
    CardLanguage.NL: {Sex.MALE: "M", Sex.FEMALE: "V"},
    CardLanguage.DE: {Sex.MALE: "M", Sex.FEMALE: "W"},
}

#: UTF-8 byte limits of the text fields ("envisioned" maxima of IDA5 where given).
TEXT_LIMITS: Mapping[str, int] = {
    "surname": 110,
    "first_names": 95,
    "third_initial": 3,
    "nationality": 85,
    "birth_place": 80,
    "issuing_municipality": 80,
    "noble_condition": 50,
    "regional_file_number": 18,
    "street_and_number": 60,
    "municipality": 47,
}

_DIGITS = re.compile(r"[0-9]+")
_FOREIGN_CARD_NUMBER = re.compile(r"[A-Z0-9]{9,12}")
_PROTECTION = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})-([A-Z]{2})")
_VAT = re.compile(r"[0-9]{4}\.[0-9]{3}\.[0-9]{3}")
_ZIP = re.compile(r"[0-9A-Za-z]{1,6}")

_ALLOWED_MENTIONS: Mapping[str, frozenset[str]] = {
    "special_organisation": frozenset({"1", "2", "4", "5"}),
    "work_permit": frozenset({"7", "8", "9", "A"}),
    "brexit_mention_1": frozenset({"B"}),
    "brexit_mention_2": frozenset({"C"}),
    "card_a_mention_1": frozenset({"A", "D", "E", "F", "G", "H", "I", "J"}),
    "card_a_mention_2": frozenset({"K"}),
}


def _is_digits(text: str, count: int) -> bool:
    return len(text) == count and _DIGITS.fullmatch(text) is not None


def national_number_check(first_nine: str, *, born_2000_or_later: bool) -> str:
    """The two check digits of a national register number.

    ``97 - (n mod 97)`` over the first nine digits, where people born from 2000
    on get a ``2`` prefixed to those digits before the division.
    """
    if not _is_digits(first_nine, 9):
        raise PersonaError("national_number", "the first part must be 9 digits")
    base = int(("2" if born_2000_or_later else "") + first_nine)
    return f"{97 - base % 97:02d}"


def card_number_check(first_ten: str) -> str:
    """The two check digits of a 12-digit Belgian card number: the first ten digits mod 97.

    A remainder of 0 is written ``97`` (the published rule); :func:`is_valid_card_number`
    also accepts ``00`` because the EC specimen card ``000001241600`` carries it.
    """
    if not _is_digits(first_ten, 10):
        raise PersonaError("card_number", "the first part must be 10 digits")
    remainder = int(first_ten) % 97
    return f"{remainder if remainder else 97:02d}"


def is_valid_card_number(number: str) -> bool:
    """Whether ``number`` is 12 digits whose last two are the mod-97 check of the first ten."""
    if not _is_digits(number, 12):
        return False
    remainder = int(number[:10]) % 97
    check = int(number[10:])
    return check == remainder or (remainder == 0 and check in (0, 97))


def format_birth_date(birth: dt.date | int, language: CardLanguage) -> str:
    """Tag 0x0C text: ``DD MMM YYYY`` (NL/FR), ``DD.MMM. YYYY`` (DE), or the bare year."""
    if isinstance(birth, int):
        return f"{birth:04d}"
    month = MONTHS[language.value][birth.month - 1]
    if language is CardLanguage.DE:
        return f"{birth.day:02d}.{month}. {birth.year:04d}"
    return f"{birth.day:02d} {month} {birth.year:04d}"


def card_date(day: dt.date) -> str:
    """The ``DD.MM.YYYY`` form of validity and EU-start dates."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def _check_text(field_name: str, value: str) -> None:
    if "\x00" in value:
        raise PersonaError(field_name, "contains a NUL character")
    limit = TEXT_LIMITS.get(field_name)
    if limit is not None and len(value.encode("utf-8")) > limit:
        raise PersonaError(field_name, f"longer than {limit} UTF-8 bytes")


@dataclass(frozen=True)
class Address:
    """The address file (4033) content."""

    street_and_number: str
    zip_code: str
    municipality: str

    def __post_init__(self) -> None:
        for name in ("street_and_number", "zip_code", "municipality"):
            if not isinstance(getattr(self, name), str):
                raise PersonaError(name, "must be a string")
        _check_text("street_and_number", self.street_and_number)
        _check_text("municipality", self.municipality)
        if not self.street_and_number or not self.municipality:
            raise PersonaError("address", "street and municipality must not be empty")
        if _ZIP.fullmatch(self.zip_code) is None:
            raise PersonaError("zip_code", "must be 1 to 6 letters or digits")


@dataclass(frozen=True)
class Persona:
    """Everything the identity and address files say about the holder.

    Optional text mentions are ``None`` when the tag is absent from the
    identity file and ``""`` when the tag is present but empty (as on real
    foreigner cards). ``birth_date`` is a date, or an ``int`` year for people
    whose full birth date is unknown. ``photo`` ``None`` means the packaged
    fictional specimen photo; ``chip_number`` ``None`` means one derived from
    the seed at personalisation.
    """

    surname: str
    first_names: str
    national_number: str
    birth_date: dt.date | int
    birth_place: str
    sex: Sex
    nationality: str
    card_number: str
    validity_begin: dt.date
    validity_end: dt.date
    issuing_municipality: str
    address: Address
    third_initial: str = ""
    language: CardLanguage = CardLanguage.NL
    document_type: DocumentType = DocumentType.BELGIAN_CITIZEN
    special_status: SpecialStatus = SpecialStatus.NO_STATUS
    noble_condition: str = ""
    photo: Path | None = None
    chip_number: bytes | None = None
    duplicate: str | None = None
    special_organisation: str | None = None
    member_of_family: bool = False
    date_and_country_of_protection: str | None = None
    work_permit: str | None = None
    employer_vat_1: str | None = None
    employer_vat_2: str | None = None
    regional_file_number: str | None = None
    brexit_mention_1: str | None = None
    brexit_mention_2: str | None = None
    card_a_mention_1: str | None = None
    card_a_mention_2: str | None = None
    eu_card_start_date: dt.date | None = None

    def __post_init__(self) -> None:
        self._check_types()
        for name in ("surname", "first_names", "third_initial", "nationality", "birth_place",
                     "issuing_municipality", "noble_condition"):
            _check_text(name, getattr(self, name))
        if not self.surname:
            raise PersonaError("surname", "must not be empty")
        self._check_national_number()
        self._check_card_number()
        if self.validity_end <= self.validity_begin:
            raise PersonaError("validity_end", "must be after validity_begin")
        if isinstance(self.birth_date, int) and not 1800 <= self.birth_date <= 9999:
            raise PersonaError("birth_date", "year out of range")
        if self.chip_number is not None and len(self.chip_number) != 16:
            raise PersonaError("chip_number", "must be 16 bytes")
        self._check_mentions()

    @property
    def birth_year(self) -> int:
        """The year of birth (also for year-only birth dates)."""
        return self.birth_date if isinstance(self.birth_date, int) else self.birth_date.year

    @property
    def given_name(self) -> str:
        """The first given name (used in the certificate CN)."""
        parts = self.first_names.split()
        return parts[0] if parts else ""

    @property
    def card_birth_date(self) -> str:
        """Birth date as written in identity tag 0x0C for the card language."""
        return format_birth_date(self.birth_date, self.language)

    @property
    def card_sex(self) -> str:
        """Sex letter as written in identity tag 0x0D for the card language."""
        return SEX_LETTERS[self.language][self.sex]

    def _check_types(self) -> None:
        hints: dict[str, tuple[type, ...]] = {
            "surname": (str,), "first_names": (str,), "national_number": (str,), "birth_place": (str,),
            "nationality": (str,), "card_number": (str,), "issuing_municipality": (str,),
            "third_initial": (str,), "noble_condition": (str,), "sex": (Sex,), "language": (CardLanguage,),
            "document_type": (DocumentType,), "special_status": (SpecialStatus,), "address": (Address,),
            "validity_begin": (dt.date,), "validity_end": (dt.date,), "birth_date": (dt.date, int),
            "member_of_family": (bool,),
        }
        for name, types in hints.items():
            value = getattr(self, name)
            if not isinstance(value, types) or (types == (dt.date, int) and isinstance(value, bool)):
                raise PersonaError(name, f"has type {type(value).__name__}")
        if self.photo is not None and not isinstance(self.photo, Path):
            raise PersonaError("photo", "must be a Path or None")
        if self.chip_number is not None and not isinstance(self.chip_number, bytes):
            raise PersonaError("chip_number", "must be bytes or None")
        if self.eu_card_start_date is not None and not isinstance(self.eu_card_start_date, dt.date):
            raise PersonaError("eu_card_start_date", "must be a date or None")

    def _check_national_number(self) -> None:
        number = self.national_number
        if not _is_digits(number, 11):
            raise PersonaError("national_number", "must be 11 digits")
        expected = national_number_check(number[:9], born_2000_or_later=self.birth_year >= 2000)
        if number[9:] != expected:
            raise PersonaError("national_number", "check digits do not match (mod 97)")

    def _check_card_number(self) -> None:
        number = self.card_number
        if self.document_type in BELGIAN_DOCUMENTS:
            if not is_valid_card_number(number):
                raise PersonaError("card_number", "must be 12 digits with valid mod-97 check digits")
        elif _FOREIGN_CARD_NUMBER.fullmatch(number) is None:
            raise PersonaError("card_number", "must be 9 to 12 upper-case letters or digits")

    def _check_mentions(self) -> None:
        optional_text = ("duplicate", "special_organisation", "date_and_country_of_protection", "work_permit",
                         "employer_vat_1", "employer_vat_2", "regional_file_number", "brexit_mention_1",
                         "brexit_mention_2", "card_a_mention_1", "card_a_mention_2")
        for name in optional_text:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise PersonaError(name, "must be a string or null")
        for name, allowed in _ALLOWED_MENTIONS.items():
            value = getattr(self, name)
            if value and value not in allowed:
                raise PersonaError(name, f"must be one of {sorted(allowed)} or empty")
        if self.duplicate and not _is_digits(self.duplicate, 2):
            raise PersonaError("duplicate", "must be 2 digits")
        for name in ("employer_vat_1", "employer_vat_2"):
            value = getattr(self, name)
            if value and _VAT.fullmatch(value) is None:
                raise PersonaError(name, "must look like 0123.456.789")
        if self.regional_file_number:
            _check_text("regional_file_number", self.regional_file_number)
        protection = self.date_and_country_of_protection
        if protection:
            match = _PROTECTION.fullmatch(protection)
            if match is None:
                raise PersonaError("date_and_country_of_protection", "must look like dd.MM.yyyy-CC")
            try:
                dt.date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                raise PersonaError("date_and_country_of_protection", "is not a real date") from None

    @classmethod
    def default(cls) -> Persona:
        """A fictional specimen citizen on a Dutch-language Belgian eID.

        The national number has the impossible month 71 (like the official
        "Alice SPECIMEN" test card), so it cannot be anyone's real number.
        """
        return cls(
            surname="Specimen",
            first_names="Emma Louise",
            third_initial="J",
            national_number="857114123" + national_number_check("857114123", born_2000_or_later=False),
            birth_date=dt.date(1985, 7, 14),
            birth_place="Gent",
            sex=Sex.FEMALE,
            nationality="Belg",
            card_number="5920000012" + card_number_check("5920000012"),
            validity_begin=dt.date(2024, 1, 15),
            validity_end=dt.date(2034, 1, 15),
            issuing_municipality="Leuven",
            address=Address("Voorbeeldstraat 42", "3000", "Leuven"),
        )

    @classmethod
    def default_kid(cls) -> Persona:
        """A fictional child on a Kids-ID (document type 6), born after 2000 (the ``2``-prefix check rule)."""
        return cls(
            surname="Specimen",
            first_names="Noah",
            national_number="197303456" + national_number_check("197303456", born_2000_or_later=True),
            birth_date=dt.date(2019, 3, 3),
            birth_place="Brugge",
            sex=Sex.MALE,
            nationality="Belg",
            card_number="5920000034" + card_number_check("5920000034"),
            validity_begin=dt.date(2024, 2, 1),
            validity_end=dt.date(2027, 2, 1),
            issuing_municipality="Leuven",
            address=Address("Voorbeeldstraat 42", "3000", "Leuven"),
            document_type=DocumentType.KIDS_CARD,
        )

    def replace(self, **changes: Any) -> Persona:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> Persona:
        """Build a persona from a JSON file path or an already-parsed JSON object.

        A relative ``photo`` path in a file is taken relative to that file.
        Unknown keys are rejected so that a misspelt optional field is noticed.
        """
        base: Path | None = None
        if isinstance(source, (str, Path)):
            path = Path(source)
            try:
                data: Any = json.loads(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise PersonaError("<file>", f"cannot read {path}: {exc.strerror}") from exc
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise PersonaError("<file>", f"{path} is not valid JSON: {exc}") from exc
            base = path.parent
        else:
            data = source
        if not isinstance(data, Mapping):
            raise PersonaError("<root>", "must be a JSON object")
        return cls._from_mapping(data, base)

    @classmethod
    def _from_mapping(cls, data: Mapping[str, Any], base: Path | None) -> Persona:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PersonaError(unknown[0], "unknown field")
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise PersonaError(f.name, "missing")
                continue
            converter: Callable[[str, Any], Any] = _FROM_JSON.get(f.name, _json_optional_str)
            kwargs[f.name] = converter(f.name, data[f.name])
        if base is not None and isinstance(kwargs.get("photo"), Path) and not kwargs["photo"].is_absolute():
            kwargs["photo"] = base / kwargs["photo"]
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Persona.from_json(p.to_json()) == p``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, Address):
                out[f.name] = dataclasses.asdict(value)
            elif isinstance(value, IntEnum):
                out[f.name] = int(value)
            elif isinstance(value, Enum):
                out[f.name] = value.value
            elif isinstance(value, dt.date):
                out[f.name] = value.isoformat()
            elif isinstance(value, Path):
                out[f.name] = str(value)
            elif isinstance(value, bytes):
                out[f.name] = value.hex()
            else:
                out[f.name] = value
        return out


_T = TypeVar("_T")


def _json_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise PersonaError(name, "must be a string")
    return value


def _json_optional_str(name: str, value: Any) -> str | None:
    return None if value is None else _json_str(name, value)


def _json_date(name: str, value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(_json_str(name, value))
    except ValueError:
        raise PersonaError(name, "must be an ISO date YYYY-MM-DD") from None


def _json_optional_date(name: str, value: Any) -> dt.date | None:
    return None if value is None else _json_date(name, value)


def _json_birth_date(name: str, value: Any) -> dt.date | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _json_str(name, value)
    if _is_digits(text, 4):
        return int(text)
    return _json_date(name, text)


def _json_enum(enum_type: Callable[[Any], _T]) -> Callable[[str, Any], _T]:
    def convert(name: str, value: Any) -> _T:
        if isinstance(value, bool):
            raise PersonaError(name, "must not be a boolean")
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            raise PersonaError(name, f"unknown value {value!r}") from None

    return convert


def _json_int_enum(enum_type: Callable[[int], _T]) -> Callable[[str, Any], _T]:
    def convert(name: str, value: Any) -> _T:
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise PersonaError(name, "must be an integer code")
        try:
            return enum_type(value)
        except ValueError:
            raise PersonaError(name, f"unknown code {value}") from None

    return convert


def _json_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PersonaError(name, "must be true or false")
    return value


def _json_path(name: str, value: Any) -> Path | None:
    return None if value is None else Path(_json_str(name, value))


def _json_hex(name: str, value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return bytes.fromhex(_json_str(name, value))
    except ValueError:
        raise PersonaError(name, "must be hexadecimal") from None


def _json_address(name: str, value: Any) -> Address:
    if not isinstance(value, Mapping):
        raise PersonaError(name, "must be an object")
    keys = {"street_and_number", "zip_code", "municipality"}
    if set(value) != keys:
        missing = sorted(keys - set(value)) or sorted(set(value) - keys)
        raise PersonaError(f"{name}.{missing[0]}", "missing or unknown")
    return Address(**{key: _json_str(f"{name}.{key}", value[key]) for key in sorted(keys)})


_FROM_JSON: Mapping[str, Callable[[str, Any], Any]] = {
    "surname": _json_str,
    "first_names": _json_str,
    "national_number": _json_str,
    "birth_date": _json_birth_date,
    "birth_place": _json_str,
    "sex": _json_enum(Sex),
    "nationality": _json_str,
    "card_number": _json_str,
    "validity_begin": _json_date,
    "validity_end": _json_date,
    "issuing_municipality": _json_str,
    "address": _json_address,
    "third_initial": _json_str,
    "language": _json_enum(CardLanguage),
    "document_type": _json_int_enum(DocumentType),
    "special_status": _json_int_enum(SpecialStatus),
    "noble_condition": _json_str,
    "photo": _json_path,
    "chip_number": _json_hex,
    "member_of_family": _json_bool,
    "eu_card_start_date": _json_optional_date,
}
