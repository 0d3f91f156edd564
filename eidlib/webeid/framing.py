"""Native messaging framing: a 32-bit length in native byte order, then that many bytes of UTF-8 JSON.

Limits are the browser's and the reference application's: the host reads one command of 5 to 8192
bytes (the extension never sends more) and never writes a message over 1 MiB (Chromium closes the port
on a bigger one). Reads have a deadline so a silent peer cannot keep the host alive.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

from eidlib.webeid.errors import MessageError

#: Bounds of one command from the extension (web-eid-app accepts 5..8192 bytes).
MIN_COMMAND_BYTES = 5
MAX_COMMAND_BYTES = 8192
#: Largest message a native host may send to the browser.
MAX_REPLY_BYTES = 1024 * 1024

_LENGTH = struct.Struct("=I")  # "=": native byte order, standard 4-byte size


def encode_message(message: dict[str, Any]) -> bytes:
    """The framed bytes of ``message`` (compact JSON); :class:`MessageError` above 1 MiB."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    if len(body) > MAX_REPLY_BYTES:
        raise MessageError(f"reply of {len(body)} bytes exceeds the native messaging limit of {MAX_REPLY_BYTES}")
    return _LENGTH.pack(len(body)) + body


def write_message(fd: int, message: dict[str, Any]) -> None:
    """Write one framed message to file descriptor ``fd`` in full."""
    data = memoryview(encode_message(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_message(fd: int, *, timeout: float) -> dict[str, Any]:
    """Read one framed JSON object from ``fd`` within ``timeout`` seconds.

    Raises :class:`MessageError` for end of input, a length outside 5..8192, a body that is not UTF-8
    JSON, a JSON value that is not an object, duplicate keys or a time-out.
    """
    deadline = time.monotonic() + timeout
    header = _read_exactly(fd, _LENGTH.size, deadline)
    (length,) = _LENGTH.unpack(header)
    if length < MIN_COMMAND_BYTES:
        raise MessageError(f"message length is {length}, at least {MIN_COMMAND_BYTES} required")
    if length > MAX_COMMAND_BYTES:
        raise MessageError(f"message length {length} exceeds maximum allowed length {MAX_COMMAND_BYTES}")
    body = _read_exactly(fd, length, deadline)
    try:
        value = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except MessageError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MessageError("message is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise MessageError("message is not a JSON object")
    return value


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MessageError("timed out waiting for a message")
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            raise MessageError("timed out waiting for a message")
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            raise MessageError("input closed before a complete message" if chunks else "input closed")
        chunks += chunk
    return bytes(chunks)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MessageError(f"duplicate key {key!r} in message")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise MessageError(f"non-JSON constant {name} in message")
