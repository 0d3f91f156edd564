"""The card side of a TLS login: the PIN once, then one signature of the transcript hash per handshake.

:class:`TranscriptSigner` is the only object that calls :meth:`Token.sign` for TLS. It is reachable only
from the tlslite key objects (:mod:`eidlib.tls.keys`), which tlslite calls while it builds the
CertificateVerify message; so what the card signs is always a hash the TLS stack computed over the
handshake transcript, never bytes a caller or the server chose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from eidlib.errors import EidError
from eidlib.tls.adapter import PinBlocked, PinRequired, Token, check_pin, wipe
from eidlib.tls.errors import TlsError

_log = logging.getLogger(__name__)

#: Gives the PIN as a bytearray (wiped by the signer after use), or ``None`` for a PIN pad / module dialog.
PinSource = Callable[[], "bytearray | None"]

#: Digest sizes of the hashes TLS 1.2/1.3 CertificateVerify uses with a card key.
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class TranscriptSigner:
    """Signs handshake transcript hashes with the token's authentication key.

    ``pin`` is a ``bytearray`` (wiped when used), a callable returning one (asked at most once, when the
    server really requests a certificate), or ``None`` (PIN pad, or a token that is already logged in or
    shows its own dialog). The PIN is verified once per login and never retried; a wrong PIN ends
    the login with :class:`~eidlib.card.errors.WrongPin`. ``max_signatures`` bounds how many
    handshakes one login may sign (one CertificateVerify each).
    """

    def __init__(self, token: Token, pin: bytearray | PinSource | None, *, max_signatures: int = 1) -> None:
        self._token = token
        self._pin = pin
        self._pin_used = False
        self._max = max_signatures
        self.signatures = 0

    @property
    def used(self) -> bool:
        """Whether this login verified (or tried to verify) the PIN or signed: the card needs a LOG OFF."""
        return self._pin_used or self.signatures > 0

    @property
    def token(self) -> Token:
        """The token whose authentication key signs."""
        return self._token

    def sign_digest(self, digest: bytes, hash_name: str, padding: str) -> bytes:
        """The card's raw signature over ``digest`` (RSA PKCS#1 v1.5 or PSS, or ECDSA ``r || s``)."""
        if DIGEST_SIZES.get(hash_name) != len(digest):
            raise TlsError(f"refusing to sign: {len(digest)} bytes are not a {hash_name} transcript hash")
        if padding not in ("pkcs1v15", "pss"):
            raise TlsError(f"unknown padding {padding!r}")
        if self.signatures >= self._max:
            raise TlsError("this login has already signed its handshake; start a new login")
        self.signatures += 1
        self.unlock()
        return self._token.sign(
            bytes(digest), key="authentication", hash=hash_name,  # type: ignore[arg-type]
            prehashed=True, padding=padding,  # type: ignore[arg-type]
        )

    def unlock(self) -> None:
        """Verify the PIN now unless this login already did (some PKCS#11 tokens show no certificate before)."""
        if not self._pin_used:
            self._pin_used = True
            self._verify_once()

    def _verify_once(self) -> None:
        pin = self._pin() if callable(self._pin) else self._pin
        self._pin = None  # the source is used once, whatever happens next
        if pin is None:
            return
        try:
            check_pin(pin)
            if self._token.pin_tries_left() == 0:
                raise PinBlocked("PIN blocked: have it unblocked at the municipality")
            self._token.verify_pin(pin)
        finally:
            wipe(pin)

    def log_off(self) -> None:
        """End the card's verified state (called after every login, also a failed one)."""
        try:
            self._token.log_off()
        except EidError as exc:  # the login's own outcome matters more; a disconnect resets the card too
            _log.warning("LOG OFF after the TLS login failed: %s", type(exc).__name__)

    def wipe(self) -> None:
        """Wipe a PIN that was never used (the server did not ask for a certificate)."""
        if isinstance(self._pin, bytearray):
            wipe(self._pin)
        self._pin = None


__all__ = ["DIGEST_SIZES", "PinRequired", "PinSource", "TranscriptSigner"]
