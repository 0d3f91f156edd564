"""The host's one door to the token kernel: opening a card, PIN facts, the signature-key operation.

Everything the host needs from ``eidlib.opener`` / ``eidlib.token`` / ``eidlib.errors`` is imported
here and only here, so the rest of :mod:`eidlib.webeid` depends on this module's shapes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, cast

from cryptography.x509.oid import NameOID

from eidlib.apdu import pcsc as _pcsc  # noqa: F401

# Imported here, before the host sends its version, so that a command does not wait for pyscard to load.
from eidlib.carddata.certificate import load_der_certificate
from eidlib.errors import CardError, CardRemovedError, NoCardError, NoReaderError, PcscUnavailableError, TransportError
from eidlib.opener import open_card
from eidlib.token import (
    CardCertificates,
    HashName,
    KeyRole,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinEntry,
    PinError,
    PinFormatError,
    PinTimeout,
    Token,
    WrongPin,
    wipe,
)

__all__ = [
    "CardCertificates",
    "CardError",
    "CardRemovedError",
    "CardSource",
    "NoCardError",
    "NoReaderError",
    "NotSupported",
    "PcscUnavailableError",
    "PinBlocked",
    "PinCancelled",
    "PinError",
    "PinFormatError",
    "PinTimeout",
    "Token",
    "TransportError",
    "WrongPin",
    "has_pinpad",
    "holder_name",
    "open_token",
    "sign_digest",
    "wipe",
]

Virtual = Literal["1.7", "1.8"]


@dataclass(frozen=True)
class CardSource:
    """Where the card is: a PC/SC reader by name, the in-process virtual card, or the first BEID card."""

    reader: str | None = None
    virtual: Virtual | None = None


@contextlib.contextmanager
def open_token(source: CardSource) -> Iterator[Token]:
    """An open card session for ``source``, closed when the block ends."""
    with open_card(source.reader, virtual=source.virtual) as card:
        yield card


def has_pinpad(token: Token) -> bool:
    """Whether the reader (or a PKCS#11 module) collects the PIN itself: then no PIN dialog is shown."""
    return token.pin_entry == PinEntry.PINPAD


def holder_name(certificate: bytes) -> str:
    """Given names and surname from a certificate subject (what the PIN dialog shows)."""
    subject = load_der_certificate(certificate).subject
    given = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.GIVEN_NAME)]
    surname = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.SURNAME)]
    name = " ".join(given + surname)
    if name:
        return name
    common = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else "(unknown holder)"


def sign_digest(token: Token, digest: bytes, *, hash_name: str, pin: bytearray | None) -> bytes:
    """Sign a document digest with the signature key: one VERIFY with ``pin`` (``None``: the PIN pad),
    then the signature, then LOG OFF. ``pin`` is wiped here (the token only ever sees it as bytes)."""
    try:
        try:
            signature = token.sign(digest, key=KeyRole.SIGNATURE, hash=cast(HashName, hash_name), pin=pin,
                                   prehashed=True)
            return bytes(signature)
        finally:
            with contextlib.suppress(CardError, TransportError):
                token.log_off()
    finally:
        if pin is not None:
            wipe(pin)
