"""Signing certificates in ``web-eid:1.1`` tokens (``unverifiedSigningCertificates``) and their checks.

A 1.1 token may carry the user's signing certificate with the signature algorithms the card can do, so
a site can prepare a signature without a second round trip. The token signature does not cover them,
so the validator accepts one only if it belongs to the authenticated person: same subject and issuer as
the authentication certificate, non-repudiation key usage, and a valid chain to the site's anchors.
Its revocation is checked when it is used to sign, not at login (Web eID architecture).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm as CryptoUnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from eidlib.auth.canonical_base64 import decode as b64_decode
from eidlib.auth.canonical_base64 import encode as b64_encode
from eidlib.auth.errors import AuthError, TokenParseError
from eidlib.carddata.certificate import load_der_certificate
from eidlib.errors import EidError
from eidlib.x509.chain import validate_chain
from eidlib.x509.truststore import TrustStore

_FIELD = "signing certificate field"

#: Web eID hash function names and the eidlib (hashlib) names of those the card layer can sign.
HASH_FUNCTIONS: dict[str, str | None] = {
    "SHA-224": None,
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "SHA3-224": None,
    "SHA3-256": "sha3_256",
    "SHA3-384": "sha3_384",
    "SHA3-512": "sha3_512",
}
#: Digest length of each Web eID hash function, in bytes.
DIGEST_SIZES: dict[str, int] = {
    "SHA-224": 28, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64,
    "SHA3-224": 28, "SHA3-256": 32, "SHA3-384": 48, "SHA3-512": 64,
}  # fmt: skip
#: The key role Belgian certificates append to the holder's common name.
_ROLE_SUFFIX = re.compile(r" \((?:Authentication|Signature)\)$")
CRYPTO_ALGORITHMS = frozenset({"ECC", "RSA"})
PADDING_SCHEMES = frozenset({"NONE", "PKCS1.5", "PSS"})
#: At most this many signing certificates (and intermediates per certificate) in one token.
MAX_SIGNING_CERTIFICATES = 4
MAX_INTERMEDIATES = 4


class SigningCertificateInvalid(AuthError):
    """A signing certificate of a 1.1 token does not belong with the authentication certificate."""


@dataclass(frozen=True)
class SignatureAlgorithm:
    """One ``{cryptoAlgorithm, hashFunction, paddingScheme}`` triple of the Web eID protocol."""

    crypto_algorithm: str
    hash_function: str
    padding_scheme: str

    def to_dict(self) -> dict[str, str]:
        """The JSON object as Web eID spells it."""
        return {
            "cryptoAlgorithm": self.crypto_algorithm,
            "hashFunction": self.hash_function,
            "paddingScheme": self.padding_scheme,
        }

    @classmethod
    def from_dict(cls, data: object) -> SignatureAlgorithm:
        """Strict parse; :class:`TokenParseError` for a missing or unknown member."""
        if not isinstance(data, dict):
            raise TokenParseError("a supported signature algorithm must be an object")
        crypto, hash_function, padding = (data.get(k) for k in ("cryptoAlgorithm", "hashFunction", "paddingScheme"))
        if crypto not in CRYPTO_ALGORITHMS or hash_function not in HASH_FUNCTIONS or padding not in PADDING_SCHEMES:
            raise TokenParseError("unsupported signature algorithm")
        return cls(str(crypto), str(hash_function), str(padding))


@dataclass(frozen=True)
class SigningCertificate:
    """One entry of ``unverifiedSigningCertificates``: DER certificate, algorithms, optional intermediates."""

    certificate: bytes
    supported_signature_algorithms: tuple[SignatureAlgorithm, ...]
    intermediate_certificates: tuple[bytes, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON object as Web eID spells it."""
        out: dict[str, Any] = {
            "certificate": b64_encode(self.certificate),
            "supportedSignatureAlgorithms": [a.to_dict() for a in self.supported_signature_algorithms],
        }
        if self.intermediate_certificates:
            out["intermediateCertificates"] = [b64_encode(c) for c in self.intermediate_certificates]
        return out

    @classmethod
    def from_dict(cls, data: object) -> SigningCertificate:
        """Strict parse of one entry; :class:`TokenParseError` on anything malformed."""
        if not isinstance(data, dict):
            raise TokenParseError("a signing certificate entry must be an object")
        certificate = b64_decode(data.get("certificate"), "certificate", what=_FIELD)
        raw_algorithms = data.get("supportedSignatureAlgorithms")
        if not isinstance(raw_algorithms, list) or not raw_algorithms:
            raise TokenParseError("'supportedSignatureAlgorithms' field is missing or empty")
        if len(raw_algorithms) > 2 * len(HASH_FUNCTIONS) * len(PADDING_SCHEMES):
            raise TokenParseError("too many supported signature algorithms")
        algorithms = tuple(SignatureAlgorithm.from_dict(a) for a in raw_algorithms)
        intermediates: tuple[bytes, ...] = ()
        if "intermediateCertificates" in data:
            raw = data["intermediateCertificates"]
            if not isinstance(raw, list) or not raw or len(raw) > MAX_INTERMEDIATES:
                raise TokenParseError(f"'intermediateCertificates' must be a list of 1 to {MAX_INTERMEDIATES} items")
            intermediates = tuple(b64_decode(c, "intermediateCertificates", what=_FIELD) for c in raw)
        return cls(certificate, algorithms, intermediates)


def parse_signing_certificates(value: object) -> tuple[SigningCertificate, ...]:
    """The ``unverifiedSigningCertificates`` list of a token: 1 to 4 well-formed entries."""
    if not isinstance(value, list) or not value or len(value) > MAX_SIGNING_CERTIFICATES:
        raise TokenParseError(
            f"'unverifiedSigningCertificates' must be a list of 1 to {MAX_SIGNING_CERTIFICATES} items"
        )
    return tuple(SigningCertificate.from_dict(v) for v in value)


def supported_signature_algorithms(certificate: bytes) -> tuple[SignatureAlgorithm, ...]:
    """What a Belgian eID signing key can do, from its certificate's key: every hash the card layer
    signs, ``PKCS1.5`` for RSA, ``NONE`` for ECC (the Web eID app's convention)."""
    try:
        key = load_der_certificate(certificate).public_key()
    except (ValueError, CryptoUnsupportedAlgorithm) as exc:
        raise SigningCertificateInvalid("the signing certificate cannot be parsed") from exc
    if isinstance(key, rsa.RSAPublicKey):
        crypto, padding = "RSA", "PKCS1.5"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        crypto, padding = "ECC", "NONE"
    else:
        raise SigningCertificateInvalid("the signing certificate key is neither RSA nor EC")
    return tuple(SignatureAlgorithm(crypto, name, padding) for name, ours in HASH_FUNCTIONS.items() if ours)


def signing_certificate_entry(certificate: bytes) -> SigningCertificate:
    """The token entry for a card's signing certificate."""
    return SigningCertificate(certificate, supported_signature_algorithms(certificate))


def check_signing_certificates(
    entries: Iterable[SigningCertificate],
    authentication_certificate: x509.Certificate,
    *,
    trust: TrustStore,
    now: dt.datetime,
    intermediates: Iterable[bytes] = (),
) -> tuple[x509.Certificate, ...]:
    """Check each signing certificate against the (already validated) authentication certificate.

    Same subject, same issuer (name and authority key identifier), non-repudiation key usage, and a
    chain to ``trust`` valid at ``now``, built from the entry's own intermediates and ``intermediates``
    (the token's, which served the authentication certificate: the issuer is the same);
    :class:`SigningCertificateInvalid` names the first failure. Returns the parsed certificates.
    """
    shared = tuple(intermediates)
    checked: list[x509.Certificate] = []
    for entry in entries:
        cert = _load(entry.certificate)
        if _person(cert.subject) != _person(authentication_certificate.subject):
            raise SigningCertificateInvalid("signing certificate subject does not match the authentication certificate")
        if cert.issuer != authentication_certificate.issuer or _aki(cert) != _aki(authentication_certificate):
            raise SigningCertificateInvalid("signing certificate has another issuer than the login certificate")
        try:
            key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound as exc:
            raise SigningCertificateInvalid("signing certificate has no key usage") from exc
        if not key_usage.content_commitment:
            raise SigningCertificateInvalid("signing certificate key usage lacks non-repudiation")
        try:
            validate_chain(cert, entry.intermediate_certificates + shared, trust=trust, now=now, purpose="signature")
        except EidError as exc:
            raise SigningCertificateInvalid(f"signing certificate chain does not validate: {exc}") from exc
        checked.append(cert)
    return tuple(checked)


def _person(name: x509.Name) -> list[tuple[str, str]]:
    """A subject with the key role taken out of the common name.

    Belgian eID certificates name the key in the CN ("Emma Specimen (Authentication)" / "... (Signature)"),
    so an exact subject comparison (what Web eID's validators do) would refuse every Belgian card; every
    other attribute (serial number = national number, names, country) must be identical.
    """
    out: list[tuple[str, str]] = []
    for attribute in name:
        value = attribute.value if isinstance(attribute.value, str) else attribute.value.hex()
        if attribute.oid == NameOID.COMMON_NAME:
            value = _ROLE_SUFFIX.sub("", value)
        out.append((attribute.oid.dotted_string, value))
    return out


def _aki(cert: x509.Certificate) -> bytes:
    try:
        value = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound as exc:
        raise SigningCertificateInvalid("certificate has no authority key identifier") from exc
    if not value.key_identifier:
        raise SigningCertificateInvalid("certificate has no authority key identifier")
    return value.key_identifier


def _load(der: bytes) -> x509.Certificate:
    try:
        cert = load_der_certificate(der)
        # cryptography parses lazily: make malformed names and extensions fail here, typed.
        cert.subject, cert.issuer, cert.extensions  # noqa: B018
    except ValueError as exc:
        raise SigningCertificateInvalid("signing certificate is not a valid DER X.509 certificate") from exc
    return cert
