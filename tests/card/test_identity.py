"""Identity and address files: known answers from commons-eid, dates, and fuzzing."""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.belpic.tlv import encode_tlv
from eidlib.carddata.address import Address
from eidlib.carddata.dates import PartialDate, parse_birth_date, parse_card_date
from eidlib.carddata.errors import CardDataError
from eidlib.carddata.identity import DocumentType, Identity, Sex, SpecialOrganization
from tests.support.vectors import VECTORS

CONSUMER = VECTORS / "commons-eid" / "consumer"
IDENTITY_FILES = sorted(
    p for p in [*CONSUMER.glob("*.tlv"), *CONSUMER.glob("*/*.tlv"), CONSUMER / "idFile-foreigner.dat"]
    if "address" not in p.name
)
ADDRESS_FILES = sorted([*CONSUMER.glob("address*.tlv"), *CONSUMER.glob("*/address.tlv"),
                        CONSUMER / "test-address.tlv"])

# commons-eid enum names -> eidlib's, for the asserted values.
_DOC_TYPES = {"BELGIAN_CITIZEN": DocumentType.BELGIAN_CITIZEN, "FOREIGNER_A": DocumentType.FOREIGNER_A,
              "EUROPEAN_BLUE_CARD_H": DocumentType.EUROPEAN_BLUE_CARD_H}
_ORGS = {None: None, "UNSPECIFIED": SpecialOrganization.UNSPECIFIED, "RESEARCHER": SpecialOrganization.RESEARCHER}


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(Path(f"{path}.expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_vectors_present() -> None:
    assert len(IDENTITY_FILES) >= 11
    assert len(ADDRESS_FILES) >= 3


@pytest.mark.parametrize("path", IDENTITY_FILES, ids=lambda p: p.name)
def test_identity_every_tag_matches_the_collector_decode(path: Path) -> None:
    expected = _expected(path)
    identity = Identity.parse(path.read_bytes())
    decoded = {f["tag"]: f for f in expected["tlv_fields_decoded_by_collector"]}
    text = {tag: f.get("utf8") for tag, f in decoded.items()}
    assert identity.card_number == text[1]
    assert identity.chip_number.hex() == decoded[2]["hex"]
    assert identity.validity_begin_date == parse_card_date(text[3])
    assert identity.issuing_municipality == text[5]
    assert identity.national_number == text[6]
    assert identity.surname == text[7]
    assert identity.firstnames == text[8]
    assert identity.first_letter_of_third_given_name == text[9]
    assert identity.nationality == text[10]
    assert identity.location_of_birth == text[11]
    assert identity.sex is (Sex.MALE if text[13] == "M" else Sex.FEMALE)
    assert identity.nobility == text[14]
    assert int(identity.document_type) == int(text[15])
    assert int(identity.special_status) == int(text[16])
    assert identity.photo_hash is not None and identity.photo_hash.hex() == decoded[17]["hex"]
    assert identity.member_of_family == (20 in decoded)
    if 21 in decoded:
        assert identity.date_and_country_of_protection == text[21]
    if 22 in decoded:
        assert identity.work_permit_mention == text[22]
    assert identity.raw == path.read_bytes()


@pytest.mark.parametrize("path", IDENTITY_FILES, ids=lambda p: p.name)
def test_identity_upstream_assertions(path: Path) -> None:
    asserted = _expected(path).get("asserted") or {}
    identity = Identity.parse(path.read_bytes())
    checks: dict[str, Callable[[Any], bool]] = {
        "name": lambda v: identity.surname == v,
        "firstName": lambda v: identity.firstnames == v,
        "cardNumber": lambda v: identity.card_number == v,
        "cardValidityDateBegin": lambda v: identity.validity_begin_date.isoformat() == v,
        "cardValidityDateEnd": lambda v: identity.validity_end_date.isoformat() == v,
        "cardDeliveryMunicipality": lambda v: identity.issuing_municipality == v,
        "nationalNumber": lambda v: identity.national_number == v,
        "middleName": lambda v: identity.first_letter_of_third_given_name == v,
        "nationality": lambda v: identity.nationality == v,
        "placeOfBirth": lambda v: identity.location_of_birth == v,
        "gender": lambda v: identity.sex.name == v,
        "dateOfBirth": lambda v: identity.date_of_birth.isoformat() == v,
        "specialStatus": lambda v: identity.special_status.name == v,  # type: ignore[union-attr]
        "documentType": lambda v: identity.document_type is _DOC_TYPES[v],
        "duplicate": lambda v: identity.duplicata == v,
        "memberOfFamily": lambda v: identity.member_of_family is v,
        "specialOrganisation": lambda v: identity.special_organization is _ORGS[v],
        "hasBadSight": lambda v: identity.special_status.bad_sight is v,  # type: ignore[union-attr]
        "hasWhiteCane": lambda v: identity.special_status.white_cane is v,  # type: ignore[union-attr]
        "hasYellowCane": lambda v: identity.special_status.yellow_cane is v,  # type: ignore[union-attr]
        "hasExtendedMinority": lambda v: identity.special_status.extended_minority is v,  # type: ignore[union-attr]
        "dateAndCountryOfProtection": lambda v: identity.date_and_country_of_protection == v,
        "workPermit_key": lambda v: identity.work_permit_mention == v,
        "employerVATNumber1": lambda v: identity.employer_vat_1 == v,
        "employerVATNumber2": lambda v: identity.employer_vat_2 == v,
        "regionalFileNumber": lambda v: identity.regional_file_number == v,
    }
    checked = 0
    for key, value in asserted.items():
        if key in checks:
            assert checks[key](value), key
            checked += 1
    assert checked or not any(k in checks for k in asserted)


def test_ec_identity_collector_values() -> None:
    path = CONSUMER / "test-eid-v17-ec" / "identity.tlv"
    values = _expected(path)["expected_values_collector"]
    identity = Identity.parse(path.read_bytes())
    assert identity.firstnames == values["firstName"] == "Nora Angèle"
    assert identity.date_of_birth.to_date() == datetime.date(2001, 5, 3)
    assert identity.chip_number_hex == values["chipNumber_hex"].upper()
    assert identity.photo_hash is not None and identity.photo_hash.hex() == values["photoDigest_sha256"]


@pytest.mark.parametrize("path", ADDRESS_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_address_vectors(path: Path) -> None:
    address = Address.parse(path.read_bytes())
    expected_json = Path(f"{path}.expected.json")
    if expected_json.exists():
        decoded = {f["tag"]: f["utf8"] for f in _expected(path)["tlv_fields_decoded_by_collector"]}
        assert (address.street_and_number, address.zip, address.municipality) == (
            decoded[1], decoded[2], decoded[3])
    else:
        assert address.zip.isdigit()
    assert address.to_dict()["address_zip"] == address.zip


def test_alice_set() -> None:
    alice = VECTORS / "commons-eid" / "tests-alice"
    expected = json.loads((alice / "alice_set.expected.json").read_text(encoding="utf-8"))
    identity = Identity.parse((alice / "Alice_Identity.tlv").read_bytes())
    want = expected["expected_identity"]
    assert identity.card_number == want["cardNumber"]
    assert identity.chip_number.hex() == want["chipNumber"]
    assert identity.first_letter_of_third_given_name == want["thirdInitial"]
    assert identity.photo_hash is not None and identity.photo_hash.hex() == want["photoDigest_sha1"]
    address = Address.parse((alice / "Alice_Address.tlv").read_bytes())
    assert address.street_and_number == expected["expected_address"]["streetAndNumber"]


def test_to_dict_keys_are_eid_mw_labels() -> None:
    identity = Identity.parse((CONSUMER / "id-alice.tlv").read_bytes())
    data = identity.to_dict()
    for key in ("card_number", "chip_number", "validity_begin_date", "validity_end_date",
                "issuing_municipality", "national_number", "surname", "firstnames",
                "first_letter_of_third_given_name", "nationality", "location_of_birth",
                "date_of_birth", "gender", "nobility", "document_type", "special_status",
                "photo_hash", "duplicata", "special_organization", "member_of_family",
                "date_and_country_of_protection", "work_permit_mention", "employer_vat_1",
                "employer_vat_2", "regional_file_number", "basic_key_hash", "brexit_mention_1",
                "brexit_mention_2", "cardA_mention_1", "cardA_mention_2", "cardEU_start_date"):
        assert key in data
    assert json.loads(json.dumps(data)) == data
    assert data["date_of_birth"] == "1971-01-01"
    assert data["gender"] == "F"


def _minimal(**overrides: bytes) -> list[tuple[int, bytes]]:
    fields = {1: b"000001241600", 2: bytes(16), 3: b"05.07.2022", 4: b"05.07.2032", 6: b"01050399963",
              7: b"Specimen", 0x0C: b"03 MEI 2001", 0x0D: b"M", 0x0F: b"1", 0x10: b"0"}
    for key, value in overrides.items():
        fields[int(key[1:], 16)] = value
    return sorted(fields.items())


def test_unknown_and_new_tags_kept() -> None:
    items = [*_minimal(t1A=b"\x11" * 48, t1F=b"01.02.2020", t1D=b"D"), (0x31, b"new"), (0x40, b"\x01")]
    identity = Identity.parse(encode_tlv(sorted(items)) + b"\x00" * 10)
    assert identity.unknown_tags == {0x31: b"new", 0x40: b"\x01"}
    assert identity.basic_key_hash == b"\x11" * 48
    assert identity.card_eu_start_date == datetime.date(2020, 2, 1)
    assert identity.card_a_mention_1 == "D"
    assert identity.to_dict()["unknown_tags"] == {"31": "6e6577", "40": "01"}


def test_unknown_document_type_kept_as_number() -> None:
    identity = Identity.parse(encode_tlv(_minimal(t0F=b"99", t10=b"7")))
    assert identity.document_type == 99 and not isinstance(identity.document_type, DocumentType)
    assert identity.to_dict()["document_type"] == 99
    assert identity.to_dict()["special_status"] == 7


def test_year_only_birth_date_stays_partial() -> None:
    identity = Identity.parse(encode_tlv(_minimal(t0C=b"1980")))
    assert identity.date_of_birth == PartialDate(1980)
    assert not identity.date_of_birth.is_complete
    assert identity.date_of_birth.to_date() is None
    assert identity.to_dict()["date_of_birth"] == "1980"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01 JAN 1971", (1971, 1, 1)), ("1 JAN 1971", (1971, 1, 1)), ("29 SEPT 1979", (1979, 9, 29)),
     ("08 MAAR 1980", (1980, 3, 8)), ("03 MEI 2001", (2001, 5, 3)), ("13.AUG. 1996", (1996, 8, 13)),
     ("22.DEZ. 1997", (1997, 12, 22)), ("30.JUN.1967", (1967, 6, 30)), ("30 JUN  1967", (1967, 6, 30)),
     ("01 FEV 1990", (1990, 2, 1)), ("01.MÄR.1990", (1990, 3, 1)), ("15 AOUT 2000", (2000, 8, 15)),
     ("15 JUIL 2000", (2000, 7, 15)), ("15 OKT 2000", (2000, 10, 15)), ("2 AVR 1950", (1950, 4, 2))],
)
def test_birth_dates(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_birth_date(text).to_date() == datetime.date(*expected)


@pytest.mark.parametrize("text", ["", "31 FEB 2000", "01 XYZ 1990", "1.1.1990", "ABCD", "99999"])
def test_bad_birth_dates(text: str) -> None:
    with pytest.raises(CardDataError):
        parse_birth_date(text)


@pytest.mark.parametrize("text", ["32.01.2020", "1.1.2020", "2020-01-01", ""])
def test_bad_card_dates(text: str) -> None:
    with pytest.raises(CardDataError):
        parse_card_date(text)


@pytest.mark.parametrize(
    ("overrides", "what"),
    [({"t0D": b"X"}, "sex"), ({"t03": b"31.02.2020"}, "date"), ({"t07": b"\xff\xfe"}, "UTF-8"),
     ({"t0F": b"A"}, "document type")],
)
def test_malformed_fields(overrides: dict[str, bytes], what: str) -> None:
    with pytest.raises(CardDataError):
        Identity.parse(encode_tlv(_minimal(**overrides)))


def test_missing_required_tag_and_duplicate() -> None:
    with pytest.raises(CardDataError, match="lacks tag 0x06"):
        Identity.parse(encode_tlv([f for f in _minimal() if f[0] != 6]))
    with pytest.raises(CardDataError, match="twice"):
        Identity.parse(encode_tlv([*_minimal(), (0x10, b"0")], ascending=False))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_parsers_raise_only_card_data_error(raw: bytes) -> None:
    for parser in (Identity.parse, Address.parse):
        with contextlib.suppress(CardDataError):
            parser(raw)


text_values = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(text_values, text_values, st.sampled_from(["1000", "2000", "9999"]), st.integers(0, 30))
def test_address_round_trip(street: str, municipality: str, zip_code: str, padding: int) -> None:
    raw = encode_tlv([(1, street.encode()), (2, zip_code.encode()), (3, municipality.encode())])
    address = Address.parse(raw + b"\x00" * padding)
    assert (address.street_and_number, address.zip, address.municipality) == (
        street.strip(), zip_code, municipality.strip())


@settings(max_examples=100, deadline=None)
@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)),
       st.sampled_from(["FR", "NL", "DE"]), text_values)
def test_identity_round_trip(birth: datetime.date, language: str, surname: str) -> None:
    months = {"FR": "JAN FEV MARS AVR MAI JUIN JUIL AOUT SEPT OCT NOV DEC",
              "NL": "JAN FEB MAAR APR MEI JUN JUL AUG SEP OKT NOV DEC",
              "DE": "JAN FEB MÄR APR MAI JUN JUL AUG SEP OKT NOV DEZ"}[language].split()
    month = months[birth.month - 1]
    text = f"{birth.day:02d}.{month}.{birth.year}" if language == "DE" else f"{birth.day:02d} {month} {birth.year}"
    identity = Identity.parse(encode_tlv(_minimal(t0C=text.encode(), t07=surname.encode())))
    assert identity.date_of_birth.to_date() == birth
    assert identity.surname == surname.strip()
