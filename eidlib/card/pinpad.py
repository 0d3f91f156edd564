"""PIN-pad readers through PC/SC part 10 (spec §8): feature discovery and the PIN structures.

The structures are byte-exact with what eid-mw sends (§8.2, §8.3), including its
``wLangId`` byte order (high byte first).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from eidlib.belpic.pin import EMPTY_PIN_BLOCK, MAX_PIN_LENGTH, MIN_PIN_LENGTH, PIN_BLOCK_LENGTH
from eidlib.card.commands import change_header, verify_header
from eidlib.carddata.errors import CardDataError

#: ``SCARD_CTL_CODE(3400)`` as pcsc-lite defines it.
CM_IOCTL_GET_FEATURE_REQUEST = 0x42000D48
#: The same request on Windows (``0x31 << 16 | 3400 << 2``).
CM_IOCTL_GET_FEATURE_REQUEST_WINDOWS = 0x00313520


class Feature(IntEnum):
    """PC/SC part 10 feature tags (spec §8.1)."""

    VERIFY_PIN_START = 0x01
    VERIFY_PIN_FINISH = 0x02
    MODIFY_PIN_START = 0x03
    MODIFY_PIN_FINISH = 0x04
    GET_KEY_PRESSED = 0x05
    VERIFY_PIN_DIRECT = 0x06
    MODIFY_PIN_DIRECT = 0x07
    EID_PIN_PAD_READER = 0x80


class Language(IntEnum):
    """``wLangId`` values for the reader's prompts."""

    EN = 0x0409
    NL = 0x0813
    FR = 0x080C
    DE = 0x0407


def parse_features(raw: bytes) -> dict[int, int]:
    """Decode the feature list: 6-byte TLVs ``tag 04 <control code, big-endian>``."""
    data = bytes(raw)
    if len(data) % 6:
        raise CardDataError(f"PC/SC feature list length {len(data)} is not a multiple of 6")
    features: dict[int, int] = {}
    for offset in range(0, len(data), 6):
        tag, length = data[offset], data[offset + 1]
        if length != 4:
            raise CardDataError(f"PC/SC feature 0x{tag:02X} has length {length}, expected 4")
        features[tag] = int.from_bytes(data[offset + 2 : offset + 6], "big")
    return features


@dataclass(frozen=True)
class PinPad:
    """The control codes of a PIN-pad reader's direct PIN features (``None`` when absent)."""

    verify_code: int | None
    modify_code: int | None

    @classmethod
    def from_features(cls, features: dict[int, int]) -> PinPad:
        """Keep the DIRECT features eidlib uses."""
        return cls(features.get(Feature.VERIFY_PIN_DIRECT), features.get(Feature.MODIFY_PIN_DIRECT))

    @property
    def can_verify(self) -> bool:
        """The reader can take the PIN for VERIFY."""
        return self.verify_code is not None

    @property
    def can_modify(self) -> bool:
        """The reader can take old and new PINs for CHANGE REFERENCE DATA."""
        return self.modify_code is not None


_TIMEOUT = 0x1E
_FORMAT_STRING = 0x89
_PIN_BLOCK_STRING = 0x47
_PIN_LENGTH_FORMAT = 0x04
_MAX_MIN_DIGITS = bytes((MAX_PIN_LENGTH, MIN_PIN_LENGTH))
_VALIDATION_KEY = 0x02
_PROLOGUE = b"\x00\x00\x00"


def _lang_bytes(language: Language) -> bytes:
    return int(language).to_bytes(2, "big")


def verify_structure(language: Language = Language.EN) -> bytes:
    """PIN_VERIFY_STRUCTURE for VERIFY of PIN 01 with an empty PIN block (32 bytes, §8.2)."""
    apdu = verify_header() + EMPTY_PIN_BLOCK
    return (
        bytes((_TIMEOUT, _TIMEOUT, _FORMAT_STRING, _PIN_BLOCK_STRING, _PIN_LENGTH_FORMAT))
        + _MAX_MIN_DIGITS
        + bytes((_VALIDATION_KEY, 0x01))
        + _lang_bytes(language)
        + b"\x00"
        + _PROLOGUE
        + len(apdu).to_bytes(4, "little")
        + apdu
    )


def modify_structure(language: Language = Language.EN) -> bytes:
    """PIN_MODIFY_STRUCTURE for CHANGE REFERENCE DATA of PIN 01 (45 bytes, §8.3)."""
    apdu = change_header() + EMPTY_PIN_BLOCK + EMPTY_PIN_BLOCK
    return (
        bytes((_TIMEOUT, _TIMEOUT, _FORMAT_STRING, _PIN_BLOCK_STRING, _PIN_LENGTH_FORMAT))
        + bytes((0x00, PIN_BLOCK_LENGTH))
        + _MAX_MIN_DIGITS
        + bytes((0x03, _VALIDATION_KEY, 0x03))
        + _lang_bytes(language)
        + bytes((0x00, 0x01, 0x02))
        + _PROLOGUE
        + len(apdu).to_bytes(4, "little")
        + apdu
    )
