"""The :class:`Token` protocol: what both the direct card session and a PKCS#11 token offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

KeyName = Literal["authentication", "signature"]
HashName = Literal["sha1", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"]
PaddingName = Literal["pkcs1v15", "pss"]


@dataclass(frozen=True)
class CardCertificates:
    """The card's certificates as DER (zero padding removed); ``None`` where the card has none."""

    authentication: bytes | None
    signature: bytes | None
    ca: bytes | None
    root: bytes | None
    rrn: bytes | None = None


@runtime_checkable
class Token(Protocol):
    """Signing surface shared by :class:`eidlib.BeidCard` and :class:`eidlib.pkcs11.Pkcs11Token`.

    ``sign`` returns raw bytes: PKCS#1 signatures for RSA, ``r || s`` for ECDSA.
    It hashes ``data`` with ``hash`` unless ``prehashed`` is true, in which case
    ``data`` is the digest. ``pin=None`` uses an earlier :meth:`verify_pin`, or a
    PIN pad when the reader has one.
    """

    def read_certificates(self) -> CardCertificates: ...

    def verify_pin(self, pin: str | None) -> None: ...

    def pin_tries_left(self) -> int | None: ...

    def log_off(self) -> None: ...

    def sign(
        self,
        data: bytes,
        *,
        key: KeyName = "authentication",
        hash: HashName | None = None,
        pin: str | None = None,
        prehashed: bool = False,
        padding: PaddingName = "pkcs1v15",
    ) -> bytes: ...
