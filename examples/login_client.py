"""Command-line login to the example portal with a Belgian eID card (or the virtual card).

Fetches a challenge, signs it with ``eidlib.authenticate()`` (origin taken from the portal URL),
logs in, shows the session and extends it::

    python examples/login_client.py --portal https://portal.example.be --virtual 1.8 --pin-stdin

Cookies are handled here rather than by ``http.cookiejar`` so the portal's ``__Host-`` (Secure)
cookie also works against a development portal on ``http://127.0.0.1`` — and only there: plain
``http`` is refused for any other host.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from eidlib.auth import authenticate, normalize_origin
from eidlib.errors import EidError
from eidlib.token.protocol import Token


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


#: ``(method, path, headers, body) -> Reply``: real HTTP, or a Flask test client in tests.
Transport = Callable[[str, str, dict[str, str], bytes | None], Reply]


class PortalError(EidError):
    """The portal refused a step (``status`` and the JSON ``error`` code)."""

    def __init__(self, step: str, status: int, error: str) -> None:
        self.step, self.status, self.error = step, status, error
        super().__init__(f"{step}: HTTP {status} {error}")


def urllib_transport(base_url: str, *, timeout: float = 10.0) -> Transport:
    """Real HTTP to ``base_url`` with :mod:`urllib` (https, or http to a loopback address only)."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        raise ValueError("the portal must be reached over https (http only on 127.0.0.1/localhost)")

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        req = urllib.request.Request(base_url.rstrip("/") + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as answer:
                return Reply(answer.status, list(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, list(err.headers.items()), err.read())

    return send


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class PortalClient:
    """The login conversation with one portal; keeps the session cookie and CSRF token."""

    portal_url: str
    transport: Transport
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    @property
    def origin(self) -> str:
        """The origin signed into the token: the portal URL's own origin, never one the server names."""
        parts = urlsplit(self.portal_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return normalize_origin(origin, allow_http_localhost=_is_loopback(parts.hostname or ""))

    def _call(self, step: str, method: str, path: str, payload: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        reply = self.transport(method, path, headers, body)
        for name, value in reply.headers:
            if name.lower() == "set-cookie":
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        data = reply.json() if reply.body.startswith(b"{") else {}
        if reply.status != 200:
            raise PortalError(step, reply.status, str(data.get("error", "")) if isinstance(data, dict) else "")
        return data

    def challenge(self) -> str:
        """``GET /auth/challenge``: a nonce bound to this client's pre-login session."""
        data = self._call("challenge", "GET", "/auth/challenge")
        self.csrf = data["csrfToken"]
        return str(data["challengeNonce"])

    def login(self, pin: str | bytearray | None, *, token: Token | None = None, format: str = "web-eid:1.0",
              lang: str = "en") -> dict[str, Any]:
        """Challenge → ``authenticate()`` on the card → ``POST /auth/login``; returns the portal's answer."""
        nonce = self.challenge()
        origin = self.origin
        auth_token = authenticate(pin, challenge=nonce, origin=origin, token=token, format=format,
                                  allow_http_localhost=origin.startswith("http://"))
        data: dict[str, Any] = self._call("login", "POST", "/auth/login",
                                          {"authToken": auth_token.to_dict(), "lang": lang})
        self.csrf = data["csrfToken"]
        return data

    def session(self) -> dict[str, Any]:
        """``GET /session`` (does not extend it)."""
        data: dict[str, Any] = self._call("session", "GET", "/session")
        return data

    def extend(self) -> dict[str, Any]:
        """``POST /session/extend``: PortalError 401 ``session_expired`` once the session is gone."""
        data: dict[str, Any] = self._call("extend", "POST", "/session/extend")
        return data

    def logout(self) -> None:
        """``POST /logout``."""
        self._call("logout", "POST", "/logout")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Log in to the example portal with a Belgian eID")
    parser.add_argument("--portal", required=True, help="portal URL, e.g. https://portal.example.be")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--virtual", choices=("1.7", "1.8"), help="use the built-in virtual card")
    source.add_argument("--reader", help="PC/SC reader name")
    parser.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    parser.add_argument("--pinpad", action="store_true", help="enter the PIN on the reader's PIN pad")
    parser.add_argument("--format", default="web-eid:1.0", choices=("web-eid:1.0", "web-eid:1.1"))
    parser.add_argument("--lang", default="en", choices=("nl", "fr", "de", "en"))
    parser.add_argument("--logout", action="store_true", help="log out at the end")
    args = parser.parse_args(argv)

    import eidlib

    pin: bytearray | None = None
    if not args.pinpad:
        text = sys.stdin.readline().rstrip("\r\n") if args.pin_stdin else getpass.getpass("eID PIN: ")
        pin = bytearray(text.encode("ascii", "replace"))
        del text
    client = PortalClient(args.portal, urllib_transport(args.portal))
    try:
        with eidlib.open_card(reader=args.reader, virtual=args.virtual) as card:
            answer = client.login(pin, token=card, format=args.format, lang=args.lang)
        user = answer["user"]
        print(f"logged in: {user['given_names']} {user['surname']} (level {user['level']})")
        print(f"session expires at {client.session()['session']['expiresAt']}")
        print(f"extended until {client.extend()['session']['expiresAt']}")
        if args.logout:
            client.logout()
            print("logged out")
    except EidError as exc:
        print(f"login failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
