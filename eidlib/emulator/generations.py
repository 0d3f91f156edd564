"""The card generations and documents a virtual card can be: a catalogue of named card personas.

Each :class:`CardPersona` says which applet it runs (the ``profile`` the emulator models, with
another version byte and GET CARD DATA tail where an older applet differs), which keys its user
certificates hold, how the National Register signed its files and who the holder is. The
catalogue (:data:`CARD_PERSONAS`, documented in ``docs/personas.md``) is what the tests run
read → integrity → PIN → sign on, and what ``eid emulate --card NAME`` and ``eid --virtual NAME`` serve.

Where a value comes from the spec (``beid-card.md``) the field's comment says so; the applet 1.1
tail bytes and the shapes of foreigners' cards are inferred from the layout notes, not from a dump.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from eidlib.belpic.codes import DocumentType, SpecialStatus
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.belpic.tags import IdentityTag
from eidlib.emulator.card import VirtualCard
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.persona import Address, CardLanguage, Persona, Sex, national_number_check
from eidlib.emulator.personalise import personalise
from eidlib.emulator.pki import DEFAULT_SEED, KeyKind, TestPki

#: Applet 1.1: version byte ``11``; bytes 22-26 under its own layout (applet version low byte,
#: interface version, PKCS#15 version; spec §3.7). Bytes 22-23 read ``00 01``, the value that
#: makes eid-mw pause 50 ms before a ``6Cxx`` resend. The exact bytes are inferred.
APPLET_11_VERSION = bytes((0x11,))
APPLET_11_TAIL = bytes.fromhex("0001010001")


@dataclass(frozen=True)
class CardPersona:
    """One card generation or document: what :func:`virtual_card` personalises."""

    name: str
    description: str
    profile: Profile
    persona: Callable[[], Persona]
    #: User-key type when not the profile's (``p256``, ``p384`` on 1.7, ``rsa1024`` on 1.1).
    key_kind: KeyKind | None = None
    #: The generation whose test PKI issues the certificates and RRN key (default: ``profile``).
    pki_profile: Profile | None = None
    rrn_hash: HashAlgorithm | None = None
    photo_hash: HashAlgorithm | None = None
    kids: bool = False
    no_certificates: bool = False
    #: GET CARD DATA bytes and emulator switches (see :class:`~eidlib.emulator.image.CardImage`).
    extra: Mapping[str, bytes] = field(default_factory=dict)
    identity_overrides: Mapping[int, bytes] = field(default_factory=dict)

    def image(self, *, pin: str = "1234", seed: str = DEFAULT_SEED) -> CardImage:
        """The personalised card image of this persona."""
        pki = TestPki.load(seed, profile=self.pki_profile or self.profile)
        image = personalise(
            self.profile, self.persona(), pin=pin, pki=pki, kids=self.kids, key_kind=self.key_kind,
            rrn_hash=self.rrn_hash, no_certificates=self.no_certificates, photo_hash=self.photo_hash,
            identity_overrides=self.identity_overrides,
        )
        image.extra.update(self.extra)
        return image

    @property
    def has_authentication_key(self) -> bool:
        """Whether the card carries an authentication key (young kids' cards do not)."""
        return not self.no_certificates

    @property
    def has_signature_key(self) -> bool:
        """Whether the card carries a non-repudiation key (no kids card does)."""
        return not (self.kids or self.no_certificates)


def _holder(surname: str, first_names: str, first_nine: str, birth: dt.date, **changes: object) -> Persona:
    born_2000 = birth.year >= 2000
    national_number = first_nine + national_number_check(first_nine, born_2000_or_later=born_2000)
    return Persona.default().replace(surname=surname, first_names=first_names, third_initial="",
                                     national_number=national_number, birth_date=birth, **changes)


def _foreigner(nationality: str, document: DocumentType, card_number: str, **changes: object) -> Persona:
    # Foreigners' national numbers use the same mod-97 rule; the month 71 keeps them fictional.
    return _holder("Exemple", "Marie", "907105321", dt.date(1990, 7, 5), sex=Sex.FEMALE,
                   nationality=nationality, document_type=document, card_number=card_number,
                   language=CardLanguage.FR, birth_place="Lyon",
                   address=Address("Rue de l'Exemple 7", "1000", "Bruxelles"),
                   issuing_municipality="Bruxelles", **changes)


def _old_citizen() -> Persona:
    return Persona.default().replace(validity_begin=dt.date(2009, 3, 1), validity_end=dt.date(2014, 3, 1))


def _young_kid() -> Persona:
    return Persona.default_kid().replace(first_names="Lina", birth_date=dt.date(2022, 3, 3),
                                         national_number="227103456"
                                         + national_number_check("227103456", born_2000_or_later=True))


def _special_status() -> Persona:
    return Persona.default().replace(special_status=SpecialStatus.YELLOW_CANE_EXTENDED_MINORITY,
                                     noble_condition="Baron", duplicate="01")


#: Identity values eidlib has no name for yet: document type 99, special status 9, tag 0x30.
UNKNOWN_VALUES: Mapping[int, bytes] = {
    IdentityTag.DOCUMENT_TYPE: b"99",
    IdentityTag.SPECIAL_STATUS: b"9",
    0x30: b"\x01\x02future",
}

CARD_PERSONAS: Mapping[str, CardPersona] = {persona.name: persona for persona in (
    CardPersona("1.1", "Applet 1.1 (2004-2009): RSA-1024 user keys, SHA-1 file signatures and photo hash, "
                "the 1.1 GET CARD DATA layout (bytes 22-23 00 01: the 50 ms 6Cxx pause), an empty "
                "VERIFY costs a try", "1.7", _old_citizen, key_kind="rsa1024",
                rrn_hash=HashAlgorithm.SHA1, photo_hash=HashAlgorithm.SHA1,
                extra={"applet_version": APPLET_11_VERSION, "card_data_tail": APPLET_11_TAIL,
                       "empty_verify_counts": b"\x01"}),
    CardPersona("1.7", "Applet 1.7, RSA-2048 keys and chain, SHA-256 file signatures", "1.7", Persona.default),
    CardPersona("1.7-ec", "Applet 1.7 re-keyed (ADD17): EC P-384 user keys, EC chain and EC RRN signatures "
                "on the 1.7 applet and ATR", "1.7", Persona.default, key_kind="p384", pki_profile="1.8"),
    CardPersona("1.7-rrn-sha1", "Applet 1.7 whose RRN file signatures were made with SHA-1", "1.7",
                Persona.default, rrn_hash=HashAlgorithm.SHA1),
    CardPersona("1.8", "Applet 1.8, EC P-384 keys, basic key and EF 4040", "1.8", Persona.default),
    CardPersona("1.8-p256", "Applet 1.8 with P-256 user keys (accepted by the official middleware since "
                "2025); chain and basic key stay P-384", "1.8", Persona.default, key_kind="p256"),
    CardPersona("1.8-rrn-sha256", "Applet 1.8 whose RRN file signatures were re-made with SHA-256", "1.8",
                Persona.default, rrn_hash=HashAlgorithm.SHA256),
    CardPersona("kids", "Kids-ID of a child under 6: no authentication and no signature certificate",
                "1.8", _young_kid, no_certificates=True),
    CardPersona("kids-6-12", "Kids-ID of a child from 6 to 12: authentication certificate only", "1.8",
                Persona.default_kid, kids=True),
    CardPersona("eu-citizen", "EU card (document type 31) of a French citizen", "1.8",
                lambda: _foreigner("Française", DocumentType.FOREIGNER_EU, "B01234567",
                                   eu_card_start_date=dt.date(2015, 6, 1))),
    CardPersona("family-member", "F+ card (document type 18) of a family member of an EU citizen", "1.8",
                lambda: _foreigner("Marocaine", DocumentType.FOREIGNER_F_PLUS, "B01234568",
                                   member_of_family=True)),
    CardPersona("long-term-resident", "L card (document type 28): long-term resident, with a work "
                "permit mention", "1.8",
                lambda: _foreigner("Canadienne", DocumentType.FOREIGNER_L, "B01234569", work_permit="7")),
    CardPersona("article-50", "M card (document type 22): a British national under article 50 of the "
                "withdrawal agreement, with both Brexit mentions", "1.8",
                lambda: _foreigner("Britannique", DocumentType.FOREIGNER_M, "B01234570",
                                   brexit_mention_1="B", brexit_mention_2="C")),
    CardPersona("special-status", "Belgian eID with special status 5 (yellow cane, extended minority), "
                "a noble condition and a duplicate number", "1.8", _special_status),
    CardPersona("unknown-values", "A card with a document type, a special status and a tag eidlib does "
                "not know (parsed as raw codes and kept)", "1.8", Persona.default,
                identity_overrides=UNKNOWN_VALUES),
)}


def card_persona(name: str) -> CardPersona:
    """The catalogue entry ``name``; :class:`EmulatorError` naming the known ones otherwise."""
    try:
        return CARD_PERSONAS[name]
    except KeyError:
        raise EmulatorError(f"unknown card persona {name!r}; known: {', '.join(CARD_PERSONAS)}") from None


def virtual_card(name: str, *, pin: str = "1234", seed: str = DEFAULT_SEED) -> VirtualCard:
    """A virtual card of the catalogue entry ``name``."""
    return VirtualCard(image=card_persona(name).image(pin=pin, seed=seed))
