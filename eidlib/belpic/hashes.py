"""The hash algorithms eidlib names: one enum with digest size, DigestInfo prefix and ``cryptography`` class.

The DigestInfo prefix is what precedes the hash in a PKCS#1 v1.5 algorithm-``01`` request
(spec §3.5): the host prepends it (card layer, PKCS#11 ``CKM_RSA_PKCS``), the virtual card
recognises it. SHA-224 and SHA-3 prefixes come from RFC 8017's hash OIDs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import Enum
from typing import NamedTuple, Protocol

from cryptography.hazmat.primitives import hashes


class _Facts(NamedTuple):
    digest_size: int
    digest_info: bytes
    hash_class: type[hashes.HashAlgorithm]


class HashAlgorithm(str, Enum):
    """A hash by its eidlib name; equal to the name string (``HashAlgorithm.SHA256 == "sha256"``)."""

    MD5 = "md5"
    SHA1 = "sha1"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"
    SHA3_256 = "sha3_256"
    SHA3_384 = "sha3_384"
    SHA3_512 = "sha3_512"

    @property
    def digest_size(self) -> int:
        """Length of the digest in bytes."""
        return _FACTS[self].digest_size

    @property
    def digest_info(self) -> bytes:
        """The DER DigestInfo prefix (AlgorithmIdentifier and OCTET STRING header)."""
        return _FACTS[self].digest_info

    @property
    def hash_class(self) -> type[hashes.HashAlgorithm]:
        """The ``cryptography`` class (``hashes.SHA256``...)."""
        return _FACTS[self].hash_class

    def algorithm(self) -> hashes.HashAlgorithm:
        """A ``cryptography`` hash object."""
        return self.hash_class()

    def digest(self, data: bytes) -> bytes:
        """The hash of ``data``."""
        return _CONSTRUCTORS[self](data).digest()

    @classmethod
    def by_name(cls, name: str) -> HashAlgorithm | None:
        """The algorithm named ``name``, ``None`` when eidlib knows no such hash."""
        try:
            return cls(name)
        except ValueError:
            return None


_FACTS: dict[HashAlgorithm, _Facts] = {
    HashAlgorithm.MD5: _Facts(16, bytes.fromhex("3020300c06082a864886f70d020505000410"), hashes.MD5),
    HashAlgorithm.SHA1: _Facts(20, bytes.fromhex("3021300906052b0e03021a05000414"), hashes.SHA1),
    HashAlgorithm.SHA224: _Facts(28, bytes.fromhex("302d300d06096086480165030402040500041c"), hashes.SHA224),
    HashAlgorithm.SHA256: _Facts(32, bytes.fromhex("3031300d060960864801650304020105000420"), hashes.SHA256),
    HashAlgorithm.SHA384: _Facts(48, bytes.fromhex("3041300d060960864801650304020205000430"), hashes.SHA384),
    HashAlgorithm.SHA512: _Facts(64, bytes.fromhex("3051300d060960864801650304020305000440"), hashes.SHA512),
    HashAlgorithm.SHA3_256: _Facts(32, bytes.fromhex("3031300d060960864801650304020805000420"), hashes.SHA3_256),
    HashAlgorithm.SHA3_384: _Facts(48, bytes.fromhex("3041300d060960864801650304020905000430"), hashes.SHA3_384),
    HashAlgorithm.SHA3_512: _Facts(64, bytes.fromhex("3051300d060960864801650304020a05000440"), hashes.SHA3_512),
}

#: hashlib's constructor per algorithm (``hashlib.new(name)`` looks the name up on every call).
class _Hasher(Protocol):
    def digest(self) -> bytes: ...


_CONSTRUCTORS: dict[HashAlgorithm, Callable[[bytes], _Hasher]] = {
    algorithm: getattr(hashlib, algorithm.value) for algorithm in HashAlgorithm
}

#: The hash in identity tag ``11`` (the photo), told apart by its length: SHA-1 on the oldest
#: cards, SHA-256 on 1.7, SHA-384 on 1.8.
PHOTO_HASHES: dict[int, HashAlgorithm] = {
    h.digest_size: h for h in (HashAlgorithm.SHA1, HashAlgorithm.SHA256, HashAlgorithm.SHA384)
}
