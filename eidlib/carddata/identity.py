"""The identity file EF(ID#RN) ``3F00/DF01/4031`` (spec §5.2)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any

from eidlib.belpic.codes import DocumentType, SpecialStatus
from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.tags import IdentityTag
from eidlib.belpic.tlv import parse_tlv
from eidlib.carddata.dates import PartialDate, parse_birth_date, parse_card_date
from eidlib.carddata.errors import CardDataError


class Sex(Enum):
    """Tag ``0D``: ``M``, or ``F``/``V``/``W`` (woman in FR/NL/DE)."""

    MALE = "M"
    FEMALE = "F"

    @classmethod
    def from_card(cls, text: str) -> Sex:
        """Decode the card's letter."""
        value = text.strip().upper()
        if value == "M":
            return cls.MALE
        if value in ("F", "V", "W"):
            return cls.FEMALE
        raise CardDataError(f"unknown sex code {text!r}")


class SpecialOrganization(Enum):
    """Tag ``13`` codes; ``UNSPECIFIED`` when the tag is present but empty."""

    UNSPECIFIED = ""
    SHAPE = "1"
    NATO = "2"
    FORMER_BLUE_CARD_HOLDER = "4"
    RESEARCHER = "5"


_STRING_TAGS: dict[int, str] = {
    IdentityTag.CARD_NUMBER: "card_number",
    IdentityTag.ISSUING_MUNICIPALITY: "issuing_municipality",
    IdentityTag.NATIONAL_NUMBER: "national_number",
    IdentityTag.SURNAME: "surname",
    IdentityTag.FIRSTNAMES: "firstnames",
    IdentityTag.THIRD_INITIAL: "first_letter_of_third_given_name",
    IdentityTag.NATIONALITY: "nationality",
    IdentityTag.BIRTH_PLACE: "location_of_birth",
    IdentityTag.NOBILITY: "nobility",
    IdentityTag.DUPLICATA: "duplicata",
    IdentityTag.DATE_AND_COUNTRY_OF_PROTECTION: "date_and_country_of_protection",
    IdentityTag.WORK_PERMIT: "work_permit_mention",
    IdentityTag.EMPLOYER_VAT_1: "employer_vat_1",
    IdentityTag.EMPLOYER_VAT_2: "employer_vat_2",
    IdentityTag.REGIONAL_FILE_NUMBER: "regional_file_number",
    IdentityTag.BREXIT_MENTION_1: "brexit_mention_1",
    IdentityTag.BREXIT_MENTION_2: "brexit_mention_2",
    IdentityTag.CARD_A_MENTION_1: "card_a_mention_1",
    IdentityTag.CARD_A_MENTION_2: "card_a_mention_2",
}

_REQUIRED = (
    IdentityTag.CARD_NUMBER,
    IdentityTag.CHIP_NUMBER,
    IdentityTag.VALIDITY_BEGIN,
    IdentityTag.VALIDITY_END,
    IdentityTag.NATIONAL_NUMBER,
    IdentityTag.SURNAME,
    IdentityTag.BIRTH_DATE,
    IdentityTag.SEX,
    IdentityTag.DOCUMENT_TYPE,
)


def decode_text(tag: int, value: bytes) -> str:
    """UTF-8 text of a field, surrounding spaces removed."""
    try:
        return value.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise CardDataError(f"tag 0x{tag:02X} is not valid UTF-8") from exc


def collect_fields(raw: bytes, what: str) -> dict[int, bytes]:
    """The TLV fields of a file by tag; a repeated tag is an error."""
    fields: dict[int, bytes] = {}
    try:
        pairs = parse_tlv(raw)
    except BelpicFormatError as exc:
        raise CardDataError(f"{what} file: {exc}") from exc
    for tag, value in pairs:
        if tag in fields:
            raise CardDataError(f"{what} file: tag 0x{tag:02X} appears twice")
        fields[tag] = value
    return fields


@dataclass(frozen=True)
class Identity:
    """The parsed identity file. ``raw`` is the file as read; ``unknown_tags`` keeps tags eidlib does not know.

    String fields the card leaves out are ``""``; optional binary or dated fields are ``None``.
    """

    card_number: str
    chip_number: bytes
    validity_begin_date: datetime.date
    validity_end_date: datetime.date
    issuing_municipality: str
    national_number: str
    surname: str
    firstnames: str
    first_letter_of_third_given_name: str
    nationality: str
    location_of_birth: str
    date_of_birth: PartialDate
    sex: Sex
    nobility: str
    document_type: DocumentType | int
    special_status: SpecialStatus | int
    photo_hash: bytes | None = None
    duplicata: str = ""
    special_organization: SpecialOrganization | str | None = None
    member_of_family: bool = False
    date_and_country_of_protection: str = ""
    work_permit_mention: str = ""
    employer_vat_1: str = ""
    employer_vat_2: str = ""
    regional_file_number: str = ""
    basic_key_hash: bytes | None = None
    brexit_mention_1: str = ""
    brexit_mention_2: str = ""
    card_a_mention_1: str = ""
    card_a_mention_2: str = ""
    card_eu_start_date: datetime.date | None = None
    file_version: bytes | None = None
    unknown_tags: Mapping[int, bytes] = field(default_factory=dict)
    raw: bytes = field(default=b"", repr=False)

    @classmethod
    def parse(cls, raw: bytes) -> Identity:
        """Parse the identity file; anything malformed raises :class:`CardDataError`."""
        fields = collect_fields(raw, "identity")
        for tag in _REQUIRED:
            if tag not in fields:
                raise CardDataError(f"identity file lacks tag 0x{tag:02X} ({IdentityTag(tag).name})")
        known = set(IdentityTag)
        text = {name: decode_text(tag, fields.get(tag, b"")) for tag, name in _STRING_TAGS.items()}
        doc_code = _parse_code(fields[IdentityTag.DOCUMENT_TYPE], "document type")
        status_value = fields.get(IdentityTag.SPECIAL_STATUS, b"0") or b"0"
        status_code = _parse_code(status_value, "special status")
        org: SpecialOrganization | str | None = None
        if IdentityTag.SPECIAL_ORGANIZATION in fields:
            org_text = decode_text(IdentityTag.SPECIAL_ORGANIZATION, fields[IdentityTag.SPECIAL_ORGANIZATION])
            try:
                org = SpecialOrganization(org_text)
            except ValueError:
                org = org_text
        eu_start = fields.get(IdentityTag.CARD_EU_START_DATE)
        eu_text = decode_text(IdentityTag.CARD_EU_START_DATE, eu_start) if eu_start is not None else ""
        return cls(
            chip_number=fields[IdentityTag.CHIP_NUMBER],
            validity_begin_date=parse_card_date(decode_text(3, fields[IdentityTag.VALIDITY_BEGIN])),
            validity_end_date=parse_card_date(decode_text(4, fields[IdentityTag.VALIDITY_END])),
            date_of_birth=parse_birth_date(decode_text(0x0C, fields[IdentityTag.BIRTH_DATE])),
            sex=Sex.from_card(decode_text(0x0D, fields[IdentityTag.SEX])),
            document_type=_enum_or_int(DocumentType, doc_code),
            special_status=_enum_or_int(SpecialStatus, status_code),
            photo_hash=fields.get(IdentityTag.PHOTO_HASH),
            special_organization=org,
            member_of_family=IdentityTag.MEMBER_OF_FAMILY in fields,
            basic_key_hash=fields.get(IdentityTag.BASIC_KEY_HASH),
            card_eu_start_date=parse_card_date(eu_text) if eu_text else None,
            file_version=fields.get(IdentityTag.FILE_VERSION),
            unknown_tags={t: v for t, v in fields.items() if t not in known},
            raw=bytes(raw),
            **text,
        )

    @property
    def chip_number_hex(self) -> str:
        """The chip number as eid-mw shows it (upper-case hex)."""
        return self.chip_number.hex().upper()

    @property
    def given_names(self) -> str:
        """First names plus the third initial, as printed on the card."""
        return " ".join(p for p in (self.firstnames, self.first_letter_of_third_given_name) if p)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields keyed by the eid-mw PKCS#11 labels (spec §5.2)."""
        out: dict[str, Any] = {
            "card_number": self.card_number,
            "chip_number": self.chip_number_hex,
            "validity_begin_date": self.validity_begin_date.isoformat(),
            "validity_end_date": self.validity_end_date.isoformat(),
            "issuing_municipality": self.issuing_municipality,
            "national_number": self.national_number,
            "surname": self.surname,
            "firstnames": self.firstnames,
            "first_letter_of_third_given_name": self.first_letter_of_third_given_name,
            "nationality": self.nationality,
            "location_of_birth": self.location_of_birth,
            "date_of_birth": self.date_of_birth.isoformat(),
            "gender": self.sex.value,
            "nobility": self.nobility,
            "document_type": _enum_label(self.document_type),
            "special_status": _enum_label(self.special_status),
            "photo_hash": self.photo_hash.hex() if self.photo_hash is not None else None,
            "duplicata": self.duplicata,
            "special_organization": (
                self.special_organization.name.lower()
                if isinstance(self.special_organization, SpecialOrganization)
                else self.special_organization
            ),
            "member_of_family": self.member_of_family,
            "date_and_country_of_protection": self.date_and_country_of_protection,
            "work_permit_mention": self.work_permit_mention,
            "employer_vat_1": self.employer_vat_1,
            "employer_vat_2": self.employer_vat_2,
            "regional_file_number": self.regional_file_number,
            "basic_key_hash": self.basic_key_hash.hex() if self.basic_key_hash is not None else None,
            "brexit_mention_1": self.brexit_mention_1,
            "brexit_mention_2": self.brexit_mention_2,
            "cardA_mention_1": self.card_a_mention_1,
            "cardA_mention_2": self.card_a_mention_2,
            "cardEU_start_date": self.card_eu_start_date.isoformat() if self.card_eu_start_date else None,
        }
        if self.unknown_tags:
            out["unknown_tags"] = {f"{t:02x}": v.hex() for t, v in sorted(self.unknown_tags.items())}
        return out


def _parse_code(value: bytes, what: str) -> int:
    text = decode_text(0, value)
    if not text.isdigit() or not text.isascii() or len(text) > 3:
        raise CardDataError(f"{what} is not a number: {text!r}")
    return int(text)


def _enum_or_int(enum: type[DocumentType] | type[SpecialStatus], code: int) -> Any:
    try:
        return enum(code)
    except ValueError:
        return code


def _enum_label(value: IntEnum | int) -> str | int:
    return value.name.lower() if isinstance(value, IntEnum) else value
