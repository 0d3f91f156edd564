"""The token kernel: what every token (card session, PKCS#11 token) offers and raises.

Modules: ``protocol`` (the :class:`Token` protocol, :class:`CardCertificates`, key/hash/padding
names), ``pin`` (the PIN rule: format check and wipe), ``ecdsa`` (raw ``r || s`` <-> DER),
``errors`` (PIN and key errors). Nothing here talks to a card.
"""

from eidlib.token.ecdsa import ecdsa_der_to_raw, ecdsa_raw_to_der
from eidlib.token.errors import (
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinError,
    PinFormatError,
    PinRequired,
    PinTimeout,
    SecurityStatusNotSatisfied,
    WrongPin,
)
from eidlib.token.pin import check_pin, wipe
from eidlib.token.protocol import CardCertificates, HashName, KeyName, PaddingName, Token

__all__ = [
    "CardCertificates",
    "HashName",
    "KeyName",
    "NotABeidCard",
    "NotSupported",
    "PaddingName",
    "PinBlocked",
    "PinCancelled",
    "PinError",
    "PinFormatError",
    "PinRequired",
    "PinTimeout",
    "SecurityStatusNotSatisfied",
    "Token",
    "WrongPin",
    "check_pin",
    "ecdsa_der_to_raw",
    "ecdsa_raw_to_der",
    "wipe",
]
