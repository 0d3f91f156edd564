"""Choosing the PKCS#11 signing mechanism from the key type, the hash, the padding and what the module offers.

Preference: let the module hash (``CKM_SHA256_RSA_PKCS``, ``CKM_ECDSA_SHA384``, ...) when it offers the
combined mechanism; otherwise hash on the host and use the raw mechanism (``CKM_RSA_PKCS`` over a
DigestInfo built here, ``CKM_RSA_PKCS_PSS`` with parameters, ``CKM_ECDSA`` over the digest).
"""

from __future__ import annotations

import hashlib
from collections.abc import Set
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import PyKCS11

from eidlib.belpic.hashes import HashAlgorithm
from eidlib.carddata.errors import CardDataError
from eidlib.token.ecdsa import ecdsa_der_to_raw
from eidlib.token.errors import InvalidDigest, NotSupported
from eidlib.token.protocol import HashName, PaddingName


class KeyKind(Enum):
    """The private key's algorithm family (``CKA_KEY_TYPE``)."""

    RSA = PyKCS11.CKK_RSA
    EC = PyKCS11.CKK_EC


@dataclass(frozen=True)
class HashSpec:
    """One hash algorithm with its PKCS#11 mechanisms and its DER DigestInfo prefix (RFC 8017 §9.2)."""

    name: HashName
    size: int
    digest_mechanism: int
    mgf: int
    rsa_mechanism: int
    rsa_pss_mechanism: int
    ecdsa_mechanism: int | None
    digest_info_prefix: bytes

    def digest(self, data: bytes) -> bytes:
        """The hash of ``data`` computed on the host."""
        return hashlib.new(self.name, data).digest()


def _spec(algorithm: HashAlgorithm, digest: int, mgf: int, rsa: int, pss: int, ecdsa: int) -> HashSpec:
    """A :class:`HashSpec` whose name, size and DigestInfo come from :class:`HashAlgorithm`."""
    return HashSpec(algorithm.value, algorithm.digest_size, digest, mgf, rsa, pss, ecdsa,  # type: ignore[arg-type]
                    algorithm.digest_info)


#: Every hash the :class:`~eidlib.token.protocol.Token` surface names.
HASHES: dict[HashName, HashSpec] = {
    "sha1": _spec(
        HashAlgorithm.SHA1, PyKCS11.CKM_SHA_1, PyKCS11.CKG_MGF1_SHA1, PyKCS11.CKM_SHA1_RSA_PKCS,
        PyKCS11.CKM_SHA1_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA1,
    ),
    "sha256": _spec(
        HashAlgorithm.SHA256, PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, PyKCS11.CKM_SHA256_RSA_PKCS,
        PyKCS11.CKM_SHA256_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA256,
    ),
    "sha384": _spec(
        HashAlgorithm.SHA384, PyKCS11.CKM_SHA384, PyKCS11.CKG_MGF1_SHA384, PyKCS11.CKM_SHA384_RSA_PKCS,
        PyKCS11.CKM_SHA384_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA384,
    ),
    "sha512": _spec(
        HashAlgorithm.SHA512, PyKCS11.CKM_SHA512, PyKCS11.CKG_MGF1_SHA512, PyKCS11.CKM_SHA512_RSA_PKCS,
        PyKCS11.CKM_SHA512_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA512,
    ),
    "sha3_256": _spec(
        HashAlgorithm.SHA3_256, PyKCS11.CKM_SHA3_256, PyKCS11.CKG_MGF1_SHA3_256, PyKCS11.CKM_SHA3_256_RSA_PKCS,
        PyKCS11.CKM_SHA3_256_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA3_256,
    ),
    "sha3_384": _spec(
        HashAlgorithm.SHA3_384, PyKCS11.CKM_SHA3_384, PyKCS11.CKG_MGF1_SHA3_384, PyKCS11.CKM_SHA3_384_RSA_PKCS,
        PyKCS11.CKM_SHA3_384_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA3_384,
    ),
    "sha3_512": _spec(
        HashAlgorithm.SHA3_512, PyKCS11.CKM_SHA3_512, PyKCS11.CKG_MGF1_SHA3_512, PyKCS11.CKM_SHA3_512_RSA_PKCS,
        PyKCS11.CKM_SHA3_512_RSA_PKCS_PSS, PyKCS11.CKM_ECDSA_SHA3_512,
    ),
}


def hash_spec(name: str) -> HashSpec:
    """The :class:`HashSpec` for ``name``; :class:`NotSupported` for an unknown hash."""
    try:
        return HASHES[name]  # type: ignore[index]
    except KeyError:
        raise NotSupported(f"unknown hash {name!r}; use one of {', '.join(HASHES)}") from None


def digest_info(spec: HashSpec, digest: bytes) -> bytes:
    """The DER DigestInfo around ``digest`` (what ``CKM_RSA_PKCS`` signs for PKCS#1 v1.5)."""
    if len(digest) != spec.size:
        raise InvalidDigest(f"a {spec.name} digest is {spec.size} bytes, got {len(digest)}")
    return spec.digest_info_prefix + digest


class NativeMechanism(Protocol):
    """What PyKCS11's mechanism classes offer."""

    def to_native(self) -> object: ...


@dataclass(frozen=True)
class SignPlan:
    """How one signature is made: the mechanism and what to feed ``C_Sign``."""

    mechanism: int
    hash: HashSpec
    module_hashes: bool
    digest_info: bool
    pss: bool

    def sign_input(self, data: bytes, *, prehashed: bool) -> bytes:
        """The bytes for ``C_Sign``: the data itself, its digest, or its DigestInfo."""
        if self.module_hashes:
            return data
        digest = data if prehashed else self.hash.digest(data)
        if len(digest) != self.hash.size:
            raise InvalidDigest(f"a {self.hash.name} digest is {self.hash.size} bytes, got {len(digest)}")
        return digest_info(self.hash, digest) if self.digest_info else digest

    def native(self) -> NativeMechanism:
        """The PyKCS11 mechanism object (with PSS parameters: MGF1 of the same hash, salt = hash length)."""
        if self.pss:
            return PyKCS11.RSA_PSS_Mechanism(  # type: ignore[no-any-return]
                self.mechanism, self.hash.digest_mechanism, self.hash.mgf, self.hash.size
            )
        return PyKCS11.Mechanism(self.mechanism, None)  # type: ignore[no-any-return]


def mechanism_name(mechanism: int) -> str:
    """The ``CKM_*`` name of a mechanism number."""
    name = PyKCS11.CKM.get(mechanism)
    return name if isinstance(name, str) else f"CKM_0x{mechanism:X}"


def plan_signature(
    kind: KeyKind,
    hash: HashSpec,
    padding: PaddingName,
    *,
    prehashed: bool,
    available: Set[int],
) -> SignPlan:
    """Choose the mechanism for a signature; :class:`NotSupported` when the module offers no way."""
    if kind is KeyKind.EC:
        if padding != "pkcs1v15":
            raise NotSupported(f"padding {padding!r} applies to RSA keys only; this key is EC")
        if not prehashed and hash.ecdsa_mechanism is not None and hash.ecdsa_mechanism in available:
            return SignPlan(hash.ecdsa_mechanism, hash, True, False, False)
        if PyKCS11.CKM_ECDSA in available:
            return SignPlan(PyKCS11.CKM_ECDSA, hash, False, False, False)
        raise NotSupported(f"the module offers no ECDSA mechanism usable with {hash.name}")
    if padding == "pss":
        if not prehashed and hash.rsa_pss_mechanism in available:
            return SignPlan(hash.rsa_pss_mechanism, hash, True, False, True)
        if PyKCS11.CKM_RSA_PKCS_PSS in available:
            return SignPlan(PyKCS11.CKM_RSA_PKCS_PSS, hash, False, False, True)
        raise NotSupported(f"the module offers no RSA-PSS mechanism usable with {hash.name}")
    if padding != "pkcs1v15":
        raise NotSupported(f"unknown padding {padding!r}")
    if not prehashed and hash.rsa_mechanism in available:
        return SignPlan(hash.rsa_mechanism, hash, True, False, False)
    if PyKCS11.CKM_RSA_PKCS in available:
        return SignPlan(PyKCS11.CKM_RSA_PKCS, hash, False, True, False)
    raise NotSupported(f"the module offers no RSA PKCS#1 v1.5 mechanism usable with {hash.name}")


def raw_ecdsa_signature(signature: bytes, size: int | None) -> bytes:
    """The token's ECDSA output as raw ``r || s`` (``size`` bytes each when the curve is known).

    PKCS#11 defines raw output; a DER ``Ecdsa-Sig-Value`` from a non-conforming module is converted.
    """
    if size is None:
        if not signature or len(signature) % 2:
            raise CardDataError(f"ECDSA signature of odd or zero length {len(signature)}")
        return signature
    if len(signature) == 2 * size:
        return signature
    if signature[:1] == b"\x30":
        return ecdsa_der_to_raw(signature, size)
    raise CardDataError(f"ECDSA signature of {len(signature)} bytes, expected {2 * size}")
