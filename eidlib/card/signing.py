"""Which MSE algorithm reference and PSO data a signature needs, per applet (spec §3.5-3.6).

Everything here runs before any APDU, so a key, hash or padding the applet
cannot do is refused (:class:`NotSupported`) without touching the card.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from eidlib.belpic.digestinfo import DIGEST_INFO_PREFIXES
from eidlib.token.errors import NotSupported
from eidlib.token.protocol import HashName, KeyName, PaddingName

APPLET_17 = 0x17
APPLET_18 = 0x18

KeyAlgorithm = Literal["rsa", "ec"]


class KeyReference(IntEnum):
    """Private key references (spec §2.4)."""

    BASIC = 0x81
    AUTHENTICATION = 0x82
    NON_REPUDIATION = 0x83


KEY_REFERENCES: dict[str, KeyReference] = {
    "authentication": KeyReference.AUTHENTICATION,
    "signature": KeyReference.NON_REPUDIATION,
}

#: Digest sizes in bytes.
DIGEST_SIZES: dict[str, int] = {
    "sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64,
    "sha3_256": 32, "sha3_384": 48, "sha3_512": 64,
}  # fmt: skip

#: 1.7 RSA references where the card adds the DigestInfo itself (least host work).
_RSA_PKCS1_BARE: dict[str, int] = {"sha1": 0x02, "sha256": 0x08}
RSA_PKCS1_RAW = 0x01
_RSA_PSS: dict[str, int] = {"sha1": 0x10, "sha256": 0x20}
_ECDSA: dict[str, int] = {
    "sha256": 0x01, "sha384": 0x02, "sha512": 0x04,
    "sha3_256": 0x08, "sha3_384": 0x10, "sha3_512": 0x20,
}  # fmt: skip
#: ECDSA "hash not specified": any digest of 20, 28, 32, 48 or 64 bytes.
ECDSA_ANY_HASH = 0x40


@dataclass(frozen=True)
class SigningPlan:
    """The MSE algorithm reference, key reference and PSO data of one signature."""

    algorithm: int
    key_reference: int
    payload: bytes


def key_algorithm(applet_version: int) -> KeyAlgorithm:
    """The user keys' algorithm for an applet version."""
    if applet_version == APPLET_18:
        return "ec"
    if applet_version <= APPLET_17:
        return "rsa"
    raise NotSupported(f"unknown applet version 0x{applet_version:02X}")


def default_hash(applet_version: int) -> HashName:
    """SHA-256 for RSA keys, SHA-384 for P-384 keys."""
    return "sha384" if key_algorithm(applet_version) == "ec" else "sha256"


def plan_signature(
    applet_version: int,
    data: bytes,
    *,
    key: KeyName,
    hash: HashName | None,
    prehashed: bool,
    padding: PaddingName,
) -> SigningPlan:
    """Choose the algorithm reference and build the PSO data, or raise :class:`NotSupported`."""
    reference = KEY_REFERENCES.get(key)
    if reference is None:
        raise NotSupported(f"unknown key {key!r}: use 'authentication' or 'signature'")
    algorithm = key_algorithm(applet_version)
    hash_name: str = hash if hash is not None else default_hash(applet_version)
    size = DIGEST_SIZES.get(hash_name)
    if size is None:
        raise NotSupported(f"unknown hash {hash_name!r}")
    if padding not in ("pkcs1v15", "pss"):
        raise NotSupported(f"unknown padding {padding!r}")
    if prehashed:
        if len(data) != size:
            raise NotSupported(f"a {hash_name} digest has {size} bytes, got {len(data)}")
        digest = bytes(data)
    else:
        digest = hashlib.new(hash_name, data).digest()
    if algorithm == "ec":
        if padding != "pkcs1v15":
            raise NotSupported("PSS padding applies to RSA keys only; this card has ECDSA keys")
        ref = _ECDSA.get(hash_name, ECDSA_ANY_HASH)
        return SigningPlan(ref, reference, digest)
    if padding == "pss":
        if applet_version != APPLET_17 or hash_name not in _RSA_PSS:
            raise NotSupported(f"RSA-PSS on this card supports SHA-1 and SHA-256 only, not {hash_name}")
        return SigningPlan(_RSA_PSS[hash_name], reference, digest)
    bare = _RSA_PKCS1_BARE.get(hash_name)
    if bare is not None and (bare == 0x02 or applet_version >= APPLET_17):
        return SigningPlan(bare, reference, digest)
    return SigningPlan(RSA_PKCS1_RAW, reference, DIGEST_INFO_PREFIXES[hash_name] + digest)
