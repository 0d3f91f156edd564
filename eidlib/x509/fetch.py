"""The small HTTP interface OCSP and CRL checks use, its ``urllib`` implementation, and the host allowlist.

Redirects are refused (a redirect could leave the allowlist) and environment proxies are ignored
unless asked for. Implementations raise :class:`FetchError` for any transport failure.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from eidlib.errors import EidError

#: OCSP responder hosts of the Belgian eID PKI (RSA and ECC generations; eID Viewer's allowlist).
BELGIAN_OCSP_HOSTS: frozenset[str] = frozenset({"ocsp.eid.belgium.be", "ocsp.eidpki.belgium.be"})
#: CRL hosts of the Belgian eID PKI.
BELGIAN_CRL_HOSTS: frozenset[str] = frozenset({"crl.eid.belgium.be", "crl.eidpki.belgium.be"})


class FetchError(EidError):
    """An HTTP exchange failed (connection, timeout, oversized body). ``timed_out`` tells a timeout."""

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
    """What OCSP and CRL checks need from HTTP. Raise :class:`FetchError` on transport failure."""

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse: ...


class _Readable(Protocol):
    def read(self, amount: int, /) -> bytes: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class UrllibHttpClient:
    """:class:`HttpClient` over ``urllib.request``: no redirects, no proxies unless ``use_proxy``."""

    def __init__(self, *, max_body: int = 16 * 1024 * 1024, use_proxy: bool = False) -> None:
        self._max_body = max_body
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if not use_proxy:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse:
        """Send one request and read the whole answer (up to ``max_body`` bytes)."""
        try:
            req = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
            with self._opener.open(req, timeout=timeout) as answer:
                return self._read(answer.status, answer, answer.headers.get_content_type())
        except urllib.error.HTTPError as exc:
            with exc:
                return self._read(exc.code, exc, None)
        except TimeoutError as exc:
            raise FetchError(f"timed out after {timeout} s: {url}", timed_out=True) from exc
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, (socket.timeout, TimeoutError))
            raise FetchError(f"cannot reach {url}: {exc.reason}", timed_out=timed_out) from exc
        except (OSError, ValueError) as exc:
            raise FetchError(f"HTTP exchange with {url} failed: {exc}") from exc

    def _read(self, status: int, stream: _Readable, content_type: str | None) -> HttpResponse:
        data = stream.read(self._max_body + 1)
        if len(data) > self._max_body:
            raise FetchError(f"answer larger than {self._max_body} bytes")
        return HttpResponse(status=status, body=data, content_type=content_type)


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
