"""The :class:`Token` protocol: everything both the direct card session and a PKCS#11 token offer.

:class:`eidlib.BeidCard` and :class:`eidlib.pkcs11.Pkcs11Token` both implement it, and raise the
same exception for the same failure (see :mod:`eidlib.token.errors`). Key roles and paddings are
``str`` enums, so the strings ``"authentication"``/``"signature"`` and ``"pkcs1v15"``/``"pss"``
keep working wherever an enum member is accepted.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

from eidlib.token.errors import NotSupported
from eidlib.token.pin import PinInput

if TYPE_CHECKING:
    from eidlib.carddata.address import Address
    from eidlib.carddata.identity import Identity
    from eidlib.carddata.integrity import IntegrityResult


class KeyRole(str, Enum):
    """The two cardholder keys: authentication (login, TLS) and signature (non-repudiation)."""

    AUTHENTICATION = "authentication"
    SIGNATURE = "signature"

    def __str__(self) -> str:
        return self.value


class Padding(str, Enum):
    """RSA signature padding; ECDSA keys take ``PKCS1V15`` (the default) only."""

    PKCS1V15 = "pkcs1v15"
    PSS = "pss"

    def __str__(self) -> str:
        return self.value


class PinEntry(str, Enum):
    """How the PIN reaches the token when the caller passes ``pin=None``."""

    #: The caller passes the PIN; ``pin=None`` works only after an earlier :meth:`Token.verify_pin`.
    KEYBOARD = "keyboard"
    #: The reader's PIN pad (or a PKCS#11 module's own dialog) asks the cardholder.
    PINPAD = "pinpad"

    def __str__(self) -> str:
        return self.value


#: A key role, as the enum or its string value.
KeyName = KeyRole | Literal["authentication", "signature"]
HashName = Literal["sha1", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"]
#: A padding, as the enum or its string value.
PaddingName = Padding | Literal["pkcs1v15", "pss"]

_Self = TypeVar("_Self", bound="Token")


def key_role(key: str) -> KeyRole:
    """The :class:`KeyRole` named by ``key``; anything else is :class:`NotSupported` (nothing sent)."""
    if isinstance(key, KeyRole):
        return key  # the signing hot path passes members: no enum lookup
    try:
        return KeyRole(key)
    except ValueError:
        raise NotSupported(f"unknown key {key!r}: use 'authentication' or 'signature'") from None


def padding_of(padding: str) -> Padding:
    """The :class:`Padding` named by ``padding``; anything else is :class:`NotSupported` (nothing sent)."""
    if isinstance(padding, Padding):
        return padding
    try:
        return Padding(padding)
    except ValueError:
        raise NotSupported(f"unknown padding {padding!r}: use 'pkcs1v15' or 'pss'") from None


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
    """What every eID token offers: card data, PIN, signatures, exclusive use.

    PINs are ``str``, ``bytes`` or ``bytearray`` (4 to 12 digits on a BELPIC token); they are
    copied into a ``bytearray`` at once and that copy is wiped after use (the caller's own
    ``bytearray`` is left to its owner). ``pin=None`` uses an earlier :meth:`verify_pin`, or the
    PIN pad when :attr:`pin_entry` is :attr:`PinEntry.PINPAD`; without either it raises
    :class:`~eidlib.token.errors.PinRequired`. After :meth:`close` every call raises
    :class:`~eidlib.token.errors.TokenClosed`.
    """

    @property
    def pin_entry(self) -> PinEntry:
        """Where ``pin=None`` takes the PIN from."""
        ...

    def __enter__(self: _Self) -> _Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def close(self) -> None:
        """End the session (idempotent)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive use of the token across several calls (nestable)."""
        ...

    def read_certificates(self) -> CardCertificates: ...

    def read_identity(self) -> Identity: ...

    def read_address(self) -> Address: ...

    def read_photo(self) -> bytes: ...

    def verify_integrity(self) -> IntegrityResult: ...

    def verify_pin(self, pin: PinInput) -> None: ...

    def change_pin(self, old: PinInput, new: PinInput) -> None: ...

    def pin_tries_left(self) -> int | None: ...

    def log_off(self) -> None: ...

    def sign(
        self,
        data: bytes,
        *,
        key: KeyName = KeyRole.AUTHENTICATION,
        hash: HashName | None = None,
        pin: PinInput = None,
        prehashed: bool = False,
        padding: PaddingName = Padding.PKCS1V15,
    ) -> bytes:
        """Sign; raw bytes: PKCS#1 for RSA, ``r || s`` for ECDSA.

        ``data`` is hashed with ``hash`` (the key's default when ``None``) unless ``prehashed``,
        in which case it is the digest and a wrong length raises
        :class:`~eidlib.token.errors.InvalidDigest` before the PIN is used.
        """
        ...

    def sign_der(
        self,
        data: bytes,
        *,
        key: KeyName = KeyRole.AUTHENTICATION,
        hash: HashName | None = None,
        pin: PinInput = None,
        prehashed: bool = False,
        padding: PaddingName = Padding.PKCS1V15,
    ) -> bytes:
        """Like :meth:`sign`, with ECDSA signatures DER-encoded (RSA signatures as they are)."""
        ...
