"""Base64 as Web eID tokens carry it: standard alphabet, padded, and canonical (one encoding per value).

A value that decodes but does not re-encode to the same text is refused, so a token cannot carry two
spellings of one certificate or signature.
"""

from __future__ import annotations

import base64
import binascii

from eidlib.auth.errors import TokenParseError


def encode(data: bytes) -> str:
    """``data`` as base64 text."""
    return base64.b64encode(data).decode("ascii")


def decode(value: object, name: str, *, what: str = "token field") -> bytes:
    """The bytes of the base64 string ``value`` (field ``name``); :class:`TokenParseError` otherwise."""
    if not isinstance(value, str) or not value:
        raise TokenParseError(f"{what} {name!r} must be a non-empty string")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TokenParseError(f"{what} {name!r} is not valid base64") from exc
    if not decoded or encode(decoded) != value:
        raise TokenParseError(f"{what} {name!r} is not canonical base64")
    return decoded
