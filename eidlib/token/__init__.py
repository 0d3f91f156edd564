"""The token kernel: what every token (card session, PKCS#11 token) offers and raises.

Modules: ``protocol`` (the :class:`Token` protocol, :class:`CardCertificates`, the key role,
padding and PIN-entry enums), ``pin`` (the PIN rule: bytearray copy, format check, wipe),
``ecdsa`` (raw ``r || s`` <-> DER), ``errors`` (PIN and key errors). Nothing here talks to a card.
"""

from eidlib.token.ecdsa import ecdsa_der_to_raw, ecdsa_raw_to_der
from eidlib.token.errors import (
    InvalidDigest,
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinError,
    PinFormatError,
    PinRequired,
    PinTimeout,
    SecurityStatusNotSatisfied,
    TokenClosed,
    WrongPin,
)
from eidlib.token.pin import Pin, PinInput, check_pin, held_pin, pin_bytes, wipe
from eidlib.token.protocol import (
    CardCertificates,
    HashName,
    KeyName,
    KeyRole,
    Padding,
    PaddingName,
    PinEntry,
    Token,
)

__all__ = [
    "CardCertificates",
    "HashName",
    "InvalidDigest",
    "KeyName",
    "KeyRole",
    "NotABeidCard",
    "NotSupported",
    "Padding",
    "PaddingName",
    "Pin",
    "PinBlocked",
    "PinCancelled",
    "PinEntry",
    "PinError",
    "PinFormatError",
    "PinInput",
    "PinRequired",
    "PinTimeout",
    "SecurityStatusNotSatisfied",
    "Token",
    "TokenClosed",
    "WrongPin",
    "check_pin",
    "ecdsa_der_to_raw",
    "ecdsa_raw_to_der",
    "held_pin",
    "pin_bytes",
    "wipe",
]
