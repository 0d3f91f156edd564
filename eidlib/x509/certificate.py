"""Parsing a Belgian eID certificate into :class:`CardCertificate`.

``parse_certificate`` takes DER (with or without the zero padding the card files carry), PEM
(text lines before the PEM block are allowed), a ``cryptography`` certificate or an already
parsed :class:`CardCertificate`. Anything else raises :class:`CertificateError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Union

from asn1crypto import core as asn1
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from eidlib.belpic.der import declared_length
from eidlib.belpic.errors import BelpicFormatError
from eidlib.carddata.certificate import X509_PARSE_ERRORS
from eidlib.x509.errors import CertificateError
from eidlib.x509.policies import BelgianPolicy, HolderType, holder_type, lookup_policies

_PEM_MARKER = b"-----BEGIN CERTIFICATE-----"

_QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")

#: ETSI QcCompliance: the certificate is an EU qualified certificate.
QC_COMPLIANCE = "0.4.0.1862.1.1"

#: Known ETSI QC statement OIDs (EN 319 412-5) and their names.
QC_STATEMENT_NAMES: dict[str, str] = {
    QC_COMPLIANCE: "QcCompliance",
    "0.4.0.1862.1.2": "QcLimitValue",
    "0.4.0.1862.1.3": "QcRetentionPeriod",
    "0.4.0.1862.1.4": "QcSSCD",
    "0.4.0.1862.1.5": "QcPDS",
    "0.4.0.1862.1.6": "QcType",
    "0.4.0.194121.1.1": "id-etsi-qcs-semanticsId-Natural",
}


class CertificateRole(str, Enum):
    """What a certificate is on a Belgian eID card."""

    AUTHENTICATION = "authentication"
    SIGNATURE = "signature"
    CA = "ca"
    ROOT = "root"
    RRN = "rrn"
    UNKNOWN = "unknown"


class _QcStatement(asn1.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("statement_id", asn1.ObjectIdentifier),
        ("statement_info", asn1.Any, {"optional": True}),
    ]


class _QcStatements(asn1.SequenceOf):  # type: ignore[misc]
    _child_spec = _QcStatement


#: Anything ``parse_certificate`` accepts.
CertificateInput = Union["CardCertificate", x509.Certificate, bytes, bytearray, memoryview, str]


@dataclass(frozen=True)
class CardCertificate:
    """A parsed certificate with the fields a Belgian eID application needs.

    Times are timezone-aware UTC. ``national_number`` is the subject serialNumber of an
    authentication or signature certificate (the 11-digit national register number).
    """

    role: CertificateRole
    subject: str
    issuer: str
    serial_number: int
    common_name: str | None
    given_names: str | None
    surname: str | None
    national_number: str | None
    subject_serial_number: str | None
    key_type: str
    key_size: int
    curve: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    policy_oids: tuple[str, ...]
    policies: tuple[BelgianPolicy, ...]
    holder_type: HolderType | None
    key_usage: frozenset[str]
    extended_key_usage: tuple[str, ...]
    is_ca: bool
    path_length: int | None
    ocsp_urls: tuple[str, ...]
    ca_issuer_urls: tuple[str, ...]
    crl_urls: tuple[str, ...]
    qc_statements: tuple[str, ...]
    sha256_fingerprint: str
    der: bytes = field(repr=False)
    certificate: x509.Certificate = field(repr=False, compare=False)

    @property
    def is_self_issued(self) -> bool:
        """Subject and issuer names are equal (a root)."""
        return self.certificate.subject == self.certificate.issuer

    @property
    def is_qualified(self) -> bool:
        """The certificate carries the ETSI QcCompliance statement."""
        return QC_COMPLIANCE in self.qc_statements

    @property
    def qc_statement_names(self) -> tuple[str, ...]:
        """The QC statements by ETSI name (the dotted OID for unknown ones)."""
        return tuple(QC_STATEMENT_NAMES.get(oid, oid) for oid in self.qc_statements)

    def is_valid_at(self, when: dt.datetime) -> bool:
        """``not_before <= when <= not_after`` (naive ``when`` is taken as UTC)."""
        moment = as_utc(when)
        return self.not_before <= moment <= self.not_after


def as_utc(when: dt.datetime) -> dt.datetime:
    """Return ``when`` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def _der_length(data: bytes) -> int:
    """Total length of the DER certificate at the start of ``data``; raises CertificateError if malformed."""
    if data[:1] != b"\x30":
        raise CertificateError("not a DER certificate (no outer SEQUENCE)")
    try:
        return declared_length(data)
    except BelpicFormatError as exc:
        raise CertificateError(f"not a DER certificate ({exc})") from exc


def _load(data: CertificateInput) -> x509.Certificate:
    if isinstance(data, x509.Certificate):
        return data
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogateescape")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise CertificateError(f"cannot parse a certificate from {type(data).__name__}")
    try:
        marker = raw.find(_PEM_MARKER)
        if marker >= 0:
            return x509.load_pem_x509_certificate(raw[marker:])
        total = _der_length(raw)
        if total > len(raw):
            raise CertificateError("truncated DER certificate")
        if any(raw[total:]):
            raise CertificateError("trailing bytes after the DER certificate")
        return x509.load_der_x509_certificate(raw[:total])
    except CertificateError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _key_info(cert: x509.Certificate) -> tuple[str, int, str | None]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unknown", 0, None
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec", key.curve.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", 256, None
    if isinstance(key, ed448.Ed448PublicKey):
        return "ed448", 456, None
    if isinstance(key, dsa.DSAPublicKey):
        return "dsa", key.key_size, None
    return "unknown", 0, None


_KU_FLAGS: tuple[str, ...] = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def _key_usage(cert: x509.Certificate) -> frozenset[str]:
    ku = _ext(cert, x509.KeyUsage)
    if not isinstance(ku, x509.KeyUsage):
        return frozenset()
    flags = {flag for flag in _KU_FLAGS if getattr(ku, flag)}
    if ku.key_agreement:
        if ku.encipher_only:
            flags.add("encipher_only")
        if ku.decipher_only:
            flags.add("decipher_only")
    return frozenset(flags)


def _policy_oids(cert: x509.Certificate) -> tuple[str, ...]:
    policies = _ext(cert, x509.CertificatePolicies)
    if not isinstance(policies, x509.CertificatePolicies):
        return ()
    return tuple(p.policy_identifier.dotted_string for p in policies)


def _uris(names: list[x509.GeneralName] | None) -> list[str]:
    return [n.value for n in names or () if isinstance(n, x509.UniformResourceIdentifier)]


def _aia(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    aia = _ext(cert, x509.AuthorityInformationAccess)
    ocsp: list[str] = []
    issuers: list[str] = []
    if isinstance(aia, x509.AuthorityInformationAccess):
        for desc in aia:
            uri = _uris([desc.access_location])
            if desc.access_method == AuthorityInformationAccessOID.OCSP:
                ocsp += uri
            elif desc.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
                issuers += uri
    return tuple(ocsp), tuple(issuers)


def _crl_urls(cert: x509.Certificate) -> tuple[str, ...]:
    cdp = _ext(cert, x509.CRLDistributionPoints)
    urls: list[str] = []
    if isinstance(cdp, x509.CRLDistributionPoints):
        for point in cdp:
            urls += _uris(point.full_name)
    return tuple(urls)


def _qc_statements(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_oid(_QC_STATEMENTS_OID).value
    except x509.ExtensionNotFound:
        return ()
    if not isinstance(ext, x509.UnrecognizedExtension):
        return ()
    try:
        parsed = _QcStatements.load(ext.value, strict=True)
        return tuple(str(statement["statement_id"].dotted) for statement in parsed)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise CertificateError(f"malformed QC statements extension: {exc}") from exc


def _role(
    cert: x509.Certificate, is_ca: bool, key_usage: frozenset[str], policies: tuple[BelgianPolicy, ...]
) -> CertificateRole:
    if is_ca or ("key_cert_sign" in key_usage and "digital_signature" not in key_usage):
        return CertificateRole.ROOT if cert.subject == cert.issuer else CertificateRole.CA
    names = (_attr(cert.subject, NameOID.COMMON_NAME) or "", _attr(cert.subject, NameOID.ORGANIZATION_NAME) or "")
    if any("RRN" in n.split() for n in names) or any(p.usage.value == "rrn" for p in policies):
        return CertificateRole.RRN
    if "content_commitment" in key_usage:
        return CertificateRole.SIGNATURE
    if "digital_signature" in key_usage:
        return CertificateRole.AUTHENTICATION
    common_name = names[0]
    if common_name.endswith("(Signature)"):
        return CertificateRole.SIGNATURE
    if common_name.endswith("(Authentication)"):
        return CertificateRole.AUTHENTICATION
    return CertificateRole.UNKNOWN


def _build(cert: x509.Certificate) -> CardCertificate:
    der = cert.public_bytes(serialization.Encoding.DER)
    bc = _ext(cert, x509.BasicConstraints)
    is_ca = isinstance(bc, x509.BasicConstraints) and bc.ca
    path_length = bc.path_length if isinstance(bc, x509.BasicConstraints) else None
    key_usage = _key_usage(cert)
    eku = _ext(cert, x509.ExtendedKeyUsage)
    eku_oids = tuple(o.dotted_string for o in eku) if isinstance(eku, x509.ExtendedKeyUsage) else ()
    policy_oids = _policy_oids(cert)
    policies = lookup_policies(policy_oids)
    role = _role(cert, is_ca, key_usage, policies)
    key_type, key_size, curve = _key_info(cert)
    ocsp_urls, issuer_urls = _aia(cert)
    subject_serial = _attr(cert.subject, NameOID.SERIAL_NUMBER)
    holder = role in (CertificateRole.AUTHENTICATION, CertificateRole.SIGNATURE)
    return CardCertificate(
        role=role,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        common_name=_attr(cert.subject, NameOID.COMMON_NAME),
        given_names=_attr(cert.subject, NameOID.GIVEN_NAME),
        surname=_attr(cert.subject, NameOID.SURNAME),
        national_number=subject_serial if holder else None,
        subject_serial_number=subject_serial,
        key_type=key_type,
        key_size=key_size,
        curve=curve,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        policy_oids=policy_oids,
        policies=policies,
        holder_type=holder_type(policy_oids),
        key_usage=key_usage,
        extended_key_usage=eku_oids,
        is_ca=is_ca,
        path_length=path_length,
        ocsp_urls=ocsp_urls,
        ca_issuer_urls=issuer_urls,
        crl_urls=_crl_urls(cert),
        qc_statements=_qc_statements(cert),
        sha256_fingerprint=hashlib.sha256(der).hexdigest(),
        der=der,
        certificate=cert,
    )


def load_x509_certificate(data: CertificateInput) -> x509.Certificate:
    """Just the ``cryptography`` certificate of ``data`` (cheaper than :func:`parse_certificate`).

    Accepts the same inputs and raises :class:`CertificateError` the same way for unreadable
    input; extensions are not examined.
    """
    if isinstance(data, CardCertificate):
        return data.certificate
    return _load(data)


def parse_certificate(data: CertificateInput) -> CardCertificate:
    """Parse a certificate (DER, zero-padded DER, PEM, or a ``cryptography`` certificate).

    Raises :class:`CertificateError` for anything that is not a well-formed X.509 certificate,
    including malformed extensions.
    """
    if isinstance(data, CardCertificate):
        return data
    cert = _load(data)
    try:
        return _build(cert)
    except CertificateError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc


#: OIDs used by the purpose checks (dotted strings, as in ``extended_key_usage``).
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string
OCSP_SIGNING = ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string
