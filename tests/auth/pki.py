"""A small test PKI built with ``cryptography`` (root → citizen CA → auth/sign leaves) and a
software :class:`~eidlib.token.protocol.Token` that behaves like a card for ``authenticate()``."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from eidlib.token.errors import PinBlocked, PinFormatError, SecurityStatusNotSatisfied, WrongPin
from eidlib.token.protocol import CardCertificates, HashName, KeyName, PaddingName

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2034, 1, 1, tzinfo=dt.timezone.utc)
AUTH_POLICY = "2.16.56.12.1.1.2.2"
SIGN_POLICY = "2.16.56.12.1.1.2.1"


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    oids = {"surname": NameOID.SURNAME, "given": NameOID.GIVEN_NAME, "serial": NameOID.SERIAL_NUMBER}
    attrs += [x509.NameAttribute(oids[k], v) for k, v in extra.items()]
    return x509.Name(attrs)


def _sign_hash(key: PrivateKey) -> hashes.HashAlgorithm:
    return hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()


@dataclass(frozen=True)
class Ca:
    cert: x509.Certificate
    key: PrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def make_root(name: str = "Test Root CA") -> Ca:
    key = ec.generate_private_key(ec.SECP384R1())
    subject = _name(name)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(START - dt.timedelta(days=365))
        .not_valid_after(END + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_ku(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    return Ca(cert, key)


def _ca_ku() -> x509.KeyUsage:
    return x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def make_ca(root: Ca, name: str = "Test Citizen CA") -> Ca:
    key = ec.generate_private_key(ec.SECP384R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name(name)).issuer_name(root.cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(START - dt.timedelta(days=100)).not_valid_after(END + dt.timedelta(days=100))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_ku(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
            critical=False,
        )
        .sign(root.key, hashes.SHA384())
    )
    return Ca(cert, key)


def issue_leaf(
    ca: Ca,
    key: PrivateKey,
    *,
    role: str = "authentication",
    not_before: dt.datetime = START,
    not_after: dt.datetime = END,
    ocsp_url: str | None = None,
    eku: bool = True,
) -> x509.Certificate:
    auth = role == "authentication"
    ku = x509.KeyUsage(auth, not auth, False, False, False, False, False, False, False)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Alice Specimen ({role.title()})", surname="Specimen", given="Alice Anne",
                            serial="71715100070"))
        .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(ku, critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(
                AUTH_POLICY if auth else SIGN_POLICY), None)]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if eku and auth:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                        x509.UniformResourceIdentifier(ocsp_url))]
            ),
            critical=False,
        )
    return builder.sign(ca.key, hashes.SHA384())


@functools.cache
def default_pki() -> tuple[Ca, Ca]:
    root = make_root()
    return root, make_ca(root)


@functools.lru_cache(maxsize=4)
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


@dataclass
class SoftCard:
    """A software card: one PIN with a try counter, auth and sign keys, a record of calls.

    Behaves like the BELPIC applet for what ``authenticate()`` needs: VERIFY unlocks the auth key
    until LOG OFF; a status query never costs a try; a blocked PIN refuses VERIFY.
    """

    auth_key: PrivateKey
    auth_cert: x509.Certificate | None
    ca_cert: x509.Certificate | None = None
    sign_cert: x509.Certificate | None = None
    pin: str = "1234"
    tries_left: int = 3
    verified: bool = False
    calls: list[str] = field(default_factory=list)
    signed: list[bytes] = field(default_factory=list)

    def read_certificates(self) -> CardCertificates:
        self.calls.append("read_certificates")
        der = serialization.Encoding.DER
        return CardCertificates(
            authentication=self.auth_cert.public_bytes(der) if self.auth_cert else None,
            signature=self.sign_cert.public_bytes(der) if self.sign_cert else None,
            ca=self.ca_cert.public_bytes(der) if self.ca_cert else None,
            root=None,
        )

    def pin_tries_left(self) -> int | None:
        self.calls.append("pin_tries_left")
        return self.tries_left

    def transaction(self) -> AbstractContextManager[None]:
        return nullcontext()

    def verify_pin(self, pin: str | bytes | bytearray | None) -> None:
        self.calls.append("verify_pin")
        if pin is None:
            raise PinFormatError("no PIN pad")
        if self.tries_left == 0:
            raise PinBlocked()
        given = pin.encode("ascii") if isinstance(pin, str) else bytes(pin)
        if given != self.pin.encode("ascii"):
            self.tries_left -= 1
            self.verified = False
            if self.tries_left == 0:
                raise PinBlocked()
            raise WrongPin(self.tries_left)
        self.tries_left = 3
        self.verified = True

    def log_off(self) -> None:
        self.calls.append("log_off")
        self.verified = False

    def sign(
        self,
        data: bytes,
        *,
        key: KeyName = "authentication",
        hash: HashName | None = None,
        pin: str | None = None,
        prehashed: bool = False,
        padding_name: PaddingName = "pkcs1v15",
        **_: object,
    ) -> bytes:
        self.calls.append(f"sign:{key}")
        if key != "authentication":
            raise AssertionError("login must only use the authentication key")
        if not self.verified:
            raise SecurityStatusNotSatisfied("PIN not verified")
        assert hash is not None
        digest = data if prehashed else hashlib.new(hash, data).digest()
        self.signed.append(digest)
        algorithm = Prehashed(_HASHES[hash]())
        if isinstance(self.auth_key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(self.auth_key.sign(digest, ec.ECDSA(algorithm)))
            size = (self.auth_key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return self.auth_key.sign(digest, padding.PKCS1v15(), algorithm)


def soft_card(kind: str = "ec", **leaf_options: object) -> tuple[SoftCard, Ca, Ca]:
    root, ca = default_pki()
    key: PrivateKey = ec.generate_private_key(ec.SECP384R1()) if kind == "ec" else rsa_key()
    cert = issue_leaf(ca, key, **leaf_options)  # type: ignore[arg-type]
    sign_key = ec.generate_private_key(ec.SECP384R1())
    sign_cert = issue_leaf(ca, sign_key, role="signature")
    return SoftCard(auth_key=key, auth_cert=cert, ca_cert=ca.cert, sign_cert=sign_cert), root, ca
