"""tlslite-ng key objects whose private operation is the card's signature.

tlslite-ng hands a client key the bytes to sign when it builds CertificateVerify (checked against
tlslite-ng 0.8): for RSA PKCS#1 v1.5 in TLS 1.2 the DigestInfo of the transcript hash (no ``hashAlg``),
for RSA-PSS the transcript hash with ``hashAlg`` and ``saltLen``, for ECDSA the transcript hash (TLS 1.2)
or the hash of the TLS 1.3 signature context, with ``hashAlg``. Each case becomes one prehashed
:meth:`Token.sign` call through :class:`~eidlib.tls.signer.TranscriptSigner`. tlslite-ng verifies the
result with the public half before sending it, which catches a card that signed something else.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from eidlib.tls.adapter import DIGEST_INFO_PREFIXES
from eidlib.tls.backend import Python_ECDSAKey, Python_RSAKey
from eidlib.tls.errors import NoCommonSignatureScheme
from eidlib.tls.signer import DIGEST_SIZES, TranscriptSigner

#: The curve's own hash first: TLS 1.3 binds ECDSA schemes to the curve, and TLS 1.2 truncates otherwise.
CURVE_HASHES = {"secp256r1": "sha256", "secp384r1": "sha384", "secp521r1": "sha512"}
_TLSLITE_CURVES = {"secp256r1": "NIST256p", "secp384r1": "NIST384p", "secp521r1": "NIST521p"}


class CardRsaKey(Python_RSAKey):  # type: ignore[misc]
    """An RSA public key whose ``sign`` asks the card (PKCS#1 v1.5 or PSS with a SHA-256 salt)."""

    def __init__(self, public_key: rsa.RSAPublicKey, signer: TranscriptSigner) -> None:
        numbers = public_key.public_numbers()
        super().__init__(numbers.n, numbers.e)
        self._signer = signer

    def hasPrivateKey(self) -> bool:
        return True

    def sign(self, bytes: Any, padding: str = "pkcs1", hashAlg: str | None = None,
             saltLen: int | None = None) -> bytearray:
        data = bytes_of(bytes)
        if padding == "pkcs1":
            if hashAlg is None:
                hash_name, digest = split_digest_info(data)
            else:
                hash_name, digest = hashAlg, data
            return bytearray(self._signer.sign_digest(digest, hash_name, "pkcs1v15"))
        if padding == "pss" and hashAlg is not None:
            if saltLen != DIGEST_SIZES.get(hashAlg):
                raise NoCommonSignatureScheme("the card's RSA-PSS salt is as long as the hash")
            return bytearray(self._signer.sign_digest(data, hashAlg, "pss"))
        raise NoCommonSignatureScheme(f"the card cannot make an RSA {padding} signature")

    def _rawPrivateKeyOp(self, message: int) -> int:
        # Reached only if tlslite asked for a raw RSA operation (decryption): the card refuses that.
        raise NoCommonSignatureScheme("the card's key only signs TLS transcript hashes")


class CardEcdsaKey(Python_ECDSAKey):  # type: ignore[misc]
    """An ECDSA public key whose ``sign`` asks the card; the card's ``r || s`` is DER-encoded for TLS."""

    def __init__(self, public_key: ec.EllipticCurvePublicKey, signer: TranscriptSigner) -> None:
        curve = _TLSLITE_CURVES.get(public_key.curve.name)
        if curve is None:
            raise NoCommonSignatureScheme(f"curve {public_key.curve.name} is not supported for TLS")
        numbers = public_key.public_numbers()
        super().__init__(numbers.x, numbers.y, curve)
        # tlslite's TLS 1.2 code reads the curve size from ``private_key.curve``; the public key has it.
        self.private_key = self.public_key
        self._signer = signer
        self.hash_name = CURVE_HASHES[public_key.curve.name]
        self._size = (public_key.curve.key_size + 7) // 8

    def hasPrivateKey(self) -> bool:
        return True

    def _sign(self, data: Any, hAlg: str) -> bytearray:
        raw = self._signer.sign_digest(bytes_of(data), hAlg, "pkcs1v15")
        if len(raw) != 2 * self._size:
            raise NoCommonSignatureScheme(f"the card returned {len(raw)} bytes, not an r||s pair")
        r = int.from_bytes(raw[: self._size], "big")
        s = int.from_bytes(raw[self._size :], "big")
        return bytearray(encode_dss_signature(r, s))

    def _hashAndSign(self, data: Any, hAlg: str) -> bytearray:
        raise NoCommonSignatureScheme("the card's key only signs TLS transcript hashes")


def bytes_of(value: Any) -> bytes:
    """tlslite passes ``bytearray``; the card layer takes ``bytes``."""
    return bytes(value)


def split_digest_info(data: bytes) -> tuple[str, bytes]:
    """(hash name, digest) of a PKCS#1 v1.5 DigestInfo for a hash TLS uses."""
    for name in DIGEST_SIZES:
        prefix = DIGEST_INFO_PREFIXES[name]
        if data.startswith(prefix) and len(data) == len(prefix) + DIGEST_SIZES[name]:
            return name, data[len(prefix) :]
    raise NoCommonSignatureScheme("the bytes to sign are not a SHA-2 DigestInfo")
