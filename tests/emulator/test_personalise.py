"""personalise(): the card files verify like a real card's (checked the same way on the real fixtures)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.persona import Address, CardLanguage, DocumentType, Persona, Sex, national_number_check
from eidlib.emulator.personalise import PersonaliseError, default_photo, personalise
from eidlib.emulator.pki import TestPki
from tests.emulator.test_persona import personas
from tests.support.vectors import VECTORS

REPO = Path(__file__).resolve().parents[2]
EC_SET = VECTORS / "commons-eid" / "consumer" / "test-eid-v17-ec"
RSA_SET = VECTORS / "commons-eid" / "consumer"
PROFILES: tuple[Profile, ...] = ("1.7", "1.8")

ID = "3F00DF014031"
ID_SIG = "3F00DF014032"
ADDR = "3F00DF014033"
ADDR_SIG = "3F00DF014034"
PHOTO = "3F00DF014035"
BASIC = "3F00DF014040"
AUTH, SIGN, CA, ROOT, RRN = (f"3F00DF00503{x}" for x in "89ABC")


def decode(data: bytes) -> dict[int, bytes]:
    """Independent Fedict TLV decoder (spec §5.1); trailing zero bytes are padding."""
    fields: dict[int, bytes] = {}
    offset = 0
    last_tag = -1
    while offset < len(data) and any(data[offset:]):
        tag = data[offset]
        offset += 1
        length = 0
        while data[offset] == 0xFF:
            length += 0xFF
            offset += 1
        length += data[offset]
        offset += 1
        assert tag > last_tag, "tags must be ascending"
        last_tag = tag
        fields[tag] = data[offset : offset + length]
        offset += length
        assert offset <= len(data)
    return fields


_HASH_BY_LENGTH = {20: hashlib.sha1, 32: hashlib.sha256, 48: hashlib.sha384}


def verify_rrn_signature(rrn: x509.Certificate, signature_file: bytes, data: bytes) -> None:
    """Verify as eid-viewer/commons-eid do (spec §6.1): the hash comes from the RRN certificate's own
    signature algorithm; an EC signature file is cut to its DER length ``file[1] + 2``."""
    key = rrn.public_key()
    algorithm = rrn.signature_hash_algorithm
    assert algorithm is not None
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature_file, data, padding.PKCS1v15(), algorithm)
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(signature_file[: signature_file[1] + 2], data, ec.ECDSA(hashes.SHA384()))


def verify_card_files(files: Sequence[bytes], rrn: x509.Certificate) -> dict[int, bytes]:
    """Spec §6.1 integrity over (identity, identity signature, address, address signature, photo):
    both RRN signatures and the photo hash. Returns the identity fields."""
    identity, identity_signature, address, address_signature, photo = files
    verify_rrn_signature(rrn, identity_signature, identity)
    verify_rrn_signature(rrn, address_signature, address.rstrip(b"\x00") + identity_signature)
    fields = decode(identity)
    photo_hash = fields[0x11]
    assert _HASH_BY_LENGTH[len(photo_hash)](photo).digest() == photo_hash
    return fields


def _file_set(files: Mapping[str, bytes]) -> list[bytes]:
    return [files[path] for path in (ID, ID_SIG, ADDR, ADDR_SIG, PHOTO)]


def certificate_from_file(content: bytes, padding_size: int) -> x509.Certificate:
    assert content[:2] == b"\x30\x82"
    length = int.from_bytes(content[2:4], "big") + 4
    assert content[length:] == bytes(padding_size), "certificate EF padding"
    return x509.load_der_x509_certificate(content[:length])


def test_verifier_accepts_the_real_ec_test_card() -> None:
    # The same checks on a real (EC test card) file set: proves the verifier is the card's rule.
    rrn = x509.load_der_x509_certificate((EC_SET / "rrn-cert.der").read_bytes())
    fields = verify_card_files([(EC_SET / name).read_bytes() for name in (
        "identity.tlv", "identity-signature.der", "address.tlv", "address-signature.der", "photo.jpg")], rrn)
    assert fields[0x06] == b"01050399963"


def test_verifier_accepts_the_real_rsa_test_card_and_rejects_tampering() -> None:
    rrn = x509.load_der_x509_certificate((RSA_SET / "test-rrn-cert.der").read_bytes())
    files = [(RSA_SET / name).read_bytes() for name in (
        "test-identity.tlv", "test-identity-sign.der", "test-address.tlv", "test-address-sign.der", "test-photo.jpg")]
    verify_card_files(files, rrn)
    for index in (0, 2, 4):
        tampered = list(files)
        tampered[index] = bytes([tampered[index][0] ^ 1]) + tampered[index][1:]
        with pytest.raises((InvalidSignature, AssertionError)):
            verify_card_files(tampered, rrn)


@dataclass(frozen=True)
class Card:
    image: CardImage
    pki: TestPki

    @property
    def files(self) -> Mapping[str, bytes]:
        return self.image.files


@pytest.fixture(scope="module", params=PROFILES)
def card(request: pytest.FixtureRequest) -> Card:
    profile: Profile = request.param
    return Card(personalise(profile), TestPki.load(profile=profile))


def _rrn(card: Card) -> x509.Certificate:
    return certificate_from_file(card.files[RRN], 50 if card.image.profile == "1.7" else 1100)


def test_generated_card_verifies_like_a_real_one(card: Card) -> None:
    files = card.files
    fields = verify_card_files(_file_set(files), _rrn(card))
    persona = Persona.default()
    assert fields[0x01] == persona.card_number.encode()
    assert fields[0x02] == card.image.chip_serial
    assert fields[0x03] == b"15.01.2024" and fields[0x04] == b"15.01.2034"
    assert fields[0x06] == persona.national_number.encode()
    assert fields[0x07] == b"Specimen" and fields[0x08] == b"Emma Louise" and fields[0x09] == b"J"
    assert fields[0x0C] == b"14 JUL 1985" and fields[0x0D] == b"V"
    assert fields[0x0E] == b"" and fields[0x0F] == b"1" and fields[0x10] == b"0"
    assert decode(files[ADDR]) == {1: b"Voorbeeldstraat 42", 2: b"3000", 3: b"Leuven"}


def test_tampering_breaks_the_generated_signatures(card: Card) -> None:
    files = dict(card.files)
    rrn = _rrn(card)
    for path in (ID, ADDR, ID_SIG):
        changed = dict(files)
        changed[path] = bytes([files[path][0] ^ 0x01]) + files[path][1:]
        with pytest.raises((InvalidSignature, AssertionError, KeyError)):
            verify_card_files(_file_set(changed), rrn)


def test_rrn_certificate_chains_to_the_root_on_the_card(card: Card) -> None:
    padding_size = 50 if card.image.profile == "1.7" else 1100
    root = certificate_from_file(card.files[ROOT], padding_size)
    ca = certificate_from_file(card.files[CA], padding_size)
    auth = certificate_from_file(card.files[AUTH], padding_size)
    sign = certificate_from_file(card.files[SIGN], padding_size)
    _rrn(card).verify_directly_issued_by(root)
    ca.verify_directly_issued_by(root)
    auth.verify_directly_issued_by(ca)
    sign.verify_directly_issued_by(ca)
    assert root == card.pki.root.certificate


def test_file_sizes_and_signature_formats(card: Card) -> None:
    files = card.files
    assert len(files[ADDR]) == 121
    assert len(files[ID_SIG]) == len(files[ADDR_SIG]) == 256
    # The identity file is read at its exact size: no padding after the last field.
    assert len(files[ID]) == sum(2 + len(value) // 255 + len(value) for value in decode(files[ID]).values())
    if card.image.profile == "1.7":
        assert not files[ID_SIG].endswith(bytes(16))  # a full RSA-2048 signature
        assert BASIC not in files
        assert isinstance(card.image.basic_key, rsa.RSAPrivateKey)
    else:
        # Zero-padded DER ECDSA: SEQUENCE, then only zeros after the DER length.
        for path in (ID_SIG, ADDR_SIG):
            assert files[path][0] == 0x30 and files[path][1] < 0x80
            assert files[path][files[path][1] + 2 :] == bytes(256 - files[path][1] - 2)


def test_photo_hash_algorithm_per_generation(card: Card) -> None:
    photo_hash = decode(card.files[ID])[0x11]
    if card.image.profile == "1.7":
        assert photo_hash == hashlib.sha256(card.files[PHOTO]).digest()
    else:
        assert photo_hash == hashlib.sha384(card.files[PHOTO]).digest()


def test_basic_key_file_and_hash_on_18(card: Card) -> None:
    fields = decode(card.files[ID])
    if card.image.profile == "1.7":
        assert 0x1A not in fields
        return
    spki = card.files[BASIC]
    assert len(spki) == 120
    assert spki.startswith(bytes.fromhex("3076301006072a8648ce3d020106052b81040022036200 04".replace(" ", "")))
    assert fields[0x1A] == hashlib.sha384(spki).digest()
    basic_key = card.image.basic_key
    assert isinstance(basic_key, ec.EllipticCurvePrivateKey)
    public = serialization.load_der_public_key(spki)
    # INTERNAL AUTHENTICATE model: the 48-byte challenge is the digest.
    challenge = hashlib.sha384(b"challenge").digest()
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    signature = basic_key.sign(challenge, ec.ECDSA(Prehashed(hashes.SHA384())))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signature, challenge, ec.ECDSA(Prehashed(hashes.SHA384())))


def test_certificate_padding_and_keys(card: Card) -> None:
    profile = card.image.profile
    padding_size = 50 if profile == "1.7" else 1100
    auth = certificate_from_file(card.files[AUTH], padding_size)
    sign = certificate_from_file(card.files[SIGN], padding_size)
    assert card.image.authentication_key is not None and card.image.signature_key is not None
    assert auth.public_key() == card.image.authentication_key.public_key()
    assert sign.public_key() == card.image.signature_key.public_key()
    assert "(Authentication)" in auth.subject.rfc4514_string()
    assert "(Signature)" in sign.subject.rfc4514_string()
    expected_type = rsa.RSAPrivateKey if profile == "1.7" else ec.EllipticCurvePrivateKey
    assert isinstance(card.image.authentication_key, expected_type)
    assert card.image.pin == "1234" and card.image.activated is True


def test_chip_serial(card: Card) -> None:
    assert len(card.image.chip_serial) == 16 and card.image.chip_serial.startswith(b"SL")
    assert personalise("1.8", seed="another-seed").chip_serial != personalise("1.8").chip_serial
    assert personalise("1.8", Persona.default_kid()).chip_serial != personalise("1.8").chip_serial
    chosen = bytes(range(16))
    assert personalise(card.image.profile, Persona.default().replace(chip_number=chosen)).chip_serial == chosen


@pytest.mark.parametrize("profile", PROFILES)
def test_kids_card_has_no_signature_certificate(profile: Profile) -> None:
    image = personalise(profile, kids=True)
    empty = 1300 if profile == "1.7" else 2500
    assert image.files[SIGN] == bytes(empty)
    assert image.signature_key is None
    assert image.authentication_key is not None
    fields = decode(image.files[ID])
    assert fields[0x0F] == b"6"
    assert fields[0x06] == Persona.default_kid().national_number.encode()


def test_personalisation_is_deterministic() -> None:
    first, second = personalise("1.8"), personalise("1.8")
    assert first.files == second.files
    other = personalise("1.8", seed="different")
    assert other.files[ID_SIG] != first.files[ID_SIG]
    assert other.files[AUTH] != first.files[AUTH]


def test_options_are_carried_into_the_image() -> None:
    image = personalise("1.8", pin="987654", activated=False)
    assert image.pin == "987654" and image.activated is False


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", ""])
def test_bad_pin_is_rejected_without_echoing_it(pin: str) -> None:
    with pytest.raises(PersonaliseError) as info:
        personalise("1.8", pin=pin)
    if pin:
        assert pin not in str(info.value)


def test_bad_profile_and_photo() -> None:
    with pytest.raises(PersonaliseError):
        personalise("1.9")  # type: ignore[arg-type]
    with pytest.raises(PersonaliseError, match="cannot read"):
        personalise("1.8", Persona.default().replace(photo=Path("/nonexistent/photo.jpg")))
    with pytest.raises(PersonaliseError, match="not a JPEG"):
        personalise("1.8", Persona.default().replace(photo=REPO / "pyproject.toml"))


def test_packaged_photo_is_the_specimen_jpeg() -> None:
    photo = default_photo()
    assert photo.startswith(b"\xff\xd8\xff") and photo.endswith(b"\xff\xd9")
    # Baseline SOF0 marker with height 195, width 150, one (grey) component.
    assert bytes.fromhex("ffc0000b0800c300960101") in photo
    assert personalise("1.7").files[PHOTO] == photo


def test_custom_photo_is_used(tmp_path: Path) -> None:
    photo = (EC_SET / "photo.jpg").read_bytes()
    path = tmp_path / "p.jpg"
    path.write_bytes(photo)
    image = personalise("1.8", Persona.default().replace(photo=path))
    assert image.files[PHOTO] == photo
    assert decode(image.files[ID])[0x11] == hashlib.sha384(photo).digest()


def test_example_persona_file_personalises() -> None:
    persona = Persona.from_json(REPO / "examples" / "persona-example.json")
    image = personalise("1.8", persona)
    pki = TestPki.load(profile="1.8")
    fields = verify_card_files(_file_set(image.files), pki.rrn.certificate)
    assert fields[0x08] == "Camille Hélène".encode()
    assert fields[0x0C] == b"25 OCT 2003" and fields[0x0D] == b"F" and fields[0x10] == b"1"
    assert fields[0x12] == b"01"
    assert decode(image.files[ADDR])[1] == b"Rue de l'Exemple 7 bte 2"


def _foreigner() -> Persona:
    first9 = "907011234"
    return Persona.default().replace(
        surname="Müller-Lüdenscheidt", first_names="Anna", language=CardLanguage.DE, sex=Sex.FEMALE,
        birth_date=dt.date(1990, 3, 9),
        national_number=first9 + national_number_check(first9, born_2000_or_later=False),
        nationality="Deutsch", document_type=DocumentType.FOREIGNER_E_PLUS, card_number="B012345678",
        duplicate="02", special_organisation="", member_of_family=True,
        date_and_country_of_protection="13.08.2014-IT", work_permit="9", employer_vat_1="",
        employer_vat_2="0123.456.789", regional_file_number="", brexit_mention_1="B", card_a_mention_2="K",
        eu_card_start_date=dt.date(2020, 2, 29),
        address=Address("Hauptstraße 1", "4700", "Eupen"),
    )


def test_foreigner_optional_tags_in_order() -> None:
    image = personalise("1.8", _foreigner())
    fields = verify_card_files(_file_set(image.files), TestPki.load(profile="1.8").rrn.certificate)
    assert fields[0x0C] == "09.MÄR. 1990".encode() and fields[0x0D] == b"W"
    assert fields[0x0F] == b"16"
    expected = {0x12: b"02", 0x13: b"", 0x14: b"", 0x15: b"13.08.2014-IT", 0x16: b"9", 0x17: b"",
                0x18: b"0123.456.789", 0x19: b"", 0x1B: b"B", 0x1E: b"K", 0x1F: b"29.02.2020"}
    for tag, value in expected.items():
        assert fields[tag] == value
    assert 0x1C not in fields and 0x1D not in fields
    assert len(fields[0x1A]) == 48
    assert list(fields) == sorted(fields)


def test_rsa_card_under_an_ec_chain_like_rekeyed_17_cards() -> None:
    # Re-keyed 1.7 cards: SHA-256 photo hash but EC RRN signatures (the test-eid-v17-ec fixture).
    ec_pki = TestPki.load(profile="1.8")
    image = personalise("1.7", pki=ec_pki)
    fields = verify_card_files(_file_set(image.files), ec_pki.rrn.certificate)
    assert len(fields[0x11]) == 32
    assert image.files[ID_SIG][0] == 0x30
    assert isinstance(image.authentication_key, rsa.RSAPrivateKey)


def test_persona_round_trip_survives_personalisation(tmp_path: Path) -> None:
    persona = _foreigner()
    path = tmp_path / "foreigner.json"
    path.write_text(json.dumps(persona.to_json()), encoding="utf-8")
    assert personalise("1.8", Persona.from_json(path)).files == personalise("1.8", persona).files


@st.composite
def card_personas(draw: st.DrawFn) -> Persona:
    persona = draw(personas())
    return persona.replace(photo=None, surname=draw(st.sampled_from([persona.surname, "x" * 40 + "é" * 35])),
                           first_names=draw(st.sampled_from([persona.first_names, "", " ", "Émile " * 12])))


@given(card_personas())
@settings(max_examples=25, deadline=None)
def test_any_persona_personalises_into_a_card_that_verifies(persona: Persona) -> None:
    image = personalise("1.8", persona)
    pki = TestPki.load(profile="1.8")
    fields = verify_card_files(_file_set(image.files), pki.rrn.certificate)
    assert fields[0x06] == persona.national_number.encode()
    assert fields[0x07] == persona.surname.encode()
    assert fields[0x0C] == persona.card_birth_date.encode()
    assert fields[0x1A] == hashlib.sha384(image.files[BASIC]).digest()
    address = decode(image.files[ADDR])
    assert address[1] == persona.address.street_and_number.encode()
    assert len(image.files[ADDR]) == 121
    auth = certificate_from_file(image.files[AUTH], 1100)
    assert auth.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value == persona.national_number
    assert str(auth.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value).endswith("(Authentication)")
