"""Provision SoftHSM2 tokens like a Belgian eID (labels, CKA_IDs, certificates, data objects)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import PyKCS11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eidlib.token.protocol import CardCertificates
from tests.support.pki import Pki

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "12345678"
USER_PIN = "1234"
P384_PARAMS = bytes.fromhex("06052b81040022")


@dataclass
class Provisioned:
    """One provisioned token: its label, key kind, certificates and public keys."""

    label: str
    kind: str
    certificates: CardCertificates
    public_keys: dict[str, object] = field(default_factory=dict)


@dataclass
class SoftHsm:
    """The SoftHSM2 set-up of a test session."""

    module: str
    conf: Path
    pki: Pki
    tokens: dict[str, Provisioned]


def write_conf(directory: Path) -> Path:
    (directory / "tokens").mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    return conf


def _fresh_slot(lib: PyKCS11.PyKCS11Lib) -> int:
    for slot in lib.getSlotList(tokenPresent=True):
        if not lib.getTokenInfo(slot).flags & PyKCS11.CKF_TOKEN_INITIALIZED:
            return int(slot)
    raise RuntimeError("SoftHSM offers no uninitialised slot")


def _slot_of(lib: PyKCS11.PyKCS11Lib, label: str) -> int:
    for slot in lib.getSlotList(tokenPresent=True):
        if lib.getTokenInfo(slot).label.strip(" \0") == label:
            return int(slot)
    raise RuntimeError(f"token {label} not found after C_InitToken")


def _init_token(lib: PyKCS11.PyKCS11Lib, label: str, user_pin: str) -> PyKCS11.Session:
    lib.initToken(_fresh_slot(lib), SO_PIN, label.ljust(32))
    session = lib.openSession(_slot_of(lib, label), PyKCS11.CKF_RW_SESSION)
    session.login(SO_PIN, PyKCS11.CKU_SO)
    session.initPin(user_pin)
    session.logout()
    session.login(user_pin)
    return session


def _generate(
    session: PyKCS11.Session, kind: str, label: str, ckattr_id: bytes, *, always_authenticate: bool = False
) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    common_pub = [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
        (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, ckattr_id),
    ]
    private = [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
        (PyKCS11.CKA_SIGN, True), (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_EXTRACTABLE, False),
        (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, ckattr_id),
    ]
    if always_authenticate:
        private.append((PyKCS11.CKA_ALWAYS_AUTHENTICATE, True))
    if kind == "rsa":
        public = [*common_pub, (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (1, 0, 1))]
        pub, _ = session.generateKeyPair(public, private, mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR)
        modulus, exponent = session.getAttributeValue(pub, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
        return rsa.RSAPublicNumbers(
            int.from_bytes(bytes(exponent), "big"), int.from_bytes(bytes(modulus), "big")
        ).public_key()
    public = [*common_pub, (PyKCS11.CKA_EC_PARAMS, P384_PARAMS)]
    pub, _ = session.generateKeyPair(
        public, private, mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN, None)
    )
    (point,) = session.getAttributeValue(pub, [PyKCS11.CKA_EC_POINT])
    encoded = bytes(point)
    # CKA_EC_POINT is a DER OCTET STRING around the uncompressed point (97 bytes for P-384)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), encoded[2:])


def _store_certificate(session: PyKCS11.Session, label: str, ckattr_id: bytes, der: bytes, subject: bytes) -> None:
    session.createObject([
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
        (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, ckattr_id),
        (PyKCS11.CKA_VALUE, der), (PyKCS11.CKA_SUBJECT, subject),
    ])


def _store_data(session: PyKCS11.Session, label: str, value: bytes) -> None:
    session.createObject([
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, False),
        (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_VALUE, value),
    ])


def provision_eid(
    lib: PyKCS11.PyKCS11Lib,
    pki: Pki,
    label: str,
    kind: str,
    *,
    ids: dict[str, bytes],
    labels: dict[str, str],
    signature_always_authenticate: bool = False,
    data_objects: dict[str, bytes] | None = None,
) -> Provisioned:
    """One eID-like token: two key pairs with certificates, the CA and root, optional data objects."""
    session = _init_token(lib, label, USER_PIN)
    try:
        der = serialization.Encoding.DER
        keys: dict[str, object] = {}
        certs: dict[str, bytes] = {}
        for role in ("Authentication", "Signature"):
            public = _generate(
                session, kind, labels[role], ids[role],
                always_authenticate=signature_always_authenticate and role == "Signature",
            )
            cert = pki.certify(public, role)
            keys[role.lower()] = public
            certs[role] = cert.public_bytes(der)
            _store_certificate(session, labels[role], ids[role], certs[role], cert.subject.public_bytes())
        certs["CA"] = pki.ca.der
        certs["Root"] = pki.root.der
        _store_certificate(session, labels["CA"], ids["CA"], certs["CA"], pki.ca.cert.subject.public_bytes())
        _store_certificate(session, labels["Root"], ids["Root"], certs["Root"], pki.root.cert.subject.public_bytes())
        rrn = None
        for data_label, value in (data_objects or {}).items():
            _store_data(session, data_label, value)
            if data_label == "CERT_RN_FILE":
                rrn = value
        session.logout()
    finally:
        session.closeSession()
    return Provisioned(
        label,
        kind,
        CardCertificates(certs["Authentication"], certs["Signature"], certs["CA"], certs["Root"], rrn),
        keys,
    )


def provision_plain(lib: PyKCS11.PyKCS11Lib, label: str, user_pin: str) -> None:
    """A token with no eID objects (for PIN rules of non-BELPIC tokens)."""
    session = _init_token(lib, label, user_pin)
    session.logout()
    session.closeSession()


def eid_ids(native: bool) -> dict[str, bytes]:
    """CKA_IDs: one byte (OpenSC/SoftHSM style) or the official module's 8-byte little-endian CK_ULONG."""
    numbers = {"Authentication": 2, "Signature": 3, "CA": 4, "Root": 6}
    width = 8 if native else 1
    return {role: number.to_bytes(width, "little") for role, number in numbers.items()}


EID_LABELS = {"Authentication": "Authentication", "Signature": "Signature", "CA": "CA", "Root": "Root"}
OTHER_LABELS = {"Authentication": "key one", "Signature": "key two", "CA": "issuer", "Root": "anchor"}


def with_conf(conf: Path) -> dict[str, str]:
    """The environment for a SoftHSM2 process using ``conf``."""
    return {**os.environ, "SOFTHSM2_CONF": str(conf)}
