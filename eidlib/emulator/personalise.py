"""Personalisation: turn a :class:`~eidlib.emulator.persona.Persona` into a :class:`CardImage`.

This writes what the National Register and the card personaliser write on a
real card (spec ``beid-card.md`` §2.1, §5, §6):

* ``4031`` identity TLV (exact size) with the photo hash in tag ``0x11``
  (SHA-256 on 1.7, SHA-384 on 1.8) and, on 1.8, tag ``0x1A`` = SHA-384 of EF 4040;
* ``4032`` the RRN signature of the whole identity file;
* ``4033`` address TLV zero-padded to 121 bytes, ``4034`` the RRN signature of
  (address without trailing zeros ‖ the whole 4032 file);
* ``4035`` the JPEG photo; ``4040`` (1.8) the basic key's 120-byte SubjectPublicKeyInfo;
* ``5038``–``503C`` the certificates, each followed by the generation's zero padding.

RRN signatures: RSA PKCS#1 v1.5 with SHA-256 for an RSA RRN key; for an EC RRN
key, deterministic ECDSA P-384 with SHA-384, DER-encoded and zero-padded to
256 bytes. Signature files are always 256 bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.belpic.files import (
    ADDRESS_FILE_SIZE,
    BASIC_KEY_FILE_SIZE,
    CERT_PADDING,
    EMPTY_CERT_SIZE,
    SIGNATURE_FILE_SIZE,
    CardFile,
)
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.belpic.tags import AddressTag, IdentityTag
from eidlib.belpic.tlv import TlvEncodeError, TlvValue, encode_tlv, pad
from eidlib.emulator.image import CardImage, PrivateKey, Profile
from eidlib.emulator.persona import Persona, card_date
from eidlib.emulator.pki import DEFAULT_SEED, KeyKind, TestPki
from eidlib.errors import EidError
from eidlib.token.errors import PinFormatError
from eidlib.token.pin import check_pin

#: Hash of the photo in identity tag 0x11 per generation.
PHOTO_HASH: Mapping[Profile, HashAlgorithm] = {"1.7": HashAlgorithm.SHA256, "1.8": HashAlgorithm.SHA384}
#: Largest photo accepted (real photos are about 3 KB).
MAX_PHOTO_SIZE = 65535


class PersonaliseError(EidError):
    """The card cannot be personalised with these inputs (bad profile, PIN format, photo)."""


#: Optional persona mentions and their identity tags (absent when the field is None).
_OPTIONAL_TEXT_TAGS: Mapping[str, int] = {
    "duplicate": IdentityTag.DUPLICATA,
    "special_organisation": IdentityTag.SPECIAL_ORGANIZATION,
    "date_and_country_of_protection": IdentityTag.DATE_AND_COUNTRY_OF_PROTECTION,
    "work_permit": IdentityTag.WORK_PERMIT,
    "employer_vat_1": IdentityTag.EMPLOYER_VAT_1,
    "employer_vat_2": IdentityTag.EMPLOYER_VAT_2,
    "regional_file_number": IdentityTag.REGIONAL_FILE_NUMBER,
    "brexit_mention_1": IdentityTag.BREXIT_MENTION_1,
    "brexit_mention_2": IdentityTag.BREXIT_MENTION_2,
    "card_a_mention_1": IdentityTag.CARD_A_MENTION_1,
    "card_a_mention_2": IdentityTag.CARD_A_MENTION_2,
}


def default_photo() -> bytes:
    """The packaged fictional specimen photo (150×195 greyscale JPEG)."""
    return resources.files("eidlib.emulator.data").joinpath("specimen-photo.jpg").read_bytes()


def load_photo(path: Path | None) -> bytes:
    """The photo of a persona: the file at ``path``, or the packaged default; must be a JPEG."""
    if path is None:
        return default_photo()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PersonaliseError(f"cannot read photo {path}: {exc.strerror}") from exc
    if not data.startswith(b"\xff\xd8\xff") or len(data) > MAX_PHOTO_SIZE:
        raise PersonaliseError(f"photo {path} is not a JPEG of at most {MAX_PHOTO_SIZE} bytes")
    return data


def derive_chip_serial(seed: str, card_number: str) -> bytes:
    """A 16-byte chip number starting with ``SL`` like the specimens, unique per (seed, card number)."""
    return b"SL" + hashlib.sha256(f"eidlib-chip\0{seed}\0{card_number}".encode()).digest()[:14]


def identity_fields(persona: Persona, chip_serial: bytes, photo_hash: bytes,
                    basic_key_hash: bytes | None = None) -> dict[int, TlvValue]:
    """The identity-file fields of ``persona`` as a tag → value mapping."""
    fields: dict[int, TlvValue] = {
        IdentityTag.CARD_NUMBER: persona.card_number,
        IdentityTag.CHIP_NUMBER: chip_serial,
        IdentityTag.VALIDITY_BEGIN: card_date(persona.validity_begin),
        IdentityTag.VALIDITY_END: card_date(persona.validity_end),
        IdentityTag.ISSUING_MUNICIPALITY: persona.issuing_municipality,
        IdentityTag.NATIONAL_NUMBER: persona.national_number,
        IdentityTag.SURNAME: persona.surname,
        IdentityTag.FIRSTNAMES: persona.first_names,
        IdentityTag.THIRD_INITIAL: persona.third_initial,
        IdentityTag.NATIONALITY: persona.nationality,
        IdentityTag.BIRTH_PLACE: persona.birth_place,
        IdentityTag.BIRTH_DATE: persona.card_birth_date,
        IdentityTag.SEX: persona.card_sex,
        IdentityTag.NOBILITY: persona.noble_condition,
        IdentityTag.DOCUMENT_TYPE: str(int(persona.document_type)),
        IdentityTag.SPECIAL_STATUS: str(int(persona.special_status)),
        IdentityTag.PHOTO_HASH: photo_hash,
    }
    for name, tag in _OPTIONAL_TEXT_TAGS.items():
        value = getattr(persona, name)
        if value is not None:
            fields[tag] = value
    if persona.member_of_family:
        fields[IdentityTag.MEMBER_OF_FAMILY] = b""
    if persona.eu_card_start_date is not None:
        fields[IdentityTag.CARD_EU_START_DATE] = card_date(persona.eu_card_start_date)
    if basic_key_hash is not None:
        fields[IdentityTag.BASIC_KEY_HASH] = basic_key_hash
    return fields


def address_file(persona: Persona) -> bytes:
    """EF(ID#Address): the address TLV zero-padded to :data:`ADDRESS_FILE_SIZE`."""
    address = persona.address
    fields: dict[int, TlvValue] = {
        AddressTag.STREET_AND_NUMBER: address.street_and_number,
        AddressTag.ZIP: address.zip_code,
        AddressTag.MUNICIPALITY: address.municipality,
    }
    try:
        return pad(encode_tlv(fields), ADDRESS_FILE_SIZE)
    except TlvEncodeError as exc:
        raise PersonaliseError(f"the address does not fit its file: {exc}") from exc


def rrn_signature_file(rrn_key: PrivateKey, data: bytes, hash_algorithm: HashAlgorithm | None = None) -> bytes:
    """The 256-byte RRN signature file over ``data`` (see the module docstring for the algorithms).

    ``hash_algorithm`` overrides the usual hash (SHA-1 on old RSA cards, or a file whose
    signature the National Register re-made with another hash).
    """
    if isinstance(rrn_key, rsa.RSAPrivateKey):
        chosen = (hash_algorithm or HashAlgorithm.SHA256).algorithm()
        signature = rrn_key.sign(data, padding.PKCS1v15(), chosen)
    else:
        chosen = (hash_algorithm or HashAlgorithm.SHA384).algorithm()
        signature = rrn_key.sign(data, ec.ECDSA(chosen, deterministic_signing=True))
    return pad(signature, SIGNATURE_FILE_SIZE)


def certificate_file(certificate: x509.Certificate | None, profile: Profile) -> bytes:
    """A certificate EF: DER plus the generation's zero padding, or all zeros when absent."""
    if certificate is None:
        return bytes(EMPTY_CERT_SIZE[profile])
    return certificate.public_bytes(serialization.Encoding.DER) + bytes(CERT_PADDING[profile])


def basic_key_file(basic_key: ec.EllipticCurvePrivateKey) -> bytes:
    """EF(PuK#1) 4040: the basic public key as DER SubjectPublicKeyInfo (120 bytes for P-384)."""
    spki = basic_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if len(spki) != BASIC_KEY_FILE_SIZE:
        raise PersonaliseError(f"basic key SPKI is {len(spki)} bytes, expected {BASIC_KEY_FILE_SIZE}")
    return spki


def personalise(profile: Profile, persona: Persona | None = None, *, pin: str = "1234",
                seed: str = DEFAULT_SEED, kids: bool = False, activated: bool = True,
                pki: TestPki | None = None, key_kind: KeyKind | None = None,
                rrn_hash: HashAlgorithm | None = None, no_certificates: bool = False,
                photo_hash: HashAlgorithm | None = None,
                identity_overrides: Mapping[int, bytes] | None = None) -> CardImage:
    """Build the complete :class:`CardImage` of a virtual card.

    ``persona`` defaults to :meth:`Persona.default` (or :meth:`Persona.default_kid`
    when ``kids``). ``pki`` defaults to ``TestPki.load(seed, profile=profile)``;
    a PKI of the other generation may be passed (an EC chain on a 1.7 card is
    what re-keyed 1.7 cards have). A kids card has no signature certificate
    (EF 5039 all zeros) and no signature key. When ``pki`` is given its seed is
    used and ``seed`` is ignored. ``key_kind`` gives the user keys another type than the
    profile's (``"p256"``, ``"p384"`` on a re-keyed 1.7 card, ``"rsa1024"`` on applet 1.1);
    ``rrn_hash`` the hash of the RRN file signatures; ``no_certificates`` (young kids) leaves
    both user certificate EFs empty and the card without user keys; ``photo_hash`` the hash
    in identity tag ``11`` (SHA-1 on old cards); ``identity_overrides`` raw identity values by
    tag, replacing or adding fields (codes and tags eidlib does not know yet). The result is
    deterministic in (profile, persona, seed, PKI URLs and these options).
    """
    if profile not in ("1.7", "1.8"):
        raise PersonaliseError(f"unknown card profile {profile!r} (expected '1.7' or '1.8')")
    try:
        check_pin(pin)
    except PinFormatError:
        raise PersonaliseError("the PIN must be 4 to 12 digits") from None
    if persona is None:
        persona = Persona.default_kid() if kids else Persona.default()
    if pki is None:
        pki = TestPki.load(seed, profile=profile)

    photo = load_photo(persona.photo)
    chip_serial = persona.chip_number or derive_chip_serial(pki.seed, persona.card_number)
    issued = pki.issue_card_certificates(persona, profile, key_kind)

    files: dict[str, bytes] = {}
    basic_key: PrivateKey = pki.card_key(persona, "basic", profile)
    basic_key_hash: bytes | None = None
    if isinstance(basic_key, ec.EllipticCurvePrivateKey):
        files[CardFile.BASIC_PUBLIC_KEY.value] = basic_key_file(basic_key)
        basic_key_hash = HashAlgorithm.SHA384.digest(files[CardFile.BASIC_PUBLIC_KEY.value])

    photo_digest = (photo_hash or PHOTO_HASH[profile]).digest(photo)
    fields = identity_fields(persona, chip_serial, photo_digest, basic_key_hash)
    fields.update(identity_overrides or {})
    try:
        identity = encode_tlv(fields)
    except TlvEncodeError as exc:
        raise PersonaliseError(f"the identity cannot be encoded: {exc}") from exc
    identity_signature = rrn_signature_file(pki.rrn.private_key, identity, rrn_hash)
    address = address_file(persona)
    address_signature = rrn_signature_file(pki.rrn.private_key, address.rstrip(b"\x00") + identity_signature,
                                           rrn_hash)

    files.update({
        CardFile.IDENTITY.value: identity,
        CardFile.IDENTITY_SIGNATURE.value: identity_signature,
        CardFile.ADDRESS.value: address,
        CardFile.ADDRESS_SIGNATURE.value: address_signature,
        CardFile.PHOTO.value: photo,
        CardFile.AUTHENTICATION_CERTIFICATE.value: certificate_file(None if no_certificates else issued.auth_cert,
                                                                    profile),
        CardFile.SIGNATURE_CERTIFICATE.value: certificate_file(None if kids or no_certificates else issued.sign_cert,
                                                               profile),
        CardFile.CA_CERTIFICATE.value: certificate_file(pki.citizen_ca.certificate, profile),
        CardFile.ROOT_CERTIFICATE.value: certificate_file(pki.root.certificate, profile),
        CardFile.RRN_CERTIFICATE.value: certificate_file(pki.rrn.certificate, profile),
    })

    return CardImage(
        profile=profile,
        chip_serial=chip_serial,
        files=dict(sorted(files.items())),
        authentication_key=None if no_certificates else issued.auth_key,
        signature_key=None if kids or no_certificates else issued.sign_key,
        basic_key=basic_key,
        pin=pin,
        activated=activated,
    )
