"""How the eID's objects look through PKCS#11: labels, ``CKA_ID`` values and data-object labels.

The official module stores ``CKA_ID`` as a native ``CK_ULONG`` (8 bytes little-endian on 64-bit Linux,
4 on Windows); OpenSC and SoftHSM use the PKCS#15 id as one byte. Labels come space- or NUL-padded
from some modules (and from PyKCS11), so they are compared stripped and case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eidlib.carddata.errors import CardDataError
from eidlib.token.protocol import KeyName


def normalize_label(label: str | bytes | Sequence[int] | None) -> str:
    """A label without its space/NUL padding, case-folded for comparison."""
    if label is None:
        return ""
    if not isinstance(label, str):
        label = bytes(label).decode("utf-8", errors="replace")
    return label.strip(" \0").casefold()


def decode_ckattr_id(value: bytes | Sequence[int] | None) -> int | None:
    """The numeric object id of a ``CKA_ID``: one byte, or a native little-endian ``CK_ULONG``.

    Returns ``None`` for an empty or absent id and for ids that are not small numbers (a 20-byte hash id,
    for example), which then never match an eID object number.
    """
    if value is None:
        return None
    raw = bytes(value)
    if len(raw) == 1:
        return raw[0]
    if len(raw) in (4, 8):
        number = int.from_bytes(raw, "little")
        if number < 256:
            return number
        number = int.from_bytes(raw, "big")
        return number if number < 256 else None
    if len(raw) == 2:
        return int.from_bytes(raw, "big")
    return None


@dataclass(frozen=True)
class ObjectRole:
    """One eID object: its label and its PKCS#15 id."""

    label: str
    id: int

    def matches(self, label: str | bytes | Sequence[int] | None, ckattr_id: bytes | Sequence[int] | None) -> bool:
        """True when the label (padding ignored) or the decoded ``CKA_ID`` is this object's."""
        if normalize_label(label) == self.label.casefold():
            return True
        return decode_ckattr_id(ckattr_id) == self.id


#: The two private keys (and their certificates) by :data:`~eidlib.token.protocol.KeyName`.
KEYS: dict[KeyName, ObjectRole] = {
    "authentication": ObjectRole("Authentication", 2),
    "signature": ObjectRole("Signature", 3),
}

#: The issuing CA and root certificates.
CA_CERT = ObjectRole("CA", 4)
ROOT_CERT = ObjectRole("Root", 6)

#: ``CKO_DATA`` labels of the official module (spec §7.2).
DATA_FILE = "DATA_FILE"
ADDRESS_FILE = "ADDRESS_FILE"
PHOTO_FILE = "PHOTO_FILE"
CERT_RN_FILE = "CERT_RN_FILE"
SIGN_DATA_FILE = "SIGN_DATA_FILE"
SIGN_ADDRESS_FILE = "SIGN_ADDRESS_FILE"
BASIC_KEY_FILE = "BASIC_KEY_FILE"

#: Token label of the Belgian eID (official module; OpenSC adds the PIN name after it).
BELPIC_LABEL = "BELPIC"


def is_belpic_label(token_label: str) -> bool:
    """True for a token the eID PIN rules (4 to 12 digits) apply to."""
    return normalize_label(token_label).startswith(BELPIC_LABEL.casefold())


def der_trimmed(value: bytes, what: str) -> bytes:
    """``value`` cut to the length of its outer DER SEQUENCE (drops zero padding some stores keep)."""
    if len(value) < 2 or value[0] != 0x30:
        raise CardDataError(f"{what} is not a DER SEQUENCE")
    first = value[1]
    if first < 0x80:
        total = 2 + first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or len(value) < 2 + count:
            raise CardDataError(f"{what} has a bad DER length")
        total = 2 + count + int.from_bytes(value[2 : 2 + count], "big")
    if total > len(value):
        raise CardDataError(f"{what} is truncated ({len(value)} of {total} bytes)")
    return value[:total]
