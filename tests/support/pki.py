"""The tests' certificates: eID-shaped shortcuts over the one builder, :func:`eidlib.emulator.pki.issue`.

``issue(kind, common_name, issuer)`` gives a certificate of that kind the key
usage, extended key usage and basic constraints an eID certificate of the kind
has; every option (validity window, key, EKU, policy, OCSP/CRL URLs, serial)
can be set. :func:`make_pki` builds a fresh root -> Citizen CA ->
authentication/signature chain with a delegated OCSP responder, so two calls give
two unrelated PKIs (a foreign one). Keys are fresh EC keys (cheap) unless given;
RSA keys come from the emulator's key cache on disk (:func:`rsa_key`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eidlib.emulator.image import PrivateKey
from eidlib.emulator.pki import (
    POLICY_CITIZEN_AUTH,
    POLICY_CITIZEN_SIGN,
    CertifiedKey,
    KeyKind,
    key_usage,
    load_key,
)
from eidlib.emulator.pki import (
    issue as issue_certificate,
)

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)
LONG_AGO = NOW - dt.timedelta(days=365)
FAR_AHEAD = NOW + dt.timedelta(days=3650)

Kind = Literal["root", "ca", "auth", "sign", "ocsp", "rrn", "plain"]

_USAGE: dict[str, x509.KeyUsage] = {
    "root": key_usage(ca=True),
    "ca": key_usage(ca=True),
    "auth": key_usage(digital_signature=True),
    "ocsp": key_usage(digital_signature=True),
    "sign": key_usage(non_repudiation=True),
    "rrn": key_usage(digital_signature=True, non_repudiation=True),
}
_DEFAULT_EKU: dict[str, Sequence[x509.ObjectIdentifier]] = {
    "ca": (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION),
    "auth": (ExtendedKeyUsageOID.CLIENT_AUTH,),
    "ocsp": (ExtendedKeyUsageOID.OCSP_SIGNING,),
}
#: Seed of the tests' cached RSA keys (the emulator's cards use their own seed).
_RSA_SEED = "eidlib-tests"


def new_key(curve: Literal["p256", "p384"] = "p256") -> ec.EllipticCurvePrivateKey:
    """A fresh EC key (microseconds to make)."""
    return ec.generate_private_key(ec.SECP384R1() if curve == "p384" else ec.SECP256R1())


def rsa_key(bits: Literal[1024, 2048] = 2048) -> rsa.RSAPrivateKey:
    """An RSA key from the emulator's key cache (derived once, then read from disk)."""
    kind: KeyKind = "rsa2048" if bits == 2048 else "rsa1024"
    key = load_key(_RSA_SEED, f"rsa-{bits}", kind)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def certify(public_key: CertificatePublicKeyTypes, kind: Kind, common_name: str,
            issuer: CertifiedKey | PrivateKey, *, not_before: dt.datetime = LONG_AGO,
            not_after: dt.datetime = FAR_AHEAD, eku: Sequence[x509.ObjectIdentifier] | None = None,
            ocsp_url: str | None = None, crl_url: str | None = None, national_number: str = "01050399864",
            given_name: str = "Nora Angèle", serial_number: int | None = None,
            policy: str | None = None) -> x509.Certificate:
    """A certificate of ``kind`` for ``public_key``, issued by ``issuer`` (a private key: self-signed).

    Authentication and signature certificates carry the card's name attributes
    (surname Specimen, ``given_name``, ``national_number``); ``eku=()`` leaves the
    EKU out.
    """
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if kind in ("auth", "sign"):
        attributes += [
            x509.NameAttribute(NameOID.SURNAME, "Specimen"),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, national_number),
        ]
    is_ca = kind in ("root", "ca")
    return issue_certificate(
        x509.Name(attributes), public_key, issuer, serial=serial_number or x509.random_serial_number(),
        not_before=not_before, not_after=not_after, usage=_USAGE.get(kind),
        eku=eku if eku is not None else _DEFAULT_EKU.get(kind, ()), ca=True if is_ca else None,
        path_length=0 if kind == "ca" else None, subject_key_id=is_ca,
        policy=x509.ObjectIdentifier(policy) if policy else None, crl_url=crl_url, ocsp_url=ocsp_url,
    )


def issue(kind: Kind, common_name: str, issuer: CertifiedKey | None = None, *, key: PrivateKey | None = None,
          not_before: dt.datetime = LONG_AGO, not_after: dt.datetime = FAR_AHEAD,
          eku: Sequence[x509.ObjectIdentifier] | None = None, ocsp_url: str | None = None,
          crl_url: str | None = None, national_number: str = "01050399864", given_name: str = "Nora Angèle",
          serial_number: int | None = None, policy: str | None = None) -> Issued:
    """A certificate of ``kind`` with its key (a fresh P-256 key unless ``key``); self-signed without ``issuer``."""
    key = key or new_key()
    certificate = certify(key.public_key(), kind, common_name, issuer or key, not_before=not_before,
                          not_after=not_after, eku=eku, ocsp_url=ocsp_url, crl_url=crl_url,
                          national_number=national_number, given_name=given_name, serial_number=serial_number,
                          policy=policy)
    return Issued(certificate, key)


class Issued(CertifiedKey):
    """A :class:`~eidlib.emulator.pki.CertifiedKey` with the short names the tests use."""

    @property
    def cert(self) -> x509.Certificate:
        return self.certificate

    @property
    def key(self) -> PrivateKey:
        return self.private_key

    @property
    def der(self) -> bytes:
        return self.cert_der()

    @property
    def pem(self) -> bytes:
        return self.cert_pem()


@dataclass(frozen=True)
class Pki:
    """Root -> Citizen CA -> auth/sign leaves, plus a delegated OCSP responder."""

    root: Issued
    ca: Issued
    auth: Issued
    sign: Issued
    responder: Issued

    def certify(self, public_key: CertificatePublicKeyTypes, role: str) -> x509.Certificate:
        """A holder's ``role`` ("Authentication" or "Signature") certificate for a key held elsewhere
        (a SoftHSM token), issued by :attr:`ca`."""
        authentication = role == "Authentication"
        policy = POLICY_CITIZEN_AUTH if authentication else POLICY_CITIZEN_SIGN
        return certify(public_key, "auth" if authentication else "sign", f"Nora Specimen ({role})", self.ca,
                       policy=policy.dotted_string)


def make_pki(ocsp_url: str = "http://127.0.0.1:1/", crl_url: str = "http://127.0.0.1:1/ca.crl") -> Pki:
    """A fresh PKI whose leaves point at ``ocsp_url`` and whose CA points at ``crl_url``."""
    root = issue("root", "Test Root CA")
    ca = issue("ca", "Test Citizen CA", root, crl_url=crl_url)
    auth_policy, sign_policy = POLICY_CITIZEN_AUTH.dotted_string, POLICY_CITIZEN_SIGN.dotted_string
    auth = issue("auth", "Nora Specimen (Authentication)", ca, ocsp_url=ocsp_url, policy=auth_policy)
    sign = issue("sign", "Nora Specimen (Signature)", ca, ocsp_url=ocsp_url, policy=sign_policy)
    responder = issue("ocsp", "Test OCSP Responder", ca)
    return Pki(root, ca, auth, sign, responder)
