"""A throw-away test PKI shaped like the eID one: Root → Citizen CA → Authentication / Signature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
_START = _NOW - dt.timedelta(days=1)
_END = _NOW + dt.timedelta(days=3650)


def _name(common_name: str, serial: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if serial:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(parts)


@dataclass
class TestPki:
    """Root and issuing CA (EC P-384, like Belgium Root CA6); issues user certificates for any public key."""

    __test__ = False

    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey
    ca: x509.Certificate

    @classmethod
    def create(cls) -> TestPki:
        root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = _name("eidlib TEST Root CA")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_START)
            .not_valid_after(_END)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA384())
        )
        ca_key = ec.generate_private_key(ec.SECP384R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name("eidlib TEST Citizen CA", "202601"))
            .issuer_name(root_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_START)
            .not_valid_after(_END)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA384())
        )
        return cls(root_key, root, ca_key, ca)

    def issue(self, public_key: object, *, role: str, holder: str = "Test Specimen") -> x509.Certificate:
        """A user certificate; ``role`` is "Authentication" (digitalSignature, clientAuth) or "Signature"
        (nonRepudiation), as on the card."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{holder} ({role})", "71715100070"))
            .issuer_name(self.ca.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(_START)
            .not_valid_after(_END)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), critical=False
            )
        )
        if role == "Authentication":
            builder = builder.add_extension(_usage(digital_signature=True), critical=True).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
            )
        else:
            builder = builder.add_extension(_usage(content_commitment=True), critical=True)
        return builder.sign(self.ca_key, hashes.SHA384())

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def _usage(*, digital_signature: bool = False, content_commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=content_commitment, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
    )
