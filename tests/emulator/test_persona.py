"""Persona: check digits, birth-date spelling, JSON round trip and typed errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.emulator.persona import (
    Address,
    CardLanguage,
    DocumentType,
    Persona,
    PersonaError,
    Sex,
    SpecialStatus,
    card_number_check,
    format_birth_date,
    is_valid_card_number,
    national_number_check,
)
from eidlib.errors import EidError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "persona-example.json"


def _mod97_complement(digits: str) -> str:
    """Independent restatement of the national-number rule, used to build test numbers."""
    return f"{97 - int(digits) % 97:02d}"


# National numbers of the public specimen/test cards in shared/vectors (README §4, testcard export).
@pytest.mark.parametrize(
    ("number", "born_2000_or_later"),
    [("71715100070", False), ("67063029659", False), ("01050399963", True), ("01050399864", True)],
)
def test_national_number_check_matches_specimen_cards(number: str, born_2000_or_later: bool) -> None:
    assert national_number_check(number[:9], born_2000_or_later=born_2000_or_later) == number[9:]
    assert national_number_check(number[:9], born_2000_or_later=not born_2000_or_later) != number[9:]


@pytest.mark.parametrize("number", ["000000226635", "000000012629", "000001241600"])
def test_card_numbers_of_specimen_cards_are_valid(number: str) -> None:
    assert is_valid_card_number(number)


def test_card_number_check_digit_rule() -> None:
    assert card_number_check("0000002266") == "35"
    assert card_number_check("0000012416") == "97"  # remainder 0 is written 97 ...
    assert is_valid_card_number("000001241697")  # ... and the specimen's 00 is accepted too
    assert not is_valid_card_number("000000226636")
    assert not is_valid_card_number("00000022663")
    assert not is_valid_card_number("00000022663X")


@given(st.from_regex(r"[0-9]{10}", fullmatch=True), st.integers(0, 99))
@settings(max_examples=200, deadline=None)
def test_card_number_validity_is_the_mod97_rule(first_ten: str, check: int) -> None:
    remainder = int(first_ten) % 97
    expected = check == remainder or (remainder == 0 and check in (0, 97))
    assert is_valid_card_number(f"{first_ten}{check:02d}") is expected


@pytest.mark.parametrize(
    ("language", "birth", "text"),
    [
        (CardLanguage.NL, dt.date(2001, 5, 3), "03 MEI 2001"),
        (CardLanguage.NL, dt.date(1971, 1, 1), "01 JAN 1971"),
        (CardLanguage.NL, dt.date(1980, 3, 8), "08 MAAR 1980"),
        (CardLanguage.FR, dt.date(2003, 9, 7), "07 SEPT 2003"),
        (CardLanguage.FR, dt.date(2003, 2, 7), "07 FEV 2003"),
        (CardLanguage.DE, dt.date(1997, 12, 22), "22.DEZ. 1997"),
        (CardLanguage.DE, dt.date(1996, 8, 13), "13.AUG. 1996"),
        (CardLanguage.DE, dt.date(1996, 3, 13), "13.MÄR. 1996"),
        (CardLanguage.FR, 1968, "1968"),
    ],
)
def test_birth_date_spelling(language: CardLanguage, birth: dt.date | int, text: str) -> None:
    # NL/FR/DE forms as on the commons-eid specimen files (README §4).
    assert format_birth_date(birth, language) == text


def test_sex_letter_follows_language() -> None:
    base = Persona.default()
    assert base.replace(language=CardLanguage.NL).card_sex == "V"
    assert base.replace(language=CardLanguage.FR).card_sex == "F"
    assert base.replace(language=CardLanguage.DE).card_sex == "W"
    assert base.replace(sex=Sex.MALE, language=CardLanguage.DE).card_sex == "M"


def test_defaults_are_valid_and_distinct() -> None:
    adult, kid = Persona.default(), Persona.default_kid()
    assert adult.document_type is DocumentType.BELGIAN_CITIZEN
    assert kid.document_type is DocumentType.KIDS_CARD
    assert kid.birth_year >= 2000
    assert kid.national_number[9:] == _mod97_complement("2" + kid.national_number[:9])
    assert adult.national_number[9:] == _mod97_complement(adult.national_number[:9])
    # The specimen numbers use an impossible month so they cannot be a real person's.
    assert int(adult.national_number[2:4]) > 52
    assert adult.given_name == "Emma"
    assert adult.national_number != kid.national_number and adult.card_number != kid.card_number


def test_default_round_trips_through_json_text() -> None:
    for persona in (Persona.default(), Persona.default_kid()):
        text = json.dumps(persona.to_json())
        assert Persona.from_json(json.loads(text)) == persona


def test_example_file_loads_and_round_trips(tmp_path: Path) -> None:
    persona = Persona.from_json(EXAMPLE)
    assert persona.language is CardLanguage.FR
    assert persona.card_birth_date == "25 OCT 2003"
    assert persona.special_status is SpecialStatus.WHITE_CANE
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(persona.to_json()), encoding="utf-8")
    assert Persona.from_json(copy) == persona


def test_relative_photo_is_resolved_against_the_json_file(tmp_path: Path) -> None:
    data = Persona.default().to_json() | {"photo": "me.jpg"}
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    assert Persona.from_json(tmp_path / "p.json").photo == tmp_path / "me.jpg"
    assert Persona.from_json(data).photo == Path("me.jpg")


def test_year_only_birth_date_round_trips() -> None:
    first9 = "680000123"
    persona = Persona.default().replace(
        birth_date=1968, national_number=first9 + national_number_check(first9, born_2000_or_later=False)
    )
    assert persona.card_birth_date == "1968"
    assert Persona.from_json(persona.to_json()) == persona
    assert Persona.from_json(persona.to_json() | {"birth_date": 1968}) == persona


def _json(**changes: Any) -> dict[str, Any]:
    data = Persona.default().to_json()
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_json(surname=...), "surname"),
        (_json(address=...), "address"),
        (_json(national_number="85711412391"), "national_number"),
        (_json(national_number="8571141239"), "national_number"),
        (_json(card_number="592000001294"), "card_number"),
        (_json(birth_date="14-07-1985"), "birth_date"),
        (_json(birth_date=True), "birth_date"),
        (_json(validity_end="2020-01-01"), "validity_end"),
        (_json(sex="X"), "sex"),
        (_json(language="en"), "language"),
        (_json(document_type=2), "document_type"),
        (_json(special_status="9"), "special_status"),
        (_json(surname=42), "surname"),
        (_json(surname="x" * 111), "surname"),
        (_json(first_names="nul\x00byte"), "first_names"),
        (_json(nickname="Em"), "nickname"),
        (_json(chip_number="zz"), "chip_number"),
        (_json(chip_number="00" * 15), "chip_number"),
        (_json(member_of_family="yes"), "member_of_family"),
        (_json(work_permit="3"), "work_permit"),
        (_json(duplicate="1"), "duplicate"),
        (_json(employer_vat_1="123456789"), "employer_vat_1"),
        (_json(date_and_country_of_protection="31.02.2014-IT"), "date_and_country_of_protection"),
        (_json(date_and_country_of_protection="13.08.2014-ITA"), "date_and_country_of_protection"),
        (_json(address={"street_and_number": "A 1", "zip_code": "1000"}), "address.municipality"),
        (_json(address={"street_and_number": "A 1", "zip_code": "10000000", "municipality": "B"}), "zip_code"),
        (_json(address="Brussel"), "address"),
    ],
)
def test_invalid_json_raises_persona_error_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(PersonaError) as info:
        Persona.from_json(data)
    assert info.value.field == field
    assert isinstance(info.value, EidError)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="cannot read"):
        Persona.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(PersonaError, match="not valid JSON"):
        Persona.from_json(bad)
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PersonaError):
        Persona.from_json(bad)
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(PersonaError, match="JSON object"):
        Persona.from_json(bad)


def test_constructor_validates_types_too() -> None:
    with pytest.raises(PersonaError):
        Persona.default().replace(sex="F")
    with pytest.raises(PersonaError):
        Persona.default().replace(validity_begin="2024-01-01")
    with pytest.raises(PersonaError):
        Address("Straat 1", "1000", "")


def test_foreigner_card_numbers_use_the_foreigner_format() -> None:
    foreigner = Persona.default().replace(document_type=DocumentType.EUROPEAN_BLUE_CARD_H, card_number="B000193087")
    assert foreigner.card_number == "B000193087"
    with pytest.raises(PersonaError):
        Persona.default().replace(card_number="B000193087")


names = st.text(st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]),
                min_size=1, max_size=11)
optional_mention = st.none() | st.sampled_from(["", "7", "8", "9", "A"])


@st.composite
def personas(draw: st.DrawFn) -> Persona:
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    year_only = draw(st.booleans())
    first9 = draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
    prefix = "2" if birth.year >= 2000 else ""
    card10 = draw(st.from_regex(r"[0-9]{10}", fullmatch=True))
    remainder = int(card10) % 97
    begin = draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)))
    return Persona(
        surname=draw(names),
        first_names=draw(names),
        third_initial=draw(st.sampled_from(["", "A", "É"])),
        national_number=first9 + _mod97_complement(prefix + first9),
        birth_date=birth.year if year_only else birth,
        birth_place=draw(names),
        sex=draw(st.sampled_from(Sex)),
        nationality=draw(names),
        card_number=f"{card10}{remainder if remainder else 97:02d}",
        validity_begin=begin,
        validity_end=begin + dt.timedelta(days=draw(st.integers(1, 3653))),
        issuing_municipality=draw(names),
        address=Address(draw(names), draw(st.from_regex(r"[0-9]{4}", fullmatch=True)), draw(names)),
        language=draw(st.sampled_from(CardLanguage)),
        special_status=draw(st.sampled_from(SpecialStatus)),
        work_permit=draw(optional_mention),
        member_of_family=draw(st.booleans()),
        chip_number=draw(st.none() | st.binary(min_size=16, max_size=16)),
        photo=draw(st.none() | st.just(Path("/photos/x.jpg"))),
        eu_card_start_date=draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1))),
    )


@given(personas())
@settings(max_examples=60, deadline=None)
def test_any_valid_persona_round_trips(persona: Persona) -> None:
    assert Persona.from_json(json.loads(json.dumps(persona.to_json()))) == persona


@given(personas(), st.integers(1, 96))
@settings(max_examples=40, deadline=None)
def test_any_wrong_national_check_digit_is_rejected(persona: Persona, delta: int) -> None:
    wrong = (int(persona.national_number[9:]) + delta) % 97 or 97
    with pytest.raises(PersonaError) as info:
        persona.replace(national_number=persona.national_number[:9] + f"{wrong:02d}")
    assert info.value.field == "national_number"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)
FIELD_NAMES = [*sorted(Persona.default().to_json()), "photo", "chip_number", "duplicate", "work_permit",
               "eu_card_start_date", "date_and_country_of_protection"]


@given(st.sampled_from(FIELD_NAMES), json_values)
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_values_give_a_persona_or_a_persona_error(name: str, value: Any) -> None:
    data = Persona.default().to_json() | {name: value}
    try:
        persona = Persona.from_json(data)
    except PersonaError as exc:
        assert exc.field
    else:
        assert Persona.from_json(persona.to_json()) == persona


@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6) | json_values)
@settings(max_examples=100, deadline=None)
def test_arbitrary_documents_are_rejected_with_a_persona_error(document: Any) -> None:
    with pytest.raises(PersonaError):
        Persona.from_json(document if isinstance(document, dict) else {"root": document})
