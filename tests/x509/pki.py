"""A small, fast synthetic PKI (EC P-256) shaped like the Belgian one, for the trust-layer tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)
LONG_AGO = NOW - dt.timedelta(days=365)
FAR_AHEAD = NOW + dt.timedelta(days=3650)

Kind = Literal["root", "ca", "auth", "sign", "ocsp", "rrn", "plain"]


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _ku(kind: Kind) -> x509.KeyUsage | None:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )
    if kind in ("root", "ca"):
        flags.update(key_cert_sign=True, crl_sign=True)
    elif kind in ("auth", "ocsp"):
        flags.update(digital_signature=True)
    elif kind == "sign":
        flags.update(content_commitment=True)
    elif kind == "rrn":
        flags.update(digital_signature=True, content_commitment=True)
    else:
        return None
    return x509.KeyUsage(**flags)


_DEFAULT_EKU: dict[str, Sequence[x509.ObjectIdentifier]] = {
    "ca": (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION),
    "auth": (ExtendedKeyUsageOID.CLIENT_AUTH,),
    "ocsp": (ExtendedKeyUsageOID.OCSP_SIGNING,),
}


def issue(
    kind: Kind,
    common_name: str,
    issuer: Issued | None = None,
    *,
    not_before: dt.datetime = LONG_AGO,
    not_after: dt.datetime = FAR_AHEAD,
    key: ec.EllipticCurvePrivateKey | None = None,
    eku: Sequence[x509.ObjectIdentifier] | None = None,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
    national_number: str = "01050399864",
    serial_number: int | None = None,
    policy: str | None = None,
) -> Issued:
    """Issue a certificate of ``kind`` (self-signed when ``issuer`` is None)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if kind in ("auth", "sign"):
        attributes += [
            x509.NameAttribute(NameOID.SURNAME, "Specimen"),
            x509.NameAttribute(NameOID.GIVEN_NAME, "Nora Angèle"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, national_number),
        ]
    subject = x509.Name(attributes)
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
    )
    if kind in ("root", "ca"):
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=0 if kind == "ca" else None), critical=True
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    ku = _ku(kind)
    if ku is not None:
        builder = builder.add_extension(ku, critical=True)
    usages = eku if eku is not None else _DEFAULT_EKU.get(kind, ())
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if policy is not None:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]), critical=False
        )
    if ocsp_url is not None:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]
            ),
            critical=False,
        )
    if crl_url is not None:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


@dataclass(frozen=True)
class Pki:
    """Root -> Citizen CA -> auth/sign leaves, plus a delegated OCSP responder."""

    root: Issued
    ca: Issued
    auth: Issued
    sign: Issued
    responder: Issued


def make_pki(ocsp_url: str = "http://127.0.0.1:1/", crl_url: str = "http://127.0.0.1:1/ca.crl") -> Pki:
    """A fresh PKI whose leaves point at ``ocsp_url`` and whose CA points at ``crl_url``."""
    root = issue("root", "Test Root CA")
    ca = issue("ca", "Test Citizen CA", root, crl_url=crl_url)
    auth = issue("auth", "Nora Specimen (Authentication)", ca, ocsp_url=ocsp_url, policy="2.16.56.12.1.1.2.2")
    sign = issue("sign", "Nora Specimen (Signature)", ca, ocsp_url=ocsp_url, policy="2.16.56.12.1.1.2.1")
    responder = issue("ocsp", "Test OCSP Responder", ca)
    return Pki(root, ca, auth, sign, responder)
