"""The Web eID authentication token (``web-eid:1.0`` and ``web-eid:1.1``) and its strict parser."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from eidlib.auth.canonical_base64 import decode as b64_decode
from eidlib.auth.canonical_base64 import encode as b64_encode
from eidlib.auth.errors import TokenParseError, UnsupportedTokenFormat
from eidlib.auth.signing_certificates import SigningCertificate, parse_signing_certificates
from eidlib.version import __version__

#: Formats this library produces. Any ``web-eid:1.x`` is understood: minor versions are backward
#: compatible (Web eID validators accept ``^web-eid:1(\.\d+)?$``).
FORMAT_1_0 = "web-eid:1.0"
FORMAT_1_1 = "web-eid:1.1"
KNOWN_MAJOR = 1

#: Token text size bounds (Web eID: 100..10000; 1.1 tokens carry certificates, so they may be longer).
MIN_TOKEN_LENGTH = 100
MAX_TOKEN_LENGTH = 10_000
MAX_TOKEN_LENGTH_WITH_INTERMEDIATES = 30_000
#: At most this many intermediate certificates in a 1.1 token.
MAX_INTERMEDIATES = 4

#: eidlib's project page, named in ``appVersion``.
PROJECT_URL = "https://pypi.org/project/eidlib/"
#: ``appVersion`` this library writes (informational only; validators never trust it).
APP_VERSION = f"{PROJECT_URL}{__version__}/"

_FORMAT = re.compile(r"^web-eid:1(?:\.([0-9]{1,4}))?$")


def parse_format(value: object) -> tuple[int, int]:
    """``(major, minor)`` of a ``web-eid:MAJOR[.MINOR]`` string; :class:`UnsupportedTokenFormat` otherwise.

    Major 1 with any minor is accepted (``^web-eid:1(\\.\\d+)?$``); unlike a prefix test,
    ``web-eid:10`` is major 10 and is rejected.
    """
    if not isinstance(value, str) or not value:
        raise UnsupportedTokenFormat("token format is missing")
    match = _FORMAT.fullmatch(value)
    if match is None:
        raise UnsupportedTokenFormat("unsupported token format: not web-eid:1[.MINOR]")
    return KNOWN_MAJOR, int(match.group(1) or 0)


@dataclass(frozen=True)
class AuthToken:
    """A Web eID authentication token. Everything in it is untrusted until a validator says otherwise.

    ``signature`` is raw: ``r || s`` for ECDSA, the PKCS#1/PSS block for RSA.
    """

    unverified_certificate: bytes
    algorithm: str
    signature: bytes
    format: str = FORMAT_1_0
    app_version: str = APP_VERSION
    unverified_intermediate_certificates: tuple[bytes, ...] = field(default=())
    unverified_signing_certificates: tuple[SigningCertificate, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the Web eID format (field names as Web eID spells them)."""
        out: dict[str, Any] = {
            "unverifiedCertificate": b64_encode(self.unverified_certificate),
            "algorithm": self.algorithm,
            "signature": b64_encode(self.signature),
            "format": self.format,
            "appVersion": self.app_version,
        }
        if self.unverified_intermediate_certificates:
            out["unverifiedIntermediateCertificates"] = [
                b64_encode(c) for c in self.unverified_intermediate_certificates
            ]
        if self.unverified_signing_certificates:
            out["unverifiedSigningCertificates"] = [c.to_dict() for c in self.unverified_signing_certificates]
        return out

    def to_json(self) -> str:
        """Compact JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: object) -> AuthToken:
        """Strictly parse a decoded token object. Unknown fields are ignored; bad ones raise
        :class:`TokenParseError` (or :class:`UnsupportedTokenFormat`)."""
        if not isinstance(data, dict):
            raise TokenParseError("token must be a JSON object")
        fmt = data.get("format")
        _, minor = parse_format(fmt)
        certificate = _b64_field(data, "unverifiedCertificate")
        algorithm = data.get("algorithm")
        if not isinstance(algorithm, str) or not algorithm:
            raise TokenParseError("token field 'algorithm' is missing or not a string")
        signature = _b64_field(data, "signature")
        app_version = data.get("appVersion", "")
        if not isinstance(app_version, str):
            raise TokenParseError("token field 'appVersion' must be a string")
        intermediates: tuple[bytes, ...] = ()
        if "unverifiedIntermediateCertificates" in data:
            if minor < 1:
                raise TokenParseError("intermediate certificates need format web-eid:1.1")
            raw = data["unverifiedIntermediateCertificates"]
            if not isinstance(raw, list) or not raw or len(raw) > MAX_INTERMEDIATES:
                raise TokenParseError(
                    f"'unverifiedIntermediateCertificates' must be a list of 1 to {MAX_INTERMEDIATES} items"
                )
            intermediates = tuple(b64_decode(v, "unverifiedIntermediateCertificates") for v in raw)
        signing: tuple[SigningCertificate, ...] = ()
        if "unverifiedSigningCertificates" in data:
            if minor < 1:
                raise TokenParseError("signing certificates need format web-eid:1.1")
            signing = parse_signing_certificates(data["unverifiedSigningCertificates"])
        return cls(certificate, algorithm, signature, str(fmt), app_version, intermediates, signing)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuthToken:
        """Parse token text: size limits, JSON without duplicate keys, then :meth:`from_dict`."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TokenParseError("token is not UTF-8") from exc
        if not isinstance(text, str):
            raise TokenParseError("token must be a string")
        if not MIN_TOKEN_LENGTH <= len(text) <= MAX_TOKEN_LENGTH_WITH_INTERMEDIATES:
            raise TokenParseError(f"token length {len(text)} is out of bounds")
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise TokenParseError("token is not valid JSON") from exc
        token = cls.from_dict(data)
        if len(text) > MAX_TOKEN_LENGTH and not (
            token.unverified_intermediate_certificates or token.unverified_signing_certificates
        ):
            raise TokenParseError(f"token length {len(text)} is out of bounds")
        return token


def _b64_field(data: dict[str, Any], name: str) -> bytes:
    if name not in data:
        raise TokenParseError(f"token field {name!r} is missing")
    return b64_decode(data[name], name)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise TokenParseError(f"duplicate key {key!r} in token")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise TokenParseError(f"non-JSON constant {name} in token")
