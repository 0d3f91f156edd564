"""The small HTTP interface OCSP and CRL checks use, its socket implementation, and the host allowlist.

``timeout`` is a **total** budget for one exchange: connecting, the TLS handshake, sending, and every
read of the status line, headers and body count against it, so a server that trickles one byte at
a time cannot hold a check (and a portal worker) longer than that. Bodies are capped. Redirects are
not followed (a redirect could leave the allowlist) and no proxy is used. Implementations raise
:class:`FetchError` for any transport failure.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from eidlib.errors import EidError

#: OCSP responder hosts of the Belgian eID PKI (RSA and ECC generations; eID Viewer's allowlist).
BELGIAN_OCSP_HOSTS: frozenset[str] = frozenset({"ocsp.eid.belgium.be", "ocsp.eidpki.belgium.be"})
#: CRL hosts of the Belgian eID PKI.
BELGIAN_CRL_HOSTS: frozenset[str] = frozenset({"crl.eid.belgium.be", "crl.eidpki.belgium.be"})

#: Status line plus headers may not exceed this.
MAX_HEADER_BYTES = 64 * 1024
_CHUNK = 64 * 1024


class FetchError(EidError):
    """An HTTP exchange failed (connection, deadline, oversized body). ``timed_out`` tells a deadline."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        self.timed_out = timed_out
        super().__init__(message)


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP answer: status code, body and Content-Type (lower-case, without parameters)."""

    status: int
    body: bytes
    content_type: str | None = None


@runtime_checkable
class HttpClient(Protocol):
    """What OCSP and CRL checks need from HTTP. ``timeout`` bounds the whole exchange, in seconds.

    Raise :class:`FetchError` on transport failure (``timed_out=True`` when the budget ran out).
    """

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse: ...


class Deadline:
    """A point on the monotonic clock; :meth:`remaining` is what is left of the budget."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self._end - time.monotonic())


class DeadlineHttpClient:
    """:class:`HttpClient` over plain sockets (HTTP/1.0, so no chunked bodies) with a total deadline.

    ``max_body`` caps the body; a longer answer raises :class:`FetchError`. https URLs are verified
    against the system trust store.
    """

    def __init__(self, *, max_body: int = 16 * 1024 * 1024) -> None:
        if max_body < 1:
            raise ValueError("max_body must be positive")
        self._max_body = max_body

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse:
        """Send one request and read the whole answer, all within ``timeout`` seconds."""
        deadline = Deadline(timeout)
        scheme, host, port, target = _split(url)
        try:
            sock = socket.create_connection((host, port), timeout=_left(deadline, url))
        except TimeoutError as exc:
            raise FetchError(f"connecting to {url} took longer than {timeout} s", timed_out=True) from exc
        except OSError as exc:
            raise FetchError(f"cannot reach {url}: {exc}") from exc
        try:
            if scheme == "https":
                sock = _tls(sock, host, deadline, url)
            _send_all(sock, _request_bytes(method, host, port, scheme, target, body, headers), deadline, url)
            return self._read(sock, deadline, url)
        except ssl.SSLError as exc:
            raise FetchError(f"TLS with {url} failed: {exc}") from exc
        except OSError as exc:
            raise FetchError(f"HTTP exchange with {url} failed: {exc}") from exc
        finally:
            sock.close()

    def _read(self, sock: socket.socket, deadline: Deadline, url: str) -> HttpResponse:
        data = bytearray()
        while b"\r\n\r\n" not in data:
            if len(data) > MAX_HEADER_BYTES:
                raise FetchError(f"{url}: header larger than {MAX_HEADER_BYTES} bytes")
            chunk = _recv(sock, deadline, url)
            if not chunk:
                raise FetchError(f"{url}: connection closed before the end of the header")
            data += chunk
        head, _, rest = bytes(data).partition(b"\r\n\r\n")
        status, content_type, length = _parse_head(head, url)
        if length is not None and length > self._max_body:
            raise FetchError(f"{url}: answer larger than {self._max_body} bytes")
        body = bytearray(rest)
        wanted = length if length is not None else self._max_body + 1
        while len(body) < wanted:
            chunk = _recv(sock, deadline, url)
            if not chunk:
                break
            body += chunk
        if len(body) > self._max_body:
            raise FetchError(f"{url}: answer larger than {self._max_body} bytes")
        if length is not None and len(body) < length:
            raise FetchError(f"{url}: body ends after {len(body)} of {length} bytes")
        return HttpResponse(status=status, body=bytes(body[: length if length is not None else len(body)]),
                            content_type=content_type)


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"not a usable URL: {url!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), target


def _request_bytes(
    method: str, host: str, port: int, scheme: str, target: str, body: bytes | None, headers: Mapping[str, str] | None
) -> bytes:
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    lines = [f"{method} {target} HTTP/1.0", f"Host: {host_header}", "Connection: close", "User-Agent: eidlib"]
    for name, value in (headers or {}).items():
        if any(c in name + value for c in "\r\n"):
            raise FetchError("header names and values may not contain line breaks")
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def _parse_head(head: bytes, url: str) -> tuple[int, str | None, int | None]:
    lines = head.decode("latin-1").split("\r\n")
    fields = lines[0].split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or not (fields[1].isdigit() and len(fields[1]) == 3):
        raise FetchError(f"{url}: not an HTTP status line: {lines[0][:80]!r}")
    content_type: str | None = None
    length: int | None = None
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise FetchError(f"{url}: malformed header line")
        key = name.strip().lower()
        if key == "content-type":
            content_type = value.split(";", 1)[0].strip().lower() or None
        elif key == "content-length":
            text = value.strip()
            if not text.isdigit() or (length is not None and length != int(text)):
                raise FetchError(f"{url}: bad Content-Length")
            length = int(text)
    return int(fields[1]), content_type, length


def _left(deadline: Deadline, url: str) -> float:
    left = deadline.remaining()
    if left <= 0:
        raise FetchError(f"{url}: deadline passed", timed_out=True)
    return left


def _recv(sock: socket.socket, deadline: Deadline, url: str) -> bytes:
    # The socket timeout is re-armed with what is left of the budget before every read.
    sock.settimeout(_left(deadline, url))
    try:
        return sock.recv(_CHUNK)
    except TimeoutError as exc:
        raise FetchError(f"{url}: no complete answer before the deadline", timed_out=True) from exc


def _send_all(sock: socket.socket, data: bytes, deadline: Deadline, url: str) -> None:
    view = memoryview(data)
    while view:
        sock.settimeout(_left(deadline, url))
        try:
            sent = sock.send(view)
        except TimeoutError as exc:
            raise FetchError(f"{url}: sending the request took past the deadline", timed_out=True) from exc
        view = view[sent:]


def _tls(sock: socket.socket, host: str, deadline: Deadline, url: str) -> socket.socket:
    """The TLS handshake, non-blocking so that the whole of it counts against the deadline."""
    wrapped = ssl.create_default_context().wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    wrapped.setblocking(False)
    while True:
        try:
            wrapped.do_handshake()
            return wrapped
        except ssl.SSLWantReadError:
            ready = select.select([wrapped], [], [], _left(deadline, url))[0]
        except ssl.SSLWantWriteError:
            ready = select.select([], [wrapped], [], _left(deadline, url))[1]
        if not ready:
            raise FetchError(f"{url}: TLS handshake past the deadline", timed_out=True)


def url_host_allowed(url: str, allowed_hosts: Collection[str]) -> bool:
    """True when ``url`` is http(s) and its host (or ``host:port``) is in ``allowed_hosts``.

    Hosts compare case-insensitively; an entry without a port allows any port of that host.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return False
    host = parts.hostname.lower()
    allowed = {h.lower() for h in allowed_hosts}
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def url_host(url: str) -> str:
    """The lower-case host of ``url`` ("" when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
