"""Client side: ``authenticate(pin, challenge=..., origin=...)`` makes a Web eID token with the card.

What the card signs is always derived here from (origin, nonce) — never a digest supplied by the
server — so a server cannot turn login into a signing oracle (auth-protocol spec §1.3, §6.4).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm

from eidlib.auth.algorithms import (
    JwaAlgorithm,
    algorithm_for_key,
    check_key,
    signed_message,
    unverifiable_signature,
    verify_signature,
)
from eidlib.auth.errors import (
    AuthError,
    NoAuthenticationCertificate,
    SignatureInvalid,
    UnsupportedFormat,
)
from eidlib.auth.nonce import check_nonce
from eidlib.auth.origin import normalize_origin
from eidlib.auth.token import APP_VERSION, FORMAT_1_0, FORMAT_1_1, AuthToken
from eidlib.carddata.certificate import certificate_public_key
from eidlib.errors import EidError
from eidlib.token.errors import PinBlocked, SecurityStatusNotSatisfied
from eidlib.token.pin import PinInput, held_pin, wipe
from eidlib.token.protocol import CardCertificates
from eidlib.x509.errors import CertificateError

if TYPE_CHECKING:
    from eidlib.token.protocol import Token

_log = logging.getLogger(__name__)

_FORMATS = (FORMAT_1_0, FORMAT_1_1)


def authenticate(
    pin: PinInput,
    *,
    challenge: str,
    origin: str,
    token: Token | None = None,
    format: str = FORMAT_1_0,
    allow_http_localhost: bool = False,
) -> AuthToken:
    """Sign a login challenge with the card's authentication key and return the Web eID token.

    Everything is checked before the card is touched: ``origin`` must be ``https://host[:port]``
    (normalised: punycode, lower case, no default port), ``challenge`` 44–128 base64 characters,
    ``pin`` 4–12 digits. ``pin=None`` lets a PIN-pad reader collect the PIN. Then: PIN status
    (a blocked PIN raises :class:`~eidlib.token.errors.PinBlocked` without any VERIFY), one VERIFY
    (never retried), the signature of ``H(H(origin) ‖ H(nonce))`` with the authentication key
    (ES384 on applet 1.8, RS256 on 1.7 — chosen from the certificate key), then LOG OFF, also when
    something failed. A ``bytearray`` PIN is zeroed before returning (a ``str`` cannot be wiped, so
    prefer a ``bytearray``).

    ``token`` is any :class:`~eidlib.token.protocol.Token`; by default the first Belgian eID card on
    PC/SC. ``format`` is ``web-eid:1.0`` or ``web-eid:1.1`` (adds the card's CA certificate as
    ``unverifiedIntermediateCertificates``). ``allow_http_localhost`` admits ``http://localhost``,
    ``http://127.0.0.1`` and ``http://[::1]`` origins for development portals.
    """
    wipe_after = pin if isinstance(pin, bytearray) else None
    try:
        with held_pin(pin) as pin_buffer:
            pin = None  # no frame of a failure keeps the caller's PIN (error reporters record locals)
            canonical_origin = normalize_origin(origin, allow_http_localhost=allow_http_localhost)
            nonce = check_nonce(challenge)
            if format not in _FORMATS:
                raise UnsupportedFormat(f"unsupported token format {format!r}")
            with _open_token(token) as card, card.transaction():
                return _sign_challenge(card, pin_buffer, canonical_origin, nonce, format)
    finally:
        if wipe_after is not None:
            wipe(wipe_after)


def _sign_challenge(
    card: Token, pin: bytearray | None, origin: str, nonce: str, format: str
) -> AuthToken:
    try:
        certificates: CardCertificates | None = card.read_certificates()
    except SecurityStatusNotSatisfied:
        # Some PKCS#11 modules (OpenSC on applet 1.7) show the certificates only after login.
        certificates = None
    # Checked before the PIN is asked, and reused after it.
    material = _login_material(certificates, format) if certificates is not None else None

    if card.pin_tries_left() == 0:
        raise PinBlocked("PIN blocked: have it unblocked at the municipality")
    failed = True
    try:
        card.verify_pin(pin)
        if material is None:
            material = _login_material(card.read_certificates(), format)
        certificate, public_key, algorithm, intermediates = material
        message = signed_message(origin, nonce, algorithm)
        signature = card.sign(message, key="authentication", hash=algorithm.hash)
        failed = False
    finally:
        _log_off(card, quiet=failed)
    try:
        # A self-check catches a card or token that signed something else (or badly encoded r||s).
        verify_signature(algorithm, public_key, signature, message)
    except SignatureInvalid as exc:
        raise AuthError("the card's signature does not verify with its own certificate") from exc
    return AuthToken(
        unverified_certificate=certificate,
        algorithm=algorithm.name,
        signature=signature,
        format=format,
        app_version=APP_VERSION,
        unverified_intermediate_certificates=intermediates,
    )


def _login_material(
    certificates: CardCertificates, format: str
) -> tuple[bytes, object, JwaAlgorithm, tuple[bytes, ...]]:
    """The authentication certificate, its key, the algorithm it implies and the 1.1 intermediates."""
    if not certificates.authentication:
        raise NoAuthenticationCertificate("the card has no authentication certificate")
    public_key, algorithm = _certificate_key(certificates.authentication)
    intermediates: tuple[bytes, ...] = ()
    if format == FORMAT_1_1:
        if not certificates.ca:
            raise NoAuthenticationCertificate("web-eid:1.1 needs the card's CA certificate, which is missing")
        intermediates = (certificates.ca,)
    return certificates.authentication, public_key, algorithm, intermediates


def _certificate_key(der: bytes) -> tuple[object, JwaAlgorithm]:
    """The public key of an authentication certificate and the algorithm it implies (loaded once per DER)."""
    try:
        public_key = certificate_public_key(der, what="the card's authentication certificate")
    except (CertificateError, ValueError, UnsupportedAlgorithm) as exc:
        raise NoAuthenticationCertificate("the card's authentication certificate cannot be parsed") from exc
    return public_key, algorithm_for_key(public_key)


def prepare_login(certificate: bytes) -> None:
    """Get the self-check of a login with this authentication certificate ready, without the card.

    A fresh process pays once for loading a key and for its first verification (OpenSSL fetches the
    algorithm, an RSA key builds its Montgomery context). This does both now — the key is loaded
    into the cache :func:`authenticate` uses, and the verification runs once on a signature that
    cannot verify — so the check after the card has signed runs warm. It is meant for the time
    the user types the PIN (a native messaging host calls it from a thread then). It never touches
    the card, and a certificate that cannot be used raises nothing here: the login reports it.
    """
    # SignatureInvalid is the expected outcome; any other refusal is the login's to report.
    with contextlib.suppress(EidError):
        public_key, algorithm = _certificate_key(certificate)
        verify_signature(algorithm, public_key, unverifiable_signature(check_key(algorithm, public_key)), b"")


@contextlib.contextmanager
def _open_token(token: Token | None) -> Iterator[Token]:
    if token is not None:
        yield token
        return
    from eidlib.opener import open_card

    with open_card() as card:
        yield card


def _log_off(card: Token, *, quiet: bool) -> None:
    if not quiet:
        card.log_off()
        return
    try:
        card.log_off()
    except EidError as exc:  # keep the original failure; the card state is reset on disconnect anyway
        _log.warning("LOG OFF after a failed login failed: %s", type(exc).__name__)
