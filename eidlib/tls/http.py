"""HTTP over the eID TLS client: a session keeping cookies and following redirects, like ``requests``.

Built on :mod:`urllib.request` (cookie jar, redirect handling) with its HTTPS connection replaced by
one whose TLS is :class:`~eidlib.tls.connection.TlsClient`, so the card signs the handshake of any host
that requests a client certificate (the login host) and no other.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

from eidlib.tls.connection import TlsClient
from eidlib.tls.errors import HttpError, TlsError

#: Largest response body read into memory.
MAX_BODY = 8 * 1024 * 1024
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class Response:
    """One HTTP response (after redirects): final URL, status, headers, body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    history: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacement characters for bad bytes)."""
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        """Status below 400."""
        return self.status < 400

    def json(self) -> Any:
        """The body parsed as JSON, or :class:`HttpError`."""
        try:
            return jsonlib.loads(self.content)
        except ValueError as exc:
            raise HttpError(f"the response from {self.url} is not JSON") from exc

    def raise_for_status(self) -> None:
        """:class:`HttpError` unless the status is below 400."""
        if not self.ok:
            raise HttpError(f"HTTP {self.status} from {self.url}")


class _TlsHttpConnection(http.client.HTTPConnection):
    default_port = 443

    def __init__(self, host: str, *, tls: TlsClient, timeout: float | None = None, **_: Any) -> None:
        super().__init__(host, timeout=timeout)
        self._tls = tls

    def connect(self) -> None:
        self.sock = self._tls.connect(self.host, self.port)


class _TlsHandler(urllib.request.HTTPSHandler):
    def __init__(self, tls: TlsClient) -> None:
        super().__init__()
        self._tls = tls

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def factory(host: str, **kwargs: Any) -> _TlsHttpConnection:
            return _TlsHttpConnection(host, tls=self._tls, **kwargs)

        return self.do_open(factory, req)  # type: ignore[arg-type]


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self) -> None:
        self.history: list[str] = []

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme != "https":
            raise HttpError(f"refusing a redirect from {req.full_url} to a non-https URL")
        self.history.append(req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpSession:
    """Cookies and redirects over :class:`TlsClient`; only ``https://`` URLs."""

    def __init__(self, tls: TlsClient, *, timeout: float = 30.0) -> None:
        self.tls = tls
        self.cookies = CookieJar()
        self._timeout = timeout

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        """GET ``url``, following redirects."""
        return self.request("GET", url, headers=headers)

    def post(self, url: str, *, json: Any = None, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> Response:
        """POST a JSON value (``json=``) or raw bytes (``data=``)."""
        send_headers = dict(headers or {})
        if json is not None:
            data = jsonlib.dumps(json).encode()
            send_headers.setdefault("Content-Type", "application/json")
        return self.request("POST", url, data=data or b"", headers=send_headers)

    def request(self, method: str, url: str, *, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        """Send one request and follow redirects; 4xx/5xx come back as a :class:`Response`."""
        if urllib.parse.urlsplit(url).scheme != "https":
            raise HttpError(f"only https:// URLs are supported, not {url!r}")
        redirects = _Redirects()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _TlsHandler(self.tls), redirects
        )
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with opener.open(request, timeout=self._timeout) as answer:
                return _response(answer, answer.status, tuple(redirects.history))
        except urllib.error.HTTPError as answer:
            with answer:
                return _response(answer, answer.code, tuple(redirects.history))
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TlsError):
                raise exc.reason from None
            raise HttpError(f"{method} {url} failed: {exc.reason}") from exc
        except http.client.HTTPException as exc:
            raise HttpError(f"{method} {url}: bad HTTP response ({type(exc).__name__})") from exc


def _response(answer: Any, status: int, history: tuple[str, ...]) -> Response:
    body = answer.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise HttpError(f"the response from {answer.geturl()} is larger than {MAX_BODY} bytes")
    return Response(url=answer.geturl(), status=status, headers=dict(answer.headers.items()),
                    content=body, history=history)
