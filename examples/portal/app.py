"""The portal: language choice → "Log in" → choice of digital key → eID step → logged-in page → logout.

Pages (every one in NL, FR, DE and EN; the language is the path's first segment):

* ``/`` language choice; ``/<lang>/`` welcome with "Log in"; ``/<lang>/login`` the digital keys (eID card
  reader works, itsme and security code answer the 501 page); ``/<lang>/login/eid`` the eID step (login host
  and Web eID, with detection and install help); ``/<lang>/home`` the logged-in page with the idle warning;
  ``/<lang>/logged-out``; localized 404/429/501/503 pages, never a traceback.

JSON API (used by the page scripts and by ``examples/login_client.py``):

* ``GET  /auth/challenge``  → ``{"challengeNonce", "csrfToken"}``; sets the signed pre-login session cookie.
* ``POST /auth/login``      (header ``X-CSRF-Token``) body ``{"authToken": {...}, "lang"}`` → ``{"user",
  "session", "csrfToken"}``; the session id is rotated, the challenge was single use.
* ``GET  /session``         → expiry times (server clock, ISO 8601 UTC); does **not** count as activity.
* ``POST /session/extend``  (CSRF) → new expiry while the session lives; ``401 {"error": "session_expired"}``
  once it is gone.
* ``POST /logout``          (CSRF) → destroys the session; a form post is redirected to the logout page.

Sessions: idle timeout, warning lead and absolute cap from :class:`SessionManager` (20 min, 2 min, 8 h by
default). Cookie ``__Host-eidportal``: Secure, HttpOnly, SameSite=Strict, Path=/. CSRF tokens are an HMAC of
the session id under the portal secret, so every instance sharing the secret (and the Redis stores)
accepts them. Scripts come from ``static/`` only; the CSP allows no inline script (a per-response nonce is
available to templates as ``csp_nonce``).

Plug-in points for the two eID login methods: ``login_host_url`` (the TLS client-certificate host; the eID
step links to it) and ``app.extensions["eidportal"]`` (:class:`PortalContext`: sessions, CSRF and the cookie,
for a login host or Web eID module that starts a session itself). A ``static/webeid.js`` is loaded on the
eID step when present.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from eidlib.auth import AuthError, AuthTokenValidator, ChallengeStoreUnavailable
from examples.portal.bodies import parse_object
from examples.portal.challenges import (
    ChallengeGate,
    ChallengeLimits,
    MemoryPendingLedger,
    MemoryRateLimiter,
    PendingLedger,
    PreLoginIds,
    RateLimiter,
)
from examples.portal.errors import BadBody, RateLimited, StoreUnavailable
from examples.portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, pick_language, texts
from examples.portal.sessions import MemorySessionStore, SessionManager, SessionRecord
from examples.portal.webeid_pages import create_blueprint as webeid_pages

COOKIE = "__Host-eidportal"
LANG_COOKIE = "__Host-eidportal-lang"
CSRF_HEADER = "X-CSRF-Token"
MAX_LOGIN_BODY = 64 * 1024
STATIC = Path(__file__).with_name("static")

#: Unavailable digital keys: shown on the method page, answered with the 501 page.
UNAVAILABLE_METHODS = ("itsme", "token")

audit = logging.getLogger("examples.portal.audit")

_API_PREFIXES = ("/auth/", "/session", "/logout")
#: The eID TLS login's start and return: a browser navigates there (pages), ``eid login`` asks for JSON.
_BROWSER_AUTH_PREFIX = "/auth/eid-tls/"


@dataclass
class PortalContext:
    """What a login method registered on the portal needs to start a session (``app.extensions``)."""

    sessions: SessionManager
    key: bytes

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of ``session_id`` (an HMAC under the portal secret)."""
        mac = hmac.new(self.key, b"csrf|" + session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def set_cookie(self, response: BaseResponse, session_id: str) -> None:
        """Give the browser ``session_id`` in the ``__Host-`` cookie."""
        response.set_cookie(COOKIE, session_id, secure=True, httponly=True, samesite="Strict", path="/")

    def session_json(self, record: SessionRecord) -> dict[str, Any]:
        """Deadlines of ``record`` for the page script (ISO 8601 UTC, server clock)."""
        manager = self.sessions
        expiry = manager.expiry(record)
        return {
            "expiresAt": iso(expiry.expires_at),
            "idleExpiresAt": iso(expiry.idle_expires_at),
            "absoluteExpiresAt": iso(expiry.absolute_expires_at),
            "warnAt": iso(expiry.expires_at - manager.warning_lead),
            "serverTime": iso(manager.clock()),
            "idleTimeoutSeconds": manager.idle_timeout,
            "warningLeadSeconds": manager.warning_lead,
            "authMethod": record.auth_method,
            "level": record.level,
        }


def create_app(
    *,
    validator: AuthTokenValidator,
    sessions: SessionManager | None = None,
    secret_key: bytes | None = None,
    limits: ChallengeLimits | None = None,
    rate_limiter: RateLimiter | None = None,
    ledger: PendingLedger | None = None,
    login_host_url: str | None = None,
) -> Flask:
    """Build the portal.

    ``validator`` carries the site origin, trust anchors, OCSP settings and the challenge store (memory or
    Redis); ``sessions`` the session store, clock and durations; ``secret_key`` (shared by all instances)
    keys the CSRF tokens and the pre-login ids; ``limits``/``rate_limiter``/``ledger`` bound the challenges
    (memory versions by default, Redis ones from ``__main__`` when several instances share a Redis);
    ``login_host_url`` is the TLS client-certificate login host offered on the eID step.
    """
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_LOGIN_BODY
    app.url_map.strict_slashes = False  # "/nowhere" is a 404 page, not a redirect to "/nowhere/"
    manager = sessions or SessionManager(MemorySessionStore())
    key = secret_key or secrets.token_bytes(32)
    portal = PortalContext(manager, key)
    app.extensions["eidportal"] = portal
    limits = limits or ChallengeLimits()
    gate = ChallengeGate(validator, rate_limiter or MemoryRateLimiter(limits), ledger or MemoryPendingLedger(limits))
    pre_login = PreLoginIds(key)
    app.register_blueprint(webeid_pages())

    def csrf_ok(session_id: str | None) -> bool:
        sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
        expected = portal.csrf_token(str(session_id))
        return bool(session_id) and hmac.compare_digest(sent.encode(), expected.encode())

    def client_address() -> str:
        return request.remote_addr or "unknown"

    def is_api() -> bool:
        if request.path.startswith(_BROWSER_AUTH_PREFIX):  # navigations to and from the login host
            return request.accept_mimetypes.best == "application/json"
        return request.path.startswith(_API_PREFIXES) and request.mimetype != "application/x-www-form-urlencoded"

    def page(template: str, lang: str, status: int = 200, **values: Any) -> Response:
        response = Response(render_template(template, t=texts(lang), lang=lang, status=status, **values),
                            status=status)
        if request.path.startswith(f"/{lang}/"):
            response.set_cookie(LANG_COOKIE, lang, secure=True, httponly=True, samesite="Lax", path="/")
        return response

    def error_page(status: int, title: str, text: str, *, retry_after: int | None = None) -> Response:
        lang = pick_language(request.path, request.cookies.get(LANG_COOKIE),
                             [tag for tag, _q in request.accept_languages])
        t = texts(lang)
        response = Response(render_template("error.html", t=t, lang=lang, status=status, heading=t[title],
                                            message=t[text]), status=status)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def api_error(status: int, error: str, *, retry_after: int | None = None) -> Response:
        response = jsonify(error=error)
        response.status_code = status
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def lang_or_404(lang: str) -> str:
        if lang not in LANGUAGES:
            raise NotFound()
        return lang

    def expired() -> Response:
        response = jsonify(error="session_expired", login=f"/{DEFAULT_LANGUAGE}/login")
        response.status_code = 401
        response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="Strict", path="/")
        return response

    def issue_challenge() -> tuple[str, str]:
        """The browser's signed pre-login id (a new one unless it sent one we issued) and a fresh nonce."""
        session_id = request.cookies.get(COOKIE)
        if not pre_login.check(session_id):
            session_id = pre_login.new()
        assert session_id is not None
        return session_id, gate.issue(session_id, client_address())

    # --- response headers and errors ---------------------------------------------------------------

    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def template_values() -> dict[str, Any]:
        return {"csp_nonce": g.get("csp_nonce", ""), "language_names": LANGUAGE_NAMES}

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{g.get('csp_nonce', '')}'; style-src 'self'; "
            "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
            "frame-ancestors 'none'"
        )
        return response

    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(ChallengeStoreUnavailable)
    def store_down(exc: Exception) -> Response:
        audit.error("store unavailable on %s: %s", request.path, exc)
        if is_api():
            return api_error(503, "unavailable")
        return error_page(503, "unavailable_title", "unavailable_text")

    @app.errorhandler(RateLimited)
    def rate_limited(exc: RateLimited) -> Response:
        audit.warning("challenges refused for %s: %s", client_address(), exc)
        if is_api():
            return api_error(429, "rate_limited", retry_after=exc.retry_after)
        return error_page(429, "rate_limited_title", "rate_limited_text", retry_after=exc.retry_after)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> Response:
        if is_api():
            return api_error(413, "too_large")
        return error_page(413, "bad_request_title", "error_text")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if is_api():
            return api_error(status, "not_found" if status == 404 else "bad_request")
        if status == 404:
            return error_page(404, "not_found_title", "not_found_text")
        return error_page(status, "bad_request_title" if status < 500 else "error_title", "error_text")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # Logged with its class for the operator; the user sees a localized page, never a traceback.
        audit.exception("unexpected error on %s: %s", request.path, type(exc).__name__)
        if is_api():
            return api_error(500, "internal")
        return error_page(500, "error_title", "error_text")

    # --- pages -----------------------------------------------------------------------------------

    @app.get("/")
    def choose_language() -> Response:
        chosen = pick_language("/", request.cookies.get(LANG_COOKIE), [tag for tag, _q in request.accept_languages])
        return page("language.html", chosen, languages=LANGUAGES,
                    all_choose={code: texts(code)["choose_language"] for code in LANGUAGES})

    @app.get("/<lang>/")
    def welcome(lang: str) -> Response:
        return page("connect.html", lang_or_404(lang))

    @app.get("/<lang>/login")
    def choose_method(lang: str) -> Response:
        return page("methods.html", lang_or_404(lang), unavailable=UNAVAILABLE_METHODS,
                    expired=request.args.get("expired") == "1")

    @app.get("/<lang>/login/eid")
    def eid_login(lang: str) -> Response:
        lang = lang_or_404(lang)
        cookie = request.cookies.get(COOKIE)
        if cookie and not pre_login.check(cookie) and manager.get(cookie, touch=False) is not None:
            return redirect(f"/{lang}/home")  # type: ignore[return-value]  # logged in already
        session_id, nonce = issue_challenge()
        response = page("eid.html", lang, challenge=nonce, csrf=portal.csrf_token(session_id),
                        login_host_url=login_host_url, webeid_script=(STATIC / "webeid.js").is_file())
        portal.set_cookie(response, session_id)
        return response

    @app.get("/<lang>/login/<method>")
    def unavailable_method(lang: str, method: str) -> Response:
        lang = lang_or_404(lang)
        if method not in UNAVAILABLE_METHODS:
            raise NotFound()
        t = texts(lang)
        return page("error.html", lang, status=501, heading=t[method], message=t["not_available"],
                    back=f"/{lang}/login", back_text=t["choose_method"])

    @app.get("/<lang>/home")
    def home(lang: str) -> Response:
        lang = lang_or_404(lang)
        cookie = request.cookies.get(COOKIE)
        record = manager.get(cookie, touch=True)
        if record is None:
            # A session cookie the server no longer knows: it ended (idle, cap, logout elsewhere).
            ended = bool(cookie) and not pre_login.check(cookie)
            return redirect(f"/{lang}/login" + ("?expired=1" if ended else ""))  # type: ignore[return-value]
        # The page polls the (non-touching) status often enough to follow other tabs and the warning.
        poll = min(30.0, max(2.0, manager.warning_lead / 4))
        return page("home.html", lang, user=record.user, session=portal.session_json(record),
                    csrf=portal.csrf_token(record.session_id), poll_seconds=poll)

    @app.get("/<lang>/logged-out")
    def logged_out(lang: str) -> Response:
        return page("logged_out.html", lang_or_404(lang))

    # --- JSON API ----------------------------------------------------------------------------------

    @app.get("/auth/challenge")
    def challenge() -> Response:
        session_id, nonce = issue_challenge()
        response = jsonify(challengeNonce=nonce, csrfToken=portal.csrf_token(session_id))
        portal.set_cookie(response, session_id)
        return response

    @app.post("/auth/login")
    def login() -> Response:
        session_id = request.cookies.get(COOKIE)
        if not pre_login.check(session_id) or not csrf_ok(session_id):
            return api_error(403, "csrf")
        assert session_id is not None
        try:
            body = parse_object(request.get_data(cache=False))
        except BadBody as exc:
            audit.warning("login body refused: %s", exc)
            return api_error(400, "bad_request")
        token = body.get("authToken")
        lang = body.get("lang")
        if not isinstance(token, (dict, str)):
            return api_error(400, "authentication_failed")
        try:
            user = validator.validate_session(token, session_id)
        except ChallengeStoreUnavailable as exc:
            audit.error("login impossible: %s", exc)
            return api_error(503, "unavailable")
        except AuthError as exc:
            # The user sees a generic message; the exact reason goes to the audit log.
            audit.warning("login failed: %s: %s", type(exc).__name__, exc)
            return api_error(401, "authentication_failed")
        finally:
            gate.consumed(session_id)
        record = manager.create(user.to_dict(), auth_method=user.auth_method, level=user.level,
                                lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
        audit.info("login: serial %s issuer %s level %s", user.certificate_serial, user.issuer, user.level)
        response = jsonify(user=record.user, session=portal.session_json(record),
                           csrfToken=portal.csrf_token(record.session_id))
        portal.set_cookie(response, record.session_id)
        return response

    @app.get("/session")
    def session_status() -> Response:
        record = manager.get(request.cookies.get(COOKIE), touch=False)
        if record is None:
            return expired()
        return jsonify(authenticated=True, user=record.user, session=portal.session_json(record))

    @app.post("/session/extend")
    def extend() -> Response:
        session_id = request.cookies.get(COOKIE)
        if not csrf_ok(session_id):
            return api_error(403, "csrf")
        record = manager.get(session_id, touch=True)
        if record is None:
            return expired()
        return jsonify(authenticated=True, session=portal.session_json(record))

    @app.post("/logout")
    def logout() -> Response:
        session_id = request.cookies.get(COOKIE)
        form = request.mimetype == "application/x-www-form-urlencoded"
        if not csrf_ok(session_id):
            if form:
                return error_page(403, "bad_request_title", "error_text")
            return api_error(403, "csrf")
        record = manager.get(session_id, touch=False)
        manager.destroy(session_id)
        if form:
            lang = request.form.get("lang", "")
            if lang not in LANGUAGES:
                lang = record.lang if record is not None else pick_language("/", request.cookies.get(LANG_COOKIE), ())
            response: Response = redirect(f"/{lang}/logged-out", code=303)  # type: ignore[assignment]
        else:
            response = jsonify(loggedOut=True)
        response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="Strict", path="/")
        return response

    return app


def iso(timestamp: float) -> str:
    """``timestamp`` as ISO 8601 UTC to the millisecond (``2026-12-01T10:20:00.000Z``), what ``Date`` parses."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
