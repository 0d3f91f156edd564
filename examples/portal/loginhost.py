"""The portal's eID login host: TLS client-certificate login as CSAM/FAS does it, behind nginx.

Flow (three hosts' worth of redirects, one card signature):

1. ``GET https://portal/auth/eid-tls/start?lang=en`` (portal) ties a random ``state`` to the browser's
   pre-login session and redirects to the login host.
2. ``GET https://login.portal/eid?state=…`` (login host; the only host whose TLS asks for a client
   certificate). nginx forwards the certificate in ``X-SSL-Client-Cert``; it is validated with the same
   core as Web eID tokens (:class:`eidlib.tls.ClientCertificateVerifier`). On success a one-time
   ``code`` is issued for that state and the browser is sent back.
3. ``GET https://portal/auth/eid-tls/return?code=…`` (portal): the code is taken out (single use) and
   accepted only from the browser session the state was issued to. The session id is rotated and the
   session starts as for the token login (``amr`` "eid", level 500). ``Accept: application/json``
   gets ``{"user", "session"}`` instead of the redirect to the home page (for ``eid login``).

The handoff store is shared by the portal and the login host: :class:`Handoff` (memory) when they are one
process, :class:`~examples.portal.redis_handoff.RedisHandoff` when the login host and several portal
instances run apart (``python -m examples.portal --redis …``). Every refusal is logged to
``examples.portal.audit``; the user sees a generic page; a store that does not answer is a 503 page.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from eidlib.auth import AuthError
from eidlib.tls import ClientCertificateVerifier, TlsError
from examples.portal.app import COOKIE, PortalContext
from examples.portal.errors import StoreUnavailable
from examples.portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, pick_language, texts
from examples.portal.sessions import new_session_id

audit = logging.getLogger("examples.portal.audit")

#: How long the browser has to come back from the login host, and to redeem the code.
STATE_TTL = 300.0
CODE_TTL = 60.0
MAX_PARAM = 128
#: Pending logins kept at most (anyone may start one): the oldest is dropped first.
MAX_PENDING = 10_000


@dataclass(frozen=True)
class _Pending:
    session_id: str
    lang: str
    expires: float


@dataclass(frozen=True)
class _Code:
    state: _Pending
    user: dict[str, Any]
    expires: float


class HandoffStore(Protocol):
    """Where the login host's states and one-time codes live (one process, or shared through Redis).

    A store that cannot answer raises :class:`~examples.portal.errors.StoreUnavailable` (a 503 page).
    """

    def start(self, session_id: str, lang: str) -> str:
        """A fresh, unguessable state bound to the pre-login session ``session_id``."""
        ...

    def complete(self, state: str, user: dict[str, Any]) -> str | None:
        """Consume ``state`` and issue a one-time code carrying ``user``; ``None`` for an unknown state."""
        ...

    def redeem(self, code: str, session_id: str | None) -> tuple[dict[str, Any], str] | None:
        """(user, lang) if ``code`` is live and was issued to ``session_id``'s login; the code is gone either way."""
        ...


class Handoff:
    """States (login started, bound to a pre-login session) and one-time codes (login done), in memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._states: dict[str, _Pending] = {}
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()

    def start(self, session_id: str, lang: str) -> str:
        """A fresh state for ``session_id``."""
        state = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            while len(self._states) >= MAX_PENDING:
                del self._states[next(iter(self._states))]  # dicts keep insertion order: the oldest
            self._states[state] = _Pending(session_id, lang, self._clock() + STATE_TTL)
        return state

    def complete(self, state: str, user: dict[str, Any]) -> str | None:
        """Consume ``state`` and issue the one-time code carrying ``user``; ``None`` for an unknown state."""
        with self._lock:
            self._purge()
            pending = self._states.pop(state, None)
            if pending is None:
                return None
            code = secrets.token_urlsafe(32)
            self._codes[code] = _Code(pending, user, self._clock() + CODE_TTL)
        return code

    def redeem(self, code: str, session_id: str | None) -> tuple[dict[str, Any], str] | None:
        """(user, lang) if ``code`` is live and was issued to ``session_id``'s login; the code is gone either way."""
        with self._lock:
            self._purge()
            entry = self._codes.pop(code, None)
        if entry is None or not session_id or not secrets.compare_digest(entry.state.session_id, session_id):
            return None
        return entry.user, entry.state.lang

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, v in self._states.items() if v.expires < now]:
            del self._states[key]
        for key in [k for k, v in self._codes.items() if v.expires < now]:
            del self._codes[key]


def _param(name: str) -> str | None:
    value = request.args.get(name, "")
    return value if 0 < len(value) <= MAX_PARAM else None


def create_login_host(verifier: ClientCertificateVerifier, handoff: HandoffStore, portal_url: str) -> Flask:
    """The login host's app (serve it only behind the nginx server block that requests certificates)."""
    app = Flask(__name__)
    portal_url = portal_url.rstrip("/")
    return_url = portal_url + "/auth/eid-tls/return"

    @app.after_request
    def no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable) -> Response:
        # The portal's 503 page, in the browser's language, with its way back to the portal.
        audit.error("handoff store unavailable on the login host: %s", exc)
        lang = pick_language("", None, [tag for tag, _q in request.accept_languages])
        t = texts(lang)
        body = render_template("error.html", t=t, lang=lang, status=503, heading=t["unavailable_title"],
                               message=t["unavailable_text"], back=f"{portal_url}/{lang}/",
                               csp_nonce="", language_names=LANGUAGE_NAMES)
        return Response(body, status=503)

    @app.get("/eid")
    def eid() -> Any:
        state = _param("state")
        if state is None:
            return "eID login failed", 400
        try:
            user = verifier.verify_request(request.environ)
        except (AuthError, TlsError) as exc:
            audit.warning("eID TLS login refused: %s: %s", type(exc).__name__, exc)
            return "eID login failed", 401
        code = handoff.complete(state, user.to_dict())
        if code is None:
            audit.warning("eID TLS login refused: unknown or used state")
            return "eID login failed", 400
        audit.info("eID TLS login: serial %s issuer %s", user.certificate_serial, user.issuer)
        return redirect(f"{return_url}?{urllib.parse.urlencode({'code': code})}", code=303)

    return app


@dataclass(frozen=True)
class EidTlsLogin:
    """What the portal needs to offer the login host: the shared handoff and the login host's URL.

    A handoff store that does not answer raises :class:`~examples.portal.errors.StoreUnavailable` in the
    routes: the portal's own handler turns it into its 503 page.
    """

    handoff: HandoffStore
    login_url: str

    def blueprint(self, portal: PortalContext) -> Blueprint:
        """The portal's two routes (start, return) on the portal's own sessions and cookie.

        Register it with ``app.register_blueprint(link.blueprint(app.extensions["eidportal"]))`` and
        give ``create_app(login_host_url=PORTAL/auth/eid-tls/start)`` so the eID step links to it.
        """
        routes = Blueprint("eid_tls", __name__)

        @routes.get("/auth/eid-tls/start")
        def start() -> Any:
            session_id = request.cookies.get(COOKIE) or new_session_id()
            if len(session_id) > MAX_PARAM:
                session_id = new_session_id()
            lang = request.args.get("lang", DEFAULT_LANGUAGE)
            state = self.handoff.start(session_id, lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
            response = redirect(f"{self.login_url}?{urllib.parse.urlencode({'state': state})}", code=303)
            portal.set_cookie(response, session_id)
            return response

        @routes.get("/auth/eid-tls/return")
        def finish() -> Any:
            code = _param("code")
            session_id = request.cookies.get(COOKIE)
            redeemed = self.handoff.redeem(code, session_id) if code is not None else None
            if redeemed is None:
                audit.warning("eID TLS login refused: one-time code unknown, used or from another session")
                return jsonify(error="authentication_failed"), 403
            user, lang = redeemed
            portal.sessions.destroy(session_id)
            record = portal.sessions.create(user, auth_method=str(user.get("auth_method", "eid")),
                                            level=int(user.get("level", 500)), lang=lang)
            answer: BaseResponse
            if request.accept_mimetypes.best == "application/json":
                answer = jsonify(user=record.user, session=portal.session_json(record),
                                 csrfToken=portal.csrf_token(record.session_id))
            else:
                answer = redirect(f"/{lang}/home", code=303)
            portal.set_cookie(answer, record.session_id)
            return answer

        return routes
