"""What every benchmark signs and reads, and how long it measures (:class:`Budget`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from benchmarks.errors import BenchmarkError
from eidlib.belpic.files import CardFile
from eidlib.card.session import BeidCard
from eidlib.token.protocol import HashName

Profile = Literal["1.7", "1.8"]
PROFILES: tuple[Profile, ...] = ("1.7", "1.8")
#: The virtual cards' PIN (``VirtualCard`` default, and the pcscd harness cards).
PIN = "1234"
ORIGIN = "https://bench.example.be"
#: A fixed Web eID challenge (44 base64 characters).
NONCE = "YmVuY2htYXJrLWNoYWxsZW5nZS0wMTIzNDU2Nzg5YWI="
#: The hash each applet's authentication signature uses (RS256 / ES384).
HASH: dict[Profile, HashName] = {"1.7": "sha256", "1.8": "sha384"}
#: Bytes a signature answer carries: RSA-2048, P-384 r||s.
SIGNATURE_SIZE: dict[Profile, int] = {"1.7": 256, "1.8": 96}
#: Bytes of PSO data: the bare hash (1.7 algorithm 08, 1.8 algorithm 02).
PSO_PAYLOAD: dict[Profile, int] = {"1.7": 32, "1.8": 48}

#: "Read all": identity, address, photo, every certificate and the two RRN signatures.
READ_ALL_FILES: tuple[CardFile, ...] = (
    CardFile.IDENTITY,
    CardFile.IDENTITY_SIGNATURE,
    CardFile.ADDRESS,
    CardFile.ADDRESS_SIGNATURE,
    CardFile.PHOTO,
    CardFile.AUTHENTICATION_CERTIFICATE,
    CardFile.SIGNATURE_CERTIFICATE,
    CardFile.CA_CERTIFICATE,
    CardFile.ROOT_CERTIFICATE,
    CardFile.RRN_CERTIFICATE,
)


@dataclass(frozen=True)
class Budget:
    """Rounds, calls per round and warm-up calls of the timed loops."""

    rounds: int = 15
    inner: int = 10
    warmup: int = 3

    def scaled(self, inner: int) -> Budget:
        """The same rounds with ``inner`` calls per round (slow subjects), at most this budget's."""
        return Budget(self.rounds, max(1, min(inner, self.inner)), min(self.warmup, 2))


QUICK = Budget(rounds=2, inner=1, warmup=1)


def message(profile: Profile) -> bytes:
    """What a login signs: ``H(origin) || H(nonce)`` with the profile's hash."""
    name = HASH[profile]
    return hashlib.new(name, ORIGIN.encode()).digest() + hashlib.new(name, NONCE.encode()).digest()


def bare_signer(key: object, profile: Profile, data: bytes) -> Callable[[], bytes]:
    """The baseline: the same signature (key, hash, padding) straight from ``cryptography``."""
    if profile == "1.7" and isinstance(key, rsa.RSAPrivateKey):
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return lambda: key.sign(data, pkcs1, sha256)
    if profile == "1.8" and isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = ec.ECDSA(hashes.SHA384())
        return lambda: key.sign(data, algorithm)
    raise BenchmarkError(f"the authentication key of a {profile} card is a {type(key).__name__}")


def read_all(card: BeidCard) -> None:
    """Identity, address, photo, all certificates and the identity/address signatures."""
    card.read_identity()
    card.read_address()
    card.read_photo()
    card.read_certificates()
    card.read_files((CardFile.IDENTITY_SIGNATURE, CardFile.ADDRESS_SIGNATURE))
