"""A software :class:`~eidlib.token.protocol.Token` that behaves like a card for ``authenticate()``, with its
certificates from the tests' PKI (:mod:`tests.support.pki`): a fixed root -> Citizen CA (P-384) valid around
2024-2034 and "Alice Specimen" leaves."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from eidlib.emulator.image import PrivateKey
from eidlib.token.errors import PinBlocked, PinFormatError, SecurityStatusNotSatisfied, WrongPin
from eidlib.token.protocol import CardCertificates, HashName, KeyName, PaddingName
from tests.support.pki import Issued, issue, new_key, rsa_key

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2034, 1, 1, tzinfo=dt.timezone.utc)
AUTH_POLICY = "2.16.56.12.1.1.2.2"
SIGN_POLICY = "2.16.56.12.1.1.2.1"


def issue_leaf(ca: Issued, key: PrivateKey, *, role: str = "authentication", not_before: dt.datetime = START,
               not_after: dt.datetime = END, ocsp_url: str | None = None, eku: bool = True) -> x509.Certificate:
    """Alice's ``role`` ("authentication" or "signature") certificate for ``key``; ``eku=False`` leaves EKU out."""
    auth = role == "authentication"
    return issue("auth" if auth else "sign", f"Alice Specimen ({role.title()})", ca, key=key,
                 not_before=not_before, not_after=not_after, ocsp_url=ocsp_url, eku=None if eku else (),
                 national_number="71715100070", given_name="Alice Anne",
                 policy=AUTH_POLICY if auth else SIGN_POLICY).cert


@functools.cache
def default_pki() -> tuple[Issued, Issued]:
    """The root and Citizen CA every soft card is issued by (the CA expires 100 days after :data:`END`)."""
    root = issue("root", "Test Root CA", key=new_key("p384"), not_before=START - dt.timedelta(days=365),
                 not_after=END + dt.timedelta(days=3650))
    ca = issue("ca", "Test Citizen CA", root, key=new_key("p384"), not_before=START - dt.timedelta(days=100),
               not_after=END + dt.timedelta(days=100))
    return root, ca


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


def soft_card(kind: str = "ec", **leaf_options: object) -> tuple[SoftCard, Issued, Issued]:
    root, ca = default_pki()
    key: PrivateKey = ec.generate_private_key(ec.SECP384R1()) if kind == "ec" else rsa_key()
    cert = issue_leaf(ca, key, **leaf_options)  # type: ignore[arg-type]
    sign_key = ec.generate_private_key(ec.SECP384R1())
    sign_cert = issue_leaf(ca, sign_key, role="signature")
    return SoftCard(auth_key=key, auth_cert=cert, ca_cert=ca.cert, sign_cert=sign_cert), root, ca
