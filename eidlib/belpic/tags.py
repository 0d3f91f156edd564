"""Tags of the identity (EF 4031) and address (EF 4033) TLV files, spec §5.2/§5.3.

Shared by the host parser (``eidlib.card``) and the virtual card (``eidlib.emulator``),
so each tag number is written down once.
"""

from __future__ import annotations

from enum import IntEnum


class IdentityTag(IntEnum):
    """Tags of the identity file (spec §5.2)."""

    FILE_VERSION = 0x00
    CARD_NUMBER = 0x01
    CHIP_NUMBER = 0x02
    VALIDITY_BEGIN = 0x03
    VALIDITY_END = 0x04
    ISSUING_MUNICIPALITY = 0x05
    NATIONAL_NUMBER = 0x06
    SURNAME = 0x07
    FIRSTNAMES = 0x08
    THIRD_INITIAL = 0x09
    NATIONALITY = 0x0A
    BIRTH_PLACE = 0x0B
    BIRTH_DATE = 0x0C
    SEX = 0x0D
    NOBILITY = 0x0E
    DOCUMENT_TYPE = 0x0F
    SPECIAL_STATUS = 0x10
    PHOTO_HASH = 0x11
    DUPLICATA = 0x12
    SPECIAL_ORGANIZATION = 0x13
    MEMBER_OF_FAMILY = 0x14
    DATE_AND_COUNTRY_OF_PROTECTION = 0x15
    WORK_PERMIT = 0x16
    EMPLOYER_VAT_1 = 0x17
    EMPLOYER_VAT_2 = 0x18
    REGIONAL_FILE_NUMBER = 0x19
    BASIC_KEY_HASH = 0x1A
    BREXIT_MENTION_1 = 0x1B
    BREXIT_MENTION_2 = 0x1C
    CARD_A_MENTION_1 = 0x1D
    CARD_A_MENTION_2 = 0x1E
    CARD_EU_START_DATE = 0x1F


class AddressTag(IntEnum):
    """Tags of the address file."""

    FILE_VERSION = 0x00
    STREET_AND_NUMBER = 0x01
    ZIP = 0x02
    MUNICIPALITY = 0x03
