"""The commands of the Web eID native application protocol, checked as the reference application does.

A command is ``{"command": NAME, "arguments": {...}}``; each command takes exactly its arguments plus
an optional ``lang`` (eidlib adds one optional argument, ``getSigningCertificate`` for
``authenticate``, to ask for a ``web-eid:1.1`` token). Replies and error codes are built here too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from eidlib.auth.errors import AuthError
from eidlib.auth.nonce import check_nonce
from eidlib.auth.origin import normalize_origin
from eidlib.auth.signing_certificates import DIGEST_SIZES
from eidlib.version import __version__
from eidlib.webeid.errors import CommandError

#: The reference application version whose protocol this host speaks. The extension compares majors
#: (a native major below the page library's is a version mismatch), so the version message starts with
#: it; eidlib's own version is the semver build part.
PROTOCOL_VERSION = "2.9.0"
VERSION = f"{PROTOCOL_VERSION}+eidlib.{__version__}"

USER_CANCELLED = "ERR_WEBEID_USER_CANCELLED"
USER_TIMEOUT = "ERR_WEBEID_USER_TIMEOUT"
NATIVE_FATAL = "ERR_WEBEID_NATIVE_FATAL"
#: The reference application's messages for its two replies.
CANCELLED_MESSAGE = "User cancelled"
FATAL_MESSAGE = "Technical error, see application logs"

#: Longest ``lang`` value accepted (a two- or three-letter code).
_MAX_LANG = 3
_MAX_CERTIFICATE_B64 = 8192


@dataclass(frozen=True)
class Quit:
    """``quit``: answer ``{}`` and exit (the extension's status check)."""


@dataclass(frozen=True)
class Authenticate:
    """``authenticate``: sign the Web eID message for ``origin`` and ``challenge_nonce``."""

    challenge_nonce: str
    origin: str
    lang: str | None = None
    signing_certificate: bool = False


@dataclass(frozen=True)
class GetSigningCertificate:
    """``get-signing-certificate``: the signing certificate and the algorithms it can sign with."""

    origin: str
    lang: str | None = None


@dataclass(frozen=True)
class Sign:
    """``sign``: sign ``digest`` (``hash_function``) with the key of ``certificate``, for ``origin``."""

    digest: bytes
    hash_function: str
    certificate: bytes
    origin: str
    lang: str | None = None


Command = Quit | Authenticate | GetSigningCertificate | Sign


def parse_command(message: dict[str, Any]) -> Command:
    """Check a decoded message and return the command; :class:`CommandError` explains any problem."""
    name = message.get("command")
    arguments = message.get("arguments")
    if not isinstance(name, str) or not isinstance(arguments, dict):
        raise CommandError("the message must contain a 'command' string and an 'arguments' object")
    if name == "quit":
        _require(arguments, set())
        return Quit()
    if name == "authenticate":
        _require(arguments, {"challengeNonce", "origin"}, optional={"getSigningCertificate"})
        flag = arguments.get("getSigningCertificate", False)
        if not isinstance(flag, bool):
            raise CommandError("argument 'getSigningCertificate' must be a boolean")
        return Authenticate(
            challenge_nonce=_checked(check_nonce, _string(arguments, "challengeNonce")),
            origin=_origin(arguments),
            lang=_lang(arguments),
            signing_certificate=flag,
        )
    if name == "get-signing-certificate":
        _require(arguments, {"origin"})
        return GetSigningCertificate(origin=_origin(arguments), lang=_lang(arguments))
    if name == "sign":
        _require(arguments, {"hash", "hashFunction", "certificate", "origin"})
        hash_function = _string(arguments, "hashFunction")
        if hash_function not in DIGEST_SIZES:
            raise CommandError(f"unknown hash function {hash_function[:16]!r}")
        digest = _base64(arguments, "hash", 128)
        if len(digest) != DIGEST_SIZES[hash_function]:
            raise CommandError(f"a {hash_function} hash has {DIGEST_SIZES[hash_function]} bytes, got {len(digest)}")
        return Sign(
            digest=digest,
            hash_function=hash_function,
            certificate=_base64(arguments, "certificate", _MAX_CERTIFICATE_B64),
            origin=_origin(arguments),
            lang=_lang(arguments),
        )
    raise CommandError(f"unknown command {name[:32]!r}")


def error_reply(code: str, message: str, **details: Any) -> dict[str, Any]:
    """``{"error": {"code", "message", ...}}``; extra members reach the page on the error object."""
    return {"error": {"code": code, "message": message, **details}}


def _require(arguments: dict[str, Any], names: set[str], *, optional: set[str] | None = None) -> None:
    given = set(arguments) - {"lang"} - (optional or set())
    if given != names:
        expected = ", ".join(sorted(names)) or "none"
        raise CommandError(f"arguments must be exactly: {expected} (and optional lang)")


def _string(arguments: dict[str, Any], name: str) -> str:
    value = arguments.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"argument {name!r} must be a non-empty string")
    return value


def _checked(check: Any, value: str) -> str:
    try:
        return str(check(value))
    except AuthError as exc:
        raise CommandError(str(exc)) from exc


def _origin(arguments: dict[str, Any]) -> str:
    origin = _string(arguments, "origin")
    try:
        canonical = normalize_origin(origin)
    except AuthError as exc:
        raise CommandError(f"invalid origin: {exc}") from exc
    if canonical != origin:
        # The browser sends URL.origin, which is already canonical; anything else was not made by it.
        raise CommandError("origin is not in canonical form (scheme://host[:port], lower case, ASCII)")
    return canonical


def _lang(arguments: dict[str, Any]) -> str | None:
    if "lang" not in arguments:
        return None
    lang = arguments["lang"]
    if not isinstance(lang, str) or not 2 <= len(lang) <= _MAX_LANG or not lang.isascii() or not lang.isalpha():
        raise CommandError("argument 'lang' must be a two- or three-letter language code")
    return lang.lower()


def _base64(arguments: dict[str, Any], name: str, limit: int) -> bytes:
    text = _string(arguments, name)
    if len(text) > limit:
        raise CommandError(f"argument {name!r} is too long")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CommandError(f"argument {name!r} is not base64") from exc
