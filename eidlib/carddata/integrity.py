"""Checks of the identity, address and photo files against the National Register (spec §6.1).

Only signatures and hashes are checked here; chaining the RRN certificate to a
Belgian root is the trust layer's job, so the result hands the certificate back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.belpic.der import der_length, trim_der
from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.hashes import PHOTO_HASHES, HashAlgorithm
from eidlib.belpic.tlv import strip_padding
from eidlib.carddata.address import Address
from eidlib.carddata.certificate import certificate_public_key, load_der_certificate
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.carddata.identity import Identity
from eidlib.errors import CertificateError

#: The hashes an RSA RRN signature may name in its DigestInfo (SHA-1 on old cards, SHA-256 in the
#: CA4 era, a file re-signed with another hash); MD5 is never accepted.
_RSA_HASHES: tuple[HashAlgorithm, ...] = (
    HashAlgorithm.SHA1, HashAlgorithm.SHA224, HashAlgorithm.SHA256, HashAlgorithm.SHA384, HashAlgorithm.SHA512,
)  # fmt: skip
#: ECDSA signatures do not name their hash: the curve's own hash first, then the others seen.
_EC_HASHES: tuple[hashes.HashAlgorithm, ...] = (hashes.SHA384(), hashes.SHA256(), hashes.SHA512())


@dataclass(frozen=True)
class IntegrityResult:
    """What was verified. ``rrn_certificate`` is the DER the caller should chain to a Belgian root."""

    identity: Identity
    address: Address
    rrn_certificate: bytes
    hash_algorithm: str
    photo_verified: bool
    basic_key_verified: bool

    def certificate(self) -> x509.Certificate:
        """The RRN certificate, parsed (it was already loaded once by :func:`verify_integrity`)."""
        return load_der_certificate(self.rrn_certificate, what="the RRN certificate")


def _load_rrn(rrn_certificate: bytes) -> tuple[bytes, rsa.RSAPublicKey | ec.EllipticCurvePublicKey]:
    try:
        der = trim_der(rrn_certificate)
        key = certificate_public_key(der, what="the RRN certificate")
    except (BelpicFormatError, CertificateError, ValueError, UnsupportedAlgorithm) as exc:
        raise IntegrityError("rrn_certificate", f"not a usable certificate: {exc}") from exc
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise IntegrityError("rrn_certificate", "the RRN key is neither RSA nor EC")
    return der, key


def _rsa_signature_hash(key: rsa.RSAPublicKey, signature: bytes) -> HashAlgorithm | None:
    """The hash an RSA PKCS#1 v1.5 signature says it signs (its DigestInfo), ``None`` if unreadable.

    Verifying with that hash alone, rather than trying hashes in turn, follows the signature
    when the National Register re-made it with another hash.
    """
    numbers = key.public_numbers()
    size = (key.key_size + 7) // 8
    value = int.from_bytes(signature, "big")
    if len(signature) != size or value >= numbers.n:
        return None
    block = pow(value, numbers.e, numbers.n).to_bytes(size, "big")
    end = block.find(b"\x00", 2)
    if block[:2] != b"\x00\x01" or end < 10 or block[2:end].strip(b"\xff"):
        return None
    digest_info = block[end + 1 :]
    for algorithm in _RSA_HASHES:
        if digest_info.startswith(algorithm.digest_info) and len(digest_info) == (
            len(algorithm.digest_info) + algorithm.digest_size
        ):
            return algorithm
    return None


def _verify(
    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey, signature: bytes, data: bytes, file: str
) -> str:
    """Verify with the hash the signature names (RSA) or the hashes the RRN uses (EC); return its name."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        try:
            sig = signature[: der_length(signature)]
        except BelpicFormatError as exc:
            raise IntegrityError(file, f"not a DER ECDSA signature: {exc}") from exc
        for algo in _EC_HASHES:
            try:
                key.verify(sig, data, ec.ECDSA(algo))
                return algo.name
            except InvalidSignature:
                continue
    else:
        size = (key.key_size + 7) // 8
        if len(signature) > size and not signature[size:].strip(b"\x00"):
            signature = signature[:size]  # a short (1024-bit) signature in the fixed-size file
        named = _rsa_signature_hash(key, signature)
        if named is not None:
            try:
                key.verify(signature, data, padding.PKCS1v15(), named.algorithm())
                return named.value
            except (InvalidSignature, ValueError):
                pass
    raise IntegrityError(file, "the National Register signature does not verify")


def verify_integrity(
    *,
    identity: bytes,
    identity_signature: bytes,
    address: bytes,
    address_signature: bytes,
    rrn_certificate: bytes,
    photo: bytes | None = None,
    basic_public_key: bytes | None = None,
) -> IntegrityResult:
    """Check the raw card files; raise :class:`IntegrityError` naming the first file that fails.

    * identity: RRN signature over the whole file as read;
    * address: RRN signature over (address without trailing zeros) ‖ (identity signature file);
    * photo (when given): its SHA-1/256/384, chosen by the length of identity tag ``11``;
    * basic key (when given, applet 1.8): SHA-384 of EF 4040 equals identity tag ``1A``.
    """
    rrn_der, key = _load_rrn(rrn_certificate)
    hash_name = _verify(key, bytes(identity_signature), bytes(identity), "identity")
    _verify(key, bytes(address_signature), strip_padding(address) + bytes(identity_signature), "address")
    try:
        parsed_identity = Identity.parse(identity)
    except CardDataError as exc:
        raise IntegrityError("identity", f"signed but unparsable: {exc}") from exc
    try:
        parsed_address = Address.parse(address)
    except CardDataError as exc:
        raise IntegrityError("address", f"signed but unparsable: {exc}") from exc
    photo_ok = False
    if photo is not None:
        expected = parsed_identity.photo_hash
        if expected is None or len(expected) not in PHOTO_HASHES:
            raise IntegrityError("photo", "the identity file holds no usable photo hash")
        if PHOTO_HASHES[len(expected)].digest(photo) != expected:
            raise IntegrityError("photo", "the photo does not match the hash in the identity file")
        photo_ok = True
    key_ok = False
    if basic_public_key is not None:
        expected = parsed_identity.basic_key_hash
        if expected is None:
            raise IntegrityError("basic_public_key", "the identity file holds no basic key hash")
        if hashlib.sha384(basic_public_key).digest() != expected:
            raise IntegrityError("basic_public_key", "EF 4040 does not match the hash in the identity file")
        key_ok = True
    return IntegrityResult(parsed_identity, parsed_address, rrn_der, hash_name, photo_ok, key_ok)
