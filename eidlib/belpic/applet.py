"""What an applet version can do, read once from GET CARD DATA (and the ATR): the :class:`Applet` object.

Every version question of the host — key algorithm, extended card data, PSS, the basic key,
the pause before a ``6Cxx`` resend — is answered here and nowhere else, the way yubikit's
sessions read their application's version once and gate features on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from eidlib.belpic.atr import Generation, atr_generation
from eidlib.belpic.card_data import (
    APPLET_VERSION_OFFSET,
    BASIC_LENGTH,
    GLOBAL_OS_VERSION_OFFSET,
    AppletVersion,
)
from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.hashes import HashAlgorithm

KeyAlgorithm = Literal["rsa", "ec"]

#: Global OS version (card data bytes 22-23) after which eid-mw pauses before a 6Cxx resend.
_PAUSING_OS_VERSION = 0x0001
_P384_COORDINATE = 48
#: ``r || s`` lengths of the curves the 1.8 applet supports: P-256, P-384, P-521 (spec §6.2).
EC_SIGNATURE_SIZES = frozenset((64, 96, 132))
_RSA_2048 = 256
_RSA_1024 = 128
#: The pause eid-mw takes before a 6Cxx resend on old cards (spec §3.2, §3.7).
WRONG_LE_PAUSE = 0.05


@dataclass(frozen=True, order=True)
class Version:
    """An applet version byte (``0x18``) that prints as ``"1.8"`` and compares as a number."""

    raw: int

    @property
    def major(self) -> int:
        """The high nibble (``1``)."""
        return self.raw >> 4

    @property
    def minor(self) -> int:
        """The low nibble (``8``)."""
        return self.raw & 0x0F

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __eq__(self, other: object) -> bool:
        # Equal to the raw byte too, so code written when ``CardData.applet_version`` was an int still works.
        if isinstance(other, Version):
            return self.raw == other.raw
        if isinstance(other, int):
            return self.raw == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.raw)


V17 = Version(AppletVersion.V17)
V18 = Version(AppletVersion.V18)


def expects_extended_card_data(atr: bytes) -> bool:
    """Whether to ask for the extended GET CARD DATA first, before the version is known (1.8 ATR)."""
    return atr_generation(atr) == "1.8"


@dataclass(frozen=True)
class Applet:
    """The facts of one card's applet, derived from its GET CARD DATA answer (and ATR)."""

    version: Version
    global_os_version: int
    generation_by_atr: Generation | None = None
    #: The user keys as their certificate shows them (algorithm, bits), when the session read it:
    #: it decides over the version byte (a re-keyed 1.7 card has EC keys, a 1.8 card may be P-256).
    user_key: tuple[KeyAlgorithm, int] | None = None

    @classmethod
    def from_card_data(cls, raw: bytes, atr: bytes = b"") -> Applet:
        """Read the version bytes of a GET CARD DATA answer (28 or 31 bytes)."""
        if len(raw) < BASIC_LENGTH:
            raise BelpicFormatError(f"GET CARD DATA answer of {len(raw)} bytes is too short")
        return cls(
            version=Version(raw[APPLET_VERSION_OFFSET]),
            global_os_version=int.from_bytes(raw[GLOBAL_OS_VERSION_OFFSET : GLOBAL_OS_VERSION_OFFSET + 2], "big"),
            generation_by_atr=atr_generation(atr),
        )

    @cached_property
    def key_algorithm(self) -> KeyAlgorithm | None:
        """``"ec"`` on 1.8, ``"rsa"`` up to 1.7; another version goes by the ATR; ``None`` when unknown.

        This is the one fallback rule for a version byte eidlib has not seen; a key certificate
        read by the session (:meth:`with_user_key`) decides over it.
        """
        if self.user_key is not None:
            return self.user_key[0]
        if self.version == V18:
            return "ec"
        if self.version <= V17:
            return "rsa"
        if self.generation_by_atr is not None:
            return "ec" if self.generation_by_atr == "1.8" else "rsa"
        return None

    @cached_property
    def default_hash(self) -> HashAlgorithm:
        """SHA-384 for EC keys, SHA-256 for RSA keys.

        Also SHA-384 on a P-256 key (ECDSA cuts the hash to the curve size), so the default does
        not change with whether the key's certificate was read; name ``hash`` to sign otherwise.
        """
        return HashAlgorithm.SHA384 if self.key_algorithm == "ec" else HashAlgorithm.SHA256

    @cached_property
    def extended_card_data(self) -> bool:
        """``80 E4 00 01``: card data with the PIN tries (1.8)."""
        return self.version == V18

    @cached_property
    def pss(self) -> bool:
        """RSASSA-PSS references ``10``/``20`` (1.7 only)."""
        return self.version == V17

    @cached_property
    def card_adds_sha256_digest_info(self) -> bool:
        """PKCS#1 reference ``08`` (bare SHA-256 hash): from 1.7 on; older cards take ``01`` + DigestInfo."""
        return self.version >= V17

    @cached_property
    def basic_key(self) -> bool:
        """INTERNAL AUTHENTICATE with a published basic key and EF 4040 (1.8)."""
        return self.version == V18

    @cached_property
    def signature_size(self) -> int:
        """Bytes of a user-key signature: ``r || s`` of P-384 (96) on 1.8; the RSA modulus otherwise
        (2048 bits from 1.7 on; older applets had 1024- or 2048-bit keys, so the session asks the
        key's certificate there and this 1024-bit figure is the last resort)."""
        if self.user_key is not None:
            algorithm, bits = self.user_key
            return 2 * ((bits + 7) // 8) if algorithm == "ec" else (bits + 7) // 8
        if self.key_algorithm == "ec":
            return 2 * _P384_COORDINATE
        return _RSA_2048 if self.version >= V17 else _RSA_1024

    @cached_property
    def free_pin_status(self) -> bool:
        """VERIFY with Lc=0 tells the tries left without costing one: from 1.7 on (on 1.1 it counts
        as a wrong PIN, RM17 §6.5)."""
        return self.version >= V17

    @cached_property
    def user_key_from_certificate(self) -> bool:
        """Whether only the key's certificate tells how to sign with it: up to 1.7 (pre-1.7 cards had
        1024- or 2048-bit RSA keys, a re-keyed 1.7 card has EC keys under the RSA version byte).
        On 1.8 the keys are EC whatever the curve, and any curve's ``r || s`` is taken as it comes."""
        return self.user_key is None and self.version <= V17

    def with_user_key(self, algorithm: KeyAlgorithm, bits: int) -> Applet:
        """These facts with the user keys as a certificate shows them."""
        return replace(self, user_key=(algorithm, bits))

    @cached_property
    def wrong_le_pause(self) -> float:
        """Seconds to wait before a ``6Cxx`` resend: 50 ms on the V1 cards whose bytes 22-23 are ``00 01``.

        eid-mw pauses whenever those bytes are ``00 01``, which 1.8 cards share; the pause is for the
        old cards only (spec §3.2, §3.7), so applets from 1.7 on are not slowed by it (five 6Cxx in a
        read-all would cost a 1.8 card a quarter of a second).
        """
        old_card = self.version < V17
        return WRONG_LE_PAUSE if old_card and self.global_os_version == _PAUSING_OS_VERSION else 0.0
