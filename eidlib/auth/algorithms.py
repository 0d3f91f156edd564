"""JWA signature algorithms of Web eID tokens: the allowlist, key matching, signed bytes, verification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.auth.errors import AlgorithmMismatch, SignatureInvalid, UnsupportedAlgorithm
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.token.ecdsa import ecdsa_raw_to_der

HashName = Literal["sha256", "sha384", "sha512"]
KeyKind = Literal["rsa", "rsa-pss", "ec"]

#: Smallest RSA modulus accepted for login.
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class JwaAlgorithm:
    """One allowlisted JWA name: its hash, key kind and (for ECDSA) the one curve it goes with."""

    name: str
    hash: HashName
    kind: KeyKind
    curve: str | None = None

    @property
    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """The ``cryptography`` hash object."""
        return HashAlgorithm(self.hash).algorithm()

    @property
    def digest_size(self) -> int:
        """Length of one hash output in bytes."""
        return self.hash_algorithm.digest_size



#: The allowlist (auth-protocol spec §1.2). Anything else — ``none``, ``HS256``, empty — is refused.
ALGORITHMS: dict[str, JwaAlgorithm] = {
    a.name: a
    for a in (
        JwaAlgorithm("RS256", "sha256", "rsa"),
        JwaAlgorithm("RS384", "sha384", "rsa"),
        JwaAlgorithm("RS512", "sha512", "rsa"),
        JwaAlgorithm("PS256", "sha256", "rsa-pss"),
        JwaAlgorithm("PS384", "sha384", "rsa-pss"),
        JwaAlgorithm("PS512", "sha512", "rsa-pss"),
        JwaAlgorithm("ES256", "sha256", "ec", "secp256r1"),
        JwaAlgorithm("ES384", "sha384", "ec", "secp384r1"),
        JwaAlgorithm("ES512", "sha512", "ec", "secp521r1"),
    )
}

_CURVE_TO_ALGORITHM = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def get_algorithm(name: object) -> JwaAlgorithm:
    """The allowlisted algorithm called ``name`` or :class:`UnsupportedAlgorithm`."""
    if not isinstance(name, str) or name not in ALGORITHMS:
        raise UnsupportedAlgorithm("unsupported signature algorithm")
    return ALGORITHMS[name]


def algorithm_for_key(key: object) -> JwaAlgorithm:
    """What the Web eID app picks for a certificate key: RSA → RS256, EC P-256/384/521 → ES256/384/512."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise AlgorithmMismatch(f"RSA key of {key.key_size} bits is too small for login")
        return ALGORITHMS["RS256"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        name = _CURVE_TO_ALGORITHM.get(key.curve.name)
        if name is None:
            raise AlgorithmMismatch(f"unsupported curve {key.curve.name}")
        return ALGORITHMS[name]
    raise AlgorithmMismatch("certificate key is neither RSA nor EC")


def check_key(algorithm: JwaAlgorithm, key: object) -> PublicKey:
    """Return ``key`` typed if ``algorithm`` fits it (type, curve, RSA size), else :class:`AlgorithmMismatch`."""
    if algorithm.kind == "ec":
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise AlgorithmMismatch(f"{algorithm.name} needs an EC key")
        if key.curve.name != algorithm.curve:
            raise AlgorithmMismatch(f"{algorithm.name} needs curve {algorithm.curve}, key is {key.curve.name}")
        return key
    if not isinstance(key, rsa.RSAPublicKey):
        raise AlgorithmMismatch(f"{algorithm.name} needs an RSA key")
    if key.key_size < MIN_RSA_BITS:
        raise AlgorithmMismatch(f"RSA key of {key.key_size} bits is too small for login")
    return key


def signed_message(origin: str, nonce: str, algorithm: JwaAlgorithm) -> bytes:
    """``H(origin) || H(nonce)``, both as UTF-8 text (auth-protocol spec §1.3). The verifier hashes it again."""
    new = getattr(hashlib, algorithm.hash)
    return bytes(new(origin.encode("utf-8")).digest() + new(nonce.encode("utf-8")).digest())


def ecdsa_signature_length(key: ec.EllipticCurvePublicKey) -> int:
    """Exact length of a raw ``r || s`` signature for ``key``'s curve: 2 × ⌈bits/8⌉."""
    return 2 * ((key.curve.key_size + 7) // 8)


def unverifiable_signature(key: PublicKey) -> bytes:
    """A well-formed signature value for ``key`` that verifies no message: ECDSA ``r = s = 1`` (raw),
    RSA ``2`` (not ``0`` or ``1``, whose powers need no computation). For warming a verification path up."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return (1).to_bytes(ecdsa_signature_length(key) // 2, "big") * 2
    return (2).to_bytes((key.key_size + 7) // 8, "big")


def raw_ecdsa_to_der(signature: bytes, key: ec.EllipticCurvePublicKey) -> bytes:
    """DER form of a raw ``r || s`` signature, refusing any other length (and so DER input)."""
    expected = ecdsa_signature_length(key)
    if len(signature) != expected:
        raise SignatureInvalid(f"ECDSA signature must be {expected} raw bytes (r||s), got {len(signature)}")
    half = expected // 2
    if not any(signature[:half]) or not any(signature[half:]):
        raise SignatureInvalid("ECDSA signature has a zero component")
    return ecdsa_raw_to_der(signature)


def verify_signature(algorithm: JwaAlgorithm, key: object, signature: bytes, message: bytes) -> None:
    """Verify a token signature over ``message``; :class:`SignatureInvalid` on any mismatch."""
    public_key = check_key(algorithm, key)
    hash_algorithm = algorithm.hash_algorithm
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            der = raw_ecdsa_to_der(signature, public_key)
            public_key.verify(der, message, ec.ECDSA(hash_algorithm))
            return
        if len(signature) != (public_key.key_size + 7) // 8:
            raise SignatureInvalid("RSA signature length does not match the key")
        if algorithm.kind == "rsa-pss":
            pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.DIGEST_LENGTH)
            public_key.verify(signature, message, pss, hash_algorithm)
        else:
            public_key.verify(signature, message, padding.PKCS1v15(), hash_algorithm)
    except InvalidSignature as exc:
        raise SignatureInvalid("signature does not verify; check that the origin and nonce are correct") from exc
