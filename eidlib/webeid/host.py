"""The native messaging host: version message, one command, one reply, exit.

What the card signs is decided here and nowhere else: for ``authenticate`` the Web eID message built by
:func:`eidlib.auth.authenticate` from the origin and nonce (the page never supplies bytes to sign), for
``sign`` the digest of the command with the signature key, only after a PIN entered for that signature
in a dialog that shows the origin, and only if the card holds the certificate the command names.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.auth.algorithms import unverifiable_signature
from eidlib.auth.client import authenticate, prepare_login
from eidlib.auth.errors import AuthError
from eidlib.auth.signing_certificates import HASH_FUNCTIONS, signing_certificate_entry, supported_signature_algorithms
from eidlib.auth.token import FORMAT_1_0, FORMAT_1_1
from eidlib.carddata.certificate import certificate_public_key
from eidlib.errors import EidError
from eidlib.webeid import card_access as card
from eidlib.webeid import pinentry
from eidlib.webeid.errors import (
    CertificateMismatch,
    CommandError,
    MessageError,
    PinEntryError,
    PinEntryTimeout,
    UserCancelled,
    WebEidHostError,
)
from eidlib.webeid.framing import read_message, write_message
from eidlib.webeid.protocol import (
    CANCELLED_MESSAGE,
    FATAL_MESSAGE,
    NATIVE_FATAL,
    USER_CANCELLED,
    USER_TIMEOUT,
    VERSION,
    Authenticate,
    Command,
    GetSigningCertificate,
    Quit,
    Sign,
    error_reply,
    parse_command,
)

_log = logging.getLogger(__name__)

_HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384, "SHA-512": hashes.SHA512,
    "SHA3-256": hashes.SHA3_256, "SHA3-384": hashes.SHA3_384, "SHA3-512": hashes.SHA3_512,
}  # fmt: skip


@dataclass(frozen=True)
class HostOptions:
    """How the host finds the card and asks for PINs, and its time limits (seconds)."""

    source: card.CardSource = dataclasses.field(default_factory=card.CardSource)
    pinentry: str | None = None
    pin_timeout: float = 120.0
    command_timeout: float = 30.0


def run_host(options: HostOptions, *, stdin: int = 0, stdout: int = 1) -> int:
    """Serve one extension connection on the given file descriptors; returns the exit status.

    The version message goes out before anything slow happens: the extension waits for it (5 s at most)
    before it sends a command, so work done before it would only move latency, not save it.
    Every failure becomes an error reply; nothing but framed JSON is ever written to ``stdout``.
    """
    try:
        write_message(stdout, {"version": VERSION})
    except OSError:
        return 1  # the browser is gone
    try:
        reply = execute(parse_command(read_message(stdin, timeout=options.command_timeout)), options)
    except BaseException as exc:  # every failure, even an unexpected one, must become a reply
        reply = reply_for(exc)
        if not isinstance(exc, Exception):
            _write(stdout, reply)
            raise
    return 0 if _write(stdout, reply) else 1


def _write(stdout: int, reply: dict[str, Any]) -> bool:
    try:
        try:
            write_message(stdout, reply)
        except MessageError as exc:
            write_message(stdout, reply_for(exc))
    except OSError:
        return False
    return True


def execute(command: Command, options: HostOptions) -> dict[str, Any]:
    """Run one parsed command against the card and return the success reply."""
    if isinstance(command, Quit):
        return {}
    with card.open_token(options.source) as token:
        if isinstance(command, Authenticate):
            return _authenticate(token, command, options)
        if isinstance(command, GetSigningCertificate):
            return _signing_certificate(token, command, options)
        return _sign(token, command, options)


def _authenticate(token: card.Token, command: Authenticate, options: HostOptions) -> dict[str, Any]:
    facts = _card_facts(token)
    certificates = facts.certificates
    if not certificates.authentication:
        raise WebEidHostError("the card has no authentication certificate")
    if command.signing_certificate and not certificates.signature:
        raise WebEidHostError("the card has no signing certificate")
    pin = _ask_pin(facts, options, certificates.authentication, command.origin, "authentication",
                   f"{command.origin} asks you to log in with your eID card.", "Log in",
                   meanwhile=partial(prepare_login, certificates.authentication))
    result = authenticate(
        pin, challenge=command.challenge_nonce, origin=command.origin, token=token,
        format=FORMAT_1_1 if command.signing_certificate else FORMAT_1_0,
    )
    if command.signing_certificate and certificates.signature:
        result = dataclasses.replace(
            result, unverified_signing_certificates=(signing_certificate_entry(certificates.signature),)
        )
    return result.to_dict()


def _signing_certificate(token: card.Token, command: GetSigningCertificate, options: HostOptions) -> dict[str, Any]:
    certificates = token.read_certificates()
    if not certificates.signature:
        raise WebEidHostError("the card has no signing certificate")
    holder = card.holder_name(certificates.signature)
    pinentry.confirm(
        pinentry.PinPrompt(
            title="eID: share signing certificate",
            description=f"{command.origin} asks for the signing certificate of {holder}"
            " (it shows your name and national number).",
            ok="Share",
        ),
        program=options.pinentry,
        timeout=options.pin_timeout,
    )
    return {
        "certificate": base64.b64encode(certificates.signature).decode("ascii"),
        "supportedSignatureAlgorithms": [a.to_dict() for a in supported_signature_algorithms(certificates.signature)],
    }


def _sign(token: card.Token, command: Sign, options: HostOptions) -> dict[str, Any]:
    hash_name = HASH_FUNCTIONS.get(command.hash_function)
    if hash_name is None:
        raise CommandError(f"the card cannot sign {command.hash_function} hashes")
    facts = _card_facts(token)
    certificates = facts.certificates
    if not certificates.signature or certificates.signature != command.certificate:
        raise CertificateMismatch("the card does not hold the signing certificate named in the request")
    algorithm = next(
        a for a in supported_signature_algorithms(certificates.signature) if a.hash_function == command.hash_function
    )
    pin = _ask_pin(facts, options, certificates.signature, command.origin, "signature",
                   f"{command.origin} asks you to SIGN a document with your eID card"
                   f" ({command.hash_function} {command.digest.hex()[:16]}…).", "Sign",
                   meanwhile=partial(_prepare_check, certificates.signature, command.hash_function))
    signature = card.sign_digest(token, command.digest, hash_name=hash_name, pin=pin)
    _check_signature(certificates.signature, signature, command)
    return {"signature": base64.b64encode(signature).decode("ascii"), "signatureAlgorithm": algorithm.to_dict()}


@dataclass(frozen=True)
class _CardFacts:
    """What the checks and the PIN dialog of one command need from the card."""

    certificates: card.CardCertificates
    tries_left: int | None
    pinpad: bool


def _card_facts(token: card.Token) -> _CardFacts:
    """Certificates, PIN tries left and PIN pad, read in one PC/SC transaction (not one per question).

    The transaction ends here, before any dialog: the card is never held while the user types.
    """
    with token.transaction():
        return _CardFacts(token.read_certificates(), token.pin_tries_left(), card.has_pinpad(token))


def _ask_pin(
    facts: _CardFacts, options: HostOptions, certificate: bytes, origin: str, key: str, request: str, ok: str,
    *, meanwhile: Callable[[], None],
) -> bytearray | None:
    """The PIN for one operation: the PIN pad (``None``) or one pinentry dialog. Never retried here.

    ``meanwhile`` (preparing the check of the card's signature) runs while the dialog is open.
    """
    tries = facts.tries_left
    if tries == 0:
        raise card.PinBlocked("PIN blocked: have it unblocked at the municipality")
    if facts.pinpad:
        return None
    lines = [request, "", f"Key: {key}", f"Holder: {card.holder_name(certificate)}"]
    if tries is not None:
        lines.append(f"Tries left: {tries}")
    warning = "Last try: a wrong PIN now blocks the card." if tries == 1 else None
    prompt = pinentry.PinPrompt(
        title=f"eID PIN ({key})", description="\n".join(lines), prompt="PIN:", ok=ok, error=warning
    )
    prepare = _Meanwhile(meanwhile)
    try:
        return pinentry.get_pin(prompt, program=options.pinentry, timeout=options.pin_timeout, waiting=prepare.start)
    finally:
        prepare.wait()


#: How long a finished dialog waits for the work done meanwhile; that work only saves time later, so
#: a slow one is left to end on its own (its thread is a daemon) rather than hold the reply.
_MEANWHILE_WAIT = 1.0


class _Meanwhile:
    """Work done in a thread while the user types a PIN: preparation that never touches the card or PIN.

    If it fails, the operation after the dialog does the same work itself and reports the failure.
    """

    def __init__(self, work: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=_quietly, args=(work,), name="eidlib-prepare", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self) -> None:
        if self._thread.ident is not None:
            self._thread.join(_MEANWHILE_WAIT)


def _quietly(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception as exc:  # preparation only: the real operation meets the same fault and reports it
        _log.debug("preparation failed: %s: %s", type(exc).__name__, exc)


def _prepare_check(certificate: bytes, hash_function: str) -> None:
    """Load the signing key and run its verification once, so that :func:`_check_signature` runs warm."""
    key = certificate_public_key(certificate)
    if isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        digest = bytes(_HASH_CLASSES[hash_function]().digest_size)
        with contextlib.suppress(WebEidHostError):
            _verify_card_signature(key, unverifiable_signature(key), digest, hash_function)


def _check_signature(certificate: bytes, signature: bytes, command: Sign) -> None:
    """A self-check before replying: the card signed this digest with the named certificate's key."""
    _verify_card_signature(certificate_public_key(certificate), signature, command.digest, command.hash_function)


def _verify_card_signature(key: object, signature: bytes, digest: bytes, hash_function: str) -> None:
    prehashed = utils.Prehashed(_HASH_CLASSES[hash_function]())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            half = len(signature) // 2
            der = utils.encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
            key.verify(der, digest, ec.ECDSA(prehashed))
        else:
            raise WebEidHostError("the signing certificate key is neither RSA nor EC")
    except InvalidSignature as exc:
        raise WebEidHostError("the card's signature does not verify with the signing certificate") from exc


def reply_for(exc: BaseException) -> dict[str, Any]:
    """The error reply for a failure, as the extension understands it (``code`` + ``message``).

    Cancel and time-out have their own codes; everything else is ``ERR_WEBEID_NATIVE_FATAL`` like the
    reference application, with a ``reason`` (and ``triesLeft`` for PIN errors) the page may show.
    """
    if isinstance(exc, (UserCancelled, card.PinCancelled)):
        return error_reply(USER_CANCELLED, CANCELLED_MESSAGE)
    if isinstance(exc, (PinEntryTimeout, card.PinTimeout)):
        return error_reply(USER_TIMEOUT, "PIN entry timed out")
    _log.warning("request failed: %s: %s", type(exc).__name__, exc)
    if isinstance(exc, (MessageError, CommandError)):
        return error_reply(NATIVE_FATAL, FATAL_MESSAGE, reason="invalid-request")
    if isinstance(exc, card.WrongPin):
        tries = exc.tries_left
        return error_reply(NATIVE_FATAL, f"Wrong PIN, {tries} tries left", reason="wrong-pin", triesLeft=tries)
    if isinstance(exc, card.PinBlocked):
        return error_reply(NATIVE_FATAL, "PIN blocked", reason="pin-blocked", triesLeft=0)
    if isinstance(exc, card.PinFormatError):
        return error_reply(NATIVE_FATAL, "The PIN must have 4 to 12 digits", reason="pin-format")
    reasons: tuple[tuple[type[BaseException], str, str], ...] = (
        (CertificateMismatch, "certificate-mismatch", "The card does not hold the requested signing certificate"),
        (card.NoReaderError, "no-reader", "No card reader found"),
        (card.PcscUnavailableError, "no-reader", "The smart card service (pcscd) is not available"),
        (card.CardRemovedError, "card-removed", "The card was removed"),
        (card.NoCardError, "no-card", "No Belgian eID card found"),
        (PinEntryError, "pinentry-failed", "The PIN dialog could not be shown"),
        (card.NotSupported, "not-supported", "The card cannot do this operation"),
        (AuthError, "card-error", "The card could not authenticate"),
        (EidError, "card-error", "Card error"),
    )
    for kind, reason, message in reasons:
        if isinstance(exc, kind):
            return error_reply(NATIVE_FATAL, message, reason=reason)
    return error_reply(NATIVE_FATAL, FATAL_MESSAGE, reason="internal-error")
