"""The one signature check of the tests: a token's raw signature verified with ``cryptography`` alone."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.token.ecdsa import ecdsa_raw_to_der

HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


def verify_signature(
    certificate: bytes | None,
    signature: bytes,
    data: bytes,
    hash_name: str | None = None,
    *,
    pss: bool = False,
    prehashed: bool = False,
) -> None:
    """Raise unless ``signature`` over ``data`` verifies with the certificate's key.

    RSA: PKCS#1 v1.5, or PSS with MGF1 of the same hash and a salt of the hash's length. ECDSA: raw
    ``r || s`` of twice the curve's coordinate size. ``hash_name=None`` is the card's default for the
    key (SHA-256 for RSA, SHA-384 for EC); ``prehashed``: ``data`` is already the digest.
    """
    assert certificate is not None, "the token has no such certificate"
    public = x509.load_der_x509_certificate(certificate).public_key()
    if hash_name is None:
        hash_name = "sha256" if isinstance(public, rsa.RSAPublicKey) else "sha384"
    algorithm = HASH_CLASSES[hash_name]()
    chosen: hashes.HashAlgorithm | utils.Prehashed = utils.Prehashed(algorithm) if prehashed else algorithm
    if isinstance(public, rsa.RSAPublicKey):
        assert len(signature) == (public.key_size + 7) // 8, "an RSA signature is as long as the modulus"
        pad = padding.PSS(padding.MGF1(algorithm), algorithm.digest_size) if pss else padding.PKCS1v15()
        public.verify(signature, data, pad, chosen)
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        assert len(signature) == 2 * ((public.curve.key_size + 7) // 8), "raw r || s"
        public.verify(ecdsa_raw_to_der(signature), data, ec.ECDSA(chosen))
