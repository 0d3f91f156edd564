"""Real signatures for PSO:CDS and INTERNAL AUTHENTICATE, per algorithm reference (spec §3.5, §3.6).

Applet 1.7 signs with RSA-2048: algorithm ``01`` pads whatever the host sends as
PKCS#1 v1.5 type 1; ``02``/``04``/``08`` take a bare SHA-1/MD5/SHA-256 hash and add
the DigestInfo; ``10``/``20`` are RSASSA-PSS with SHA-1/SHA-256 and a salt as long
as the hash. Applet 1.8 signs with ECDSA: the host always sends the hash and the
card answers plain ``r || s``.

Each signer answers ``(status word, signature)``; a refused request gives an empty
signature and the status word the card sends.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.apdu.status import SW
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.belpic.keys import ECDSA, ECDSA_ANY_HASH_SIZES, RSA_PKCS1_BARE, RSA_PSS, EcdsaAlgorithm, RsaAlgorithm
from eidlib.emulator.errors import EmulatorError

Result = tuple[int, bytes]
_REFUSED_LENGTH: Result = (SW.WRONG_LENGTH, b"")

RSA_ALGORITHMS = frozenset(RsaAlgorithm)

#: ECDSA algorithm reference → accepted hash lengths.
EC_HASH_LENGTHS: dict[int, frozenset[int]] = {
    **{ref: frozenset((hash_algorithm.digest_size,)) for hash_algorithm, ref in ECDSA.items()},
    EcdsaAlgorithm.ANY_HASH: ECDSA_ANY_HASH_SIZES,
}

# ECDSA only looks at the digest bytes, so any hash of the right size describes them.
_ECDSA_BY_LENGTH: dict[int, ec.ECDSA] = {
    h.digest_size: ec.ECDSA(utils.Prehashed(h.algorithm()))
    for h in (HashAlgorithm.SHA1, HashAlgorithm.SHA224, HashAlgorithm.SHA256, HashAlgorithm.SHA384,
              HashAlgorithm.SHA512)
}
_PKCS1_HASHES: dict[int, hashes.HashAlgorithm] = {ref: h.algorithm() for h, ref in RSA_PKCS1_BARE.items()}
_PSS_HASHES: dict[int, hashes.HashAlgorithm] = {ref: h.algorithm() for h, ref in RSA_PSS.items()}
#: DigestInfo prefixes (spec §3.5): an algorithm-01 request carrying one is signed through the library.
_DIGEST_INFO_PREFIXES: dict[bytes, HashAlgorithm] = {
    h.digest_info: h
    for h in (HashAlgorithm.MD5, HashAlgorithm.SHA1, HashAlgorithm.SHA224, HashAlgorithm.SHA256,
              HashAlgorithm.SHA384, HashAlgorithm.SHA512)
}
#: PKCS#1 v1.5 type-1 padding needs at least 11 bytes: 00 01, eight FF, 00.
_PKCS1_OVERHEAD = 11


class RsaSigner:
    """Signs for applet 1.7 with one RSA key."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.size = (key.key_size + 7) // 8
        self._numbers: rsa.RSAPrivateNumbers | None = None

    def sign(self, algorithm: int, data: bytes) -> Result:
        """PSO:CDS with an RSA algorithm reference."""
        if algorithm == RsaAlgorithm.PKCS1:
            return self._sign_padded(data)
        pkcs1_hash = _PKCS1_HASHES.get(algorithm)
        if pkcs1_hash is not None:
            if len(data) != pkcs1_hash.digest_size:
                return _REFUSED_LENGTH
            return SW.OK, self.key.sign(data, padding.PKCS1v15(), utils.Prehashed(pkcs1_hash))
        pss_hash = _PSS_HASHES.get(algorithm)
        if pss_hash is None:
            return SW.INCORRECT_DATA, b""
        if len(data) != pss_hash.digest_size:
            return _REFUSED_LENGTH
        pss = padding.PSS(mgf=padding.MGF1(pss_hash), salt_length=pss_hash.digest_size)
        return SW.OK, self.key.sign(data, pss, utils.Prehashed(pss_hash))

    def _sign_padded(self, data: bytes) -> Result:
        if not data or len(data) > self.size - _PKCS1_OVERHEAD:
            return _REFUSED_LENGTH
        for prefix, hash_algorithm in _DIGEST_INFO_PREFIXES.items():
            if data.startswith(prefix) and len(data) == len(prefix) + hash_algorithm.digest_size:
                # The same bytes as the raw path below, computed by OpenSSL (faster).
                prehashed = utils.Prehashed(hash_algorithm.algorithm())
                return SW.OK, self.key.sign(data[len(prefix):], padding.PKCS1v15(), prehashed)
        return SW.OK, self.raw_pkcs1(data)

    def authenticate(self, challenge: bytes) -> bytes:
        """INTERNAL AUTHENTICATE on 1.7: the challenge padded as PKCS#1 v1.5 type 1 and signed."""
        return self.raw_pkcs1(challenge)

    def raw_pkcs1(self, data: bytes) -> bytes:
        """PKCS#1 v1.5 type-1 padding of ``data`` and the RSA private operation (CRT)."""
        encoded = b"\x00\x01" + b"\xff" * (self.size - len(data) - 3) + b"\x00" + data
        numbers = self._numbers
        if numbers is None:
            numbers = self._numbers = self.key.private_numbers()
        m = int.from_bytes(encoded, "big")
        s1 = pow(m, numbers.dmp1, numbers.p)
        s2 = pow(m, numbers.dmq1, numbers.q)
        h = numbers.iqmp * (s1 - s2) % numbers.p
        return (s2 + h * numbers.q).to_bytes(self.size, "big")


class EcSigner:
    """Signs for applet 1.8 with one ECDSA key; the answer is plain ``r || s``."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self.key = key
        self.size = (key.curve.key_size + 7) // 8

    def sign(self, algorithm: int, data: bytes) -> Result:
        """PSO:CDS with an ECDSA algorithm reference: ``data`` is the hash."""
        lengths = EC_HASH_LENGTHS.get(algorithm)
        if lengths is None:
            return SW.INCORRECT_DATA, b""
        if len(data) not in lengths:
            return _REFUSED_LENGTH
        return SW.OK, self.sign_digest(data)

    def authenticate(self, challenge: bytes) -> bytes:
        """INTERNAL AUTHENTICATE on 1.8: the challenge is signed as a digest."""
        return self.sign_digest(challenge)

    def sign_digest(self, digest: bytes) -> bytes:
        """ECDSA over ``digest`` taken as the hash (no hashing on the card)."""
        der = self.key.sign(digest, _ECDSA_BY_LENGTH[len(digest)])
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(self.size, "big") + s.to_bytes(self.size, "big")


Signer = RsaSigner | EcSigner


def signer_for(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> Signer:
    """The signer matching a private key's type."""
    if isinstance(key, rsa.RSAPrivateKey):
        return RsaSigner(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return EcSigner(key)
    raise EmulatorError(f"unsupported card key type {type(key).__name__}")
