"""The eID step of a CSAM-style login: an HTTP session whose TLS handshakes the card signs.

Use :func:`login` (or :class:`EidSession` for more requests) where a site logs people in with a TLS
client certificate on a dedicated login host, as Belgium's federal login does; use
:func:`eidlib.auth.authenticate` where the site speaks the Web eID token protocol instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography import x509

from eidlib.tls.adapter import Token, open_default_card
from eidlib.tls.connection import DEFAULT_TIMEOUT, TlsClient
from eidlib.tls.errors import HttpError, LoginFailed
from eidlib.tls.http import HttpSession, Response
from eidlib.tls.servertrust import ServerTrust
from eidlib.tls.signer import PinSource, TranscriptSigner


class EidSession(HttpSession):
    """An HTTP session (cookies, redirects) in which the card answers one TLS client-certificate request.

    ``token`` is any eidlib Token (a card session, a PKCS#11 token); by default the first Belgian eID
    card on PC/SC, opened here and closed on exit. ``pin``: a ``bytearray`` (wiped), a callable
    returning one (asked only when a server requests the certificate), or ``None`` for a PIN pad or a
    token with its own PIN dialog. ``ca_file``/``trust`` check the servers (default: the system CAs);
    ``resolve`` maps host names to addresses.
    On exit the card is logged off (its verified PIN state ends) and an unused PIN is wiped.
    """

    def __init__(
        self,
        token: Token | None = None,
        *,
        pin: bytearray | PinSource | None,
        ca_file: str | Path | None = None,
        trust: ServerTrust | None = None,
        versions: Sequence[str] = ("1.2", "1.3"),
        timeout: float = DEFAULT_TIMEOUT,
        resolve: Mapping[str, str] | None = None,
    ) -> None:
        if trust is None:
            trust = ServerTrust.from_pem_file(ca_file) if ca_file is not None else ServerTrust.system()
        self._stack = contextlib.ExitStack()
        self._pin = pin
        self._token = token
        self._versions = tuple(versions)
        self._trust = trust
        self._timeout_value = timeout
        self._resolve = dict(resolve or {})
        self.signer: TranscriptSigner | None = None

    def __enter__(self) -> EidSession:
        try:
            token = self._token if self._token is not None else self._stack.enter_context(open_default_card())
            self._stack.enter_context(token.transaction())
            self.signer = TranscriptSigner(token, self._pin)
            self._stack.callback(self._finish)
            client = TlsClient(self.signer, self._trust, versions=self._versions, timeout=self._timeout_value,
                               resolve=self._resolve)
            super().__init__(client, timeout=self._timeout_value)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stack.close()

    def _finish(self) -> None:
        if self.signer is None:
            return
        if self.signer.used:
            self.signer.log_off()
        self.signer.wipe()

    @property
    def certificate(self) -> x509.Certificate | None:
        """The card's authentication certificate, once a server asked for it."""
        return self.tls.certificate


@dataclass(frozen=True)
class LoginResult:
    """Who the portal says is logged in, the final response and the cookies of the new session."""

    user: dict[str, Any]
    response: Response
    session: HttpSession
    tls_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary: user, portal session data, final URL, TLS version of the card login."""
        body = self.response.json()
        return {"user": self.user, "session": body.get("session"), "url": self.response.url,
                "tls_version": self.tls_version}


def login(
    url: str,
    *,
    token: Token | None = None,
    pin: bytearray | PinSource | None,
    ca_file: str | Path | None = None,
    trust: ServerTrust | None = None,
    versions: Sequence[str] = ("1.2", "1.3"),
    timeout: float = DEFAULT_TIMEOUT,
    resolve: Mapping[str, str] | None = None,
) -> LoginResult:
    """Open ``url`` (the portal's eID login start), let the card answer the login host, return the user.

    The redirects run portal → login host (the card signs that handshake, PIN asked once) → portal.
    The final response must be the portal's JSON ``{"user": {...}, "session": {...}}`` (asked for with
    ``Accept: application/json``); anything else raises :class:`LoginFailed`.
    """
    with EidSession(token, pin=pin, ca_file=ca_file, trust=trust, versions=versions, timeout=timeout,
                    resolve=resolve) as session:
        response = session.get(url, headers={"Accept": "application/json"})
        signed = [version for _, version, card in session.tls.handshakes if card]
    if not signed:
        raise LoginFailed(f"no server on the way from {url} asked for the eID certificate")
    if not response.ok:
        raise LoginFailed(f"the login ended with HTTP {response.status} at {response.url}")
    try:
        body = response.json()
    except HttpError as exc:
        raise LoginFailed(f"the login ended on {response.url}, which is not the portal's JSON answer") from exc
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(user, dict):
        raise LoginFailed("the portal's answer names no logged-in user")
    return LoginResult(user=user, response=response, session=session, tls_version=signed[-1])
