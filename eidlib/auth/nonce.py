"""Challenge nonces: 32 CSPRNG bytes in standard base64, and the client-side format check."""

from __future__ import annotations

import base64
import re
import secrets

from eidlib.auth.errors import InvalidChallenge

#: Random bytes per nonce (256 bits, Web eID ``NONCE_LENGTH``).
NONCE_BYTES = 32
#: Bounds the Web eID app enforces on the nonce text.
MIN_NONCE_LENGTH = 44
MAX_NONCE_LENGTH = 128

_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def generate_nonce() -> str:
    """A fresh challenge: 32 bytes from :mod:`secrets`, standard base64 (44 characters)."""
    return base64.b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii")


def check_nonce(nonce: str) -> str:
    """Return ``nonce`` if it is 44–128 characters of the base64 alphabet, else :class:`InvalidChallenge`.

    The nonce is signed as text, so it is not decoded; the check only bounds what the card is asked
    to sign (no server-chosen digests, auth-protocol spec §6.4).
    """
    if not isinstance(nonce, str):
        raise InvalidChallenge("challenge nonce must be a string")
    if not MIN_NONCE_LENGTH <= len(nonce) <= MAX_NONCE_LENGTH:
        raise InvalidChallenge(
            f"challenge nonce must be {MIN_NONCE_LENGTH} to {MAX_NONCE_LENGTH} characters, got {len(nonce)}"
        )
    if not _BASE64_TEXT.fullmatch(nonce):
        raise InvalidChallenge("challenge nonce must use the base64 alphabet")
    return nonce
