"""Which MSE algorithm reference and PSO data a signature needs, per applet (spec §3.5-3.6).

Everything here runs before any APDU, so a key, hash or padding the applet
cannot do is refused (:class:`NotSupported`) without touching the card. The
references come from :mod:`eidlib.belpic.keys`, the version facts from the
:class:`~eidlib.belpic.applet.Applet` object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from eidlib.belpic.applet import Applet
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.belpic.keys import ECDSA, RSA_PKCS1_BARE, RSA_PSS, EcdsaAlgorithm, KeyReference, RsaAlgorithm
from eidlib.token.errors import InvalidDigest, NotSupported
from eidlib.token.protocol import HashName, KeyName, KeyRole, Padding, PaddingName, key_role, padding_of

#: The key reference of each cardholder key.
KEY_REFERENCES: dict[KeyRole, KeyReference] = {
    KeyRole.AUTHENTICATION: KeyReference.AUTHENTICATION,
    KeyRole.SIGNATURE: KeyReference.NON_REPUDIATION,
}
#: The hashes a caller may name (MD5 and SHA-224 are the virtual card's business only).
SIGNING_HASHES = frozenset((
    HashAlgorithm.SHA1, HashAlgorithm.SHA256, HashAlgorithm.SHA384, HashAlgorithm.SHA512,
    HashAlgorithm.SHA3_256, HashAlgorithm.SHA3_384, HashAlgorithm.SHA3_512,
))  # fmt: skip


class SigningPlan(NamedTuple):
    """The MSE algorithm reference, key reference and PSO data of one signature (a tuple: one per call)."""

    algorithm: int
    key_reference: int
    payload: bytes


@dataclass(frozen=True)
class SigningRecipe:
    """What a signature by one key, hash and padding needs, before any data: chosen once, used often.

    ``prefix`` is the DigestInfo the host puts before the digest (RSA reference ``01``), else empty.
    """

    algorithm: int
    key_reference: int
    hash: HashAlgorithm
    prefix: bytes = b""

    def plan(self, data: bytes, *, prehashed: bool) -> SigningPlan:
        """The PSO data for ``data`` (hashed here unless ``prehashed``), or :class:`InvalidDigest`."""
        if prehashed:
            size = self.hash.digest_size
            if len(data) != size:
                raise InvalidDigest(f"a {self.hash.value} digest has {size} bytes, got {len(data)}")
            digest = bytes(data)
        else:
            digest = self.hash.digest(data)
        return SigningPlan(self.algorithm, self.key_reference, self.prefix + digest)


def key_algorithm(applet: Applet) -> str:
    """The user keys' algorithm, ``"rsa"`` or ``"ec"``; :class:`NotSupported` for an unknown applet."""
    algorithm = applet.key_algorithm
    if algorithm is None:
        raise NotSupported(f"unknown applet version 0x{applet.version.raw:02X}")
    return algorithm


def signing_hash(applet: Applet, hash: HashName | str | None) -> HashAlgorithm:
    """The hash a signature uses: ``hash``, or the applet's default; :class:`NotSupported` if unknown."""
    if hash is None:
        return applet.default_hash
    algorithm = HashAlgorithm.by_name(hash)
    if algorithm not in SIGNING_HASHES:
        raise NotSupported(f"unknown hash {hash!r}")
    assert algorithm is not None
    return algorithm


def signing_recipe(applet: Applet, *, key: KeyName, hash: HashName | None, padding: PaddingName) -> SigningRecipe:
    """Choose the algorithm reference for a key, hash and padding, or raise :class:`NotSupported`."""
    reference = KEY_REFERENCES[key_role(key)]
    algorithm = key_algorithm(applet)
    hash_algorithm = signing_hash(applet, hash)
    scheme = padding_of(padding)
    if algorithm == "ec":
        if scheme is not Padding.PKCS1V15:
            raise NotSupported("PSS padding applies to RSA keys only; this card has ECDSA keys")
        return SigningRecipe(ECDSA.get(hash_algorithm, EcdsaAlgorithm.ANY_HASH), reference, hash_algorithm)
    if scheme is Padding.PSS:
        pss = RSA_PSS.get(hash_algorithm)
        if not applet.pss or pss is None:
            raise NotSupported(
                f"RSA-PSS on this card supports SHA-1 and SHA-256 only, not {hash_algorithm.value}"
            )
        return SigningRecipe(pss, reference, hash_algorithm)
    bare = RSA_PKCS1_BARE.get(hash_algorithm)
    if bare is not None and (bare == RsaAlgorithm.PKCS1_SHA1 or applet.card_adds_sha256_digest_info):
        return SigningRecipe(bare, reference, hash_algorithm)
    return SigningRecipe(RsaAlgorithm.PKCS1, reference, hash_algorithm, hash_algorithm.digest_info)


def plan_signature(
    applet: Applet,
    data: bytes,
    *,
    key: KeyName,
    hash: HashName | None,
    prehashed: bool,
    padding: PaddingName,
) -> SigningPlan:
    """Choose the algorithm reference and build the PSO data, or raise :class:`NotSupported`.

    The choice is made before the digest is checked or computed, so an unsupported request is
    refused as such whatever its data.
    """
    return signing_recipe(applet, key=key, hash=hash, padding=padding).plan(data, prehashed=prehashed)
