"""A pyHanko :class:`~pyhanko.sign.signers.Signer` whose private key lives on an eidlib token.

The non-repudiation ("signature") key is the default; the card's rule applies to it: the PIN is
asked from the PIN source for *each* signature and MSE → VERIFY → PSO is sent with nothing in
between (the token does that when it gets the PIN). The PIN is never kept by this object.
The authentication key is used only when asked for. Every signature is verified against the
token's certificate before pyHanko embeds it.
"""

from __future__ import annotations

from collections.abc import Callable

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from eidlib.carddata.certificate import load_der_certificate
from eidlib.signing.pdf.adapter import (
    CardCertificates,
    HashName,
    KeyName,
    NotSupported,
    PaddingName,
    PinInput,
    Token,
    ecdsa_raw_to_der,
    wipe,
)
from eidlib.signing.pdf.errors import SignatureMismatch, SignerCertificateError

#: Gives the PIN for one signature (``None``: the reader's PIN pad asks). Called once per signature;
#: a ``bytearray`` it returns is wiped as soon as the token has it.
PinSource = Callable[[], PinInput]

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def asn1_certificate(der: bytes, what: str) -> asn1_x509.Certificate:
    try:
        certificate = asn1_x509.Certificate.load(der)
        # the parts pyHanko reads; a full .native parse costs milliseconds per certificate
        certificate.public_key.algorithm  # noqa: B018
        certificate.subject.native  # noqa: B018
        certificate.issuer.native  # noqa: B018
    except (ValueError, TypeError) as exc:
        raise SignerCertificateError(f"the token's {what} certificate is not valid DER: {exc}") from exc
    return certificate


def pss_mechanism(hash_name: str) -> algos.SignedDigestAlgorithm:
    # What the card makes (applet 1.7): MGF1 with the same hash, salt as long as the digest.
    return algos.SignedDigestAlgorithm(
        {
            "algorithm": "rsassa_pss",
            "parameters": algos.RSASSAPSSParams(
                {
                    "hash_algorithm": {"algorithm": hash_name},
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash_name}},
                    "salt_length": HASHES[hash_name].digest_size,
                }
            ),
        }
    )


class TokenSigner(Signer):
    """pyHanko signer over ``token``'s ``key``; ``pin_source`` is asked once for every signature."""

    def __init__(
        self,
        token: Token,
        *,
        pin_source: PinSource,
        key: KeyName = "signature",
        hash: HashName | None = None,
        padding: PaddingName = "pkcs1v15",
        certificates: CardCertificates | None = None,
    ) -> None:
        certs = certificates if certificates is not None else token.read_certificates()
        leaf_der = certs.signature if key == "signature" else certs.authentication
        if leaf_der is None:
            raise SignerCertificateError(f"the token has no {key} certificate")
        leaf = asn1_certificate(leaf_der, key)
        self.key_algorithm = leaf.public_key.algorithm
        if self.key_algorithm not in ("rsa", "ec"):
            raise NotSupported(f"unsupported key type {self.key_algorithm!r} in the {key} certificate")
        chosen: str = hash if hash is not None else ("sha384" if self.key_algorithm == "ec" else "sha256")
        if chosen not in HASHES:
            raise NotSupported(f"PDF signatures use SHA-256, SHA-384 or SHA-512, not {chosen!r}")
        if padding == "pss" and self.key_algorithm != "rsa":
            raise NotSupported("PSS padding applies to RSA keys only")
        self.hash_name: HashName = chosen  # type: ignore[assignment]  # checked against HASHES above
        self.padding: PaddingName = padding
        self.key: KeyName = key
        self.token = token
        self.leaf_der = leaf_der
        self.chain_der: tuple[bytes, ...] = tuple(c for c in (certs.ca, certs.root) if c is not None)
        self._pin_source = pin_source
        registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_certificate(der, "CA") for der in self.chain_der]
        )
        mechanism = pss_mechanism(chosen) if padding == "pss" else None
        super().__init__(
            signing_cert=leaf, cert_registry=registry, signature_mechanism=mechanism, embed_roots=True
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        """Sign ``data`` on the token (``dry_run``: a placeholder of the right size, card untouched)."""
        if dry_run:
            return placeholder_signature(self.leaf_der)
        if digest_algorithm != self.hash_name:
            raise NotSupported(f"asked for {digest_algorithm}, the signer was set up for {self.hash_name}")
        return self.sign_now(data)

    def sign_now(self, data: bytes) -> bytes:
        """Sign ``data`` (hashed here with :attr:`hash_name`) and return the signature as CMS stores it."""
        pin = self._pin_source()
        try:
            raw = self.token.sign(data, key=self.key, hash=self.hash_name, pin=pin, padding=self.padding)
        finally:
            if isinstance(pin, bytearray):
                wipe(pin)
            del pin  # never kept beyond this signature
        signature = ecdsa_raw_to_der(raw) if self.key_algorithm == "ec" else raw
        self.check_signature(signature, data)
        return signature

    def check_signature(self, signature: bytes, data: bytes) -> None:
        """Fail closed: a signature that does not verify with the certificate is never embedded."""
        check_signature(self.leaf_der, signature, data, self.hash_name, self.padding)


def placeholder_signature(leaf_der: bytes) -> bytes:
    """Bytes as long as the longest signature the key can make (for pyHanko's size estimate)."""
    public = load_der_certificate(leaf_der).public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return bytes((public.key_size + 7) // 8)
    if isinstance(public, ec.EllipticCurvePublicKey):
        size = (public.curve.key_size + 7) // 8
        return ecdsa_raw_to_der(b"\xff" * (2 * size))  # the longest DER form
    raise NotSupported("unsupported public key in the signing certificate")


def check_signature(leaf_der: bytes, signature: bytes, data: bytes, hash_name: str, padding: PaddingName) -> None:
    """Raise :class:`SignatureMismatch` unless ``signature`` (ECDSA: DER) over ``data`` verifies with ``leaf_der``."""
    public = load_der_certificate(leaf_der).public_key()
    algorithm = HASHES[hash_name]()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            pad: rsa_padding.AsymmetricPadding = (
                rsa_padding.PSS(rsa_padding.MGF1(algorithm), algorithm.digest_size)
                if padding == "pss"
                else rsa_padding.PKCS1v15()
            )
            public.verify(signature, data, pad, algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(algorithm))
        else:
            raise NotSupported("unsupported public key in the signing certificate")
    except (InvalidSignature, ValueError):
        raise SignatureMismatch("the signature does not verify with the signing certificate") from None
