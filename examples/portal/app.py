"""The portal: language choice → "connect" → choice of digital key → eID login → session.

JSON API used by the login client (and by a page script in a browser):

* ``GET  /auth/challenge``  → ``{"challengeNonce", "csrfToken"}``; sets the pre-login session cookie.
* ``POST /auth/login``      (header ``X-CSRF-Token``) body ``{"authToken": {...}}`` → ``{"user", "session"}``;
  the session id is rotated, the challenge was single use.
* ``GET  /session``         → expiry times (server clock); does **not** count as activity.
* ``POST /session/extend``  (CSRF) → new expiry while the session lives; ``401 {"error": "session_expired"}``
  once it is gone (the user must log in again).
* ``POST /logout``          (CSRF) → destroys the session on the server.

Sessions: 20 minutes idle, 8 hours absolute (``sessions.py``). Cookie ``__Host-eidportal``: Secure,
HttpOnly, SameSite=Strict, Path=/. CSRF tokens are an HMAC of the session id under the portal secret,
so every instance sharing the secret (and the Redis stores) accepts them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

from flask import Flask, Response, abort, jsonify, redirect, render_template, request

from eidlib.auth import AuthError, AuthTokenValidator, ChallengeStoreUnavailable
from examples.portal.i18n import DEFAULT_LANGUAGE, LANGUAGES, texts
from examples.portal.sessions import WARNING_BEFORE, MemorySessionStore, SessionManager, new_session_id

COOKIE = "__Host-eidportal"
CSRF_HEADER = "X-CSRF-Token"
MAX_LOGIN_BODY = 64 * 1024

audit = logging.getLogger("examples.portal.audit")


def create_app(
    *,
    validator: AuthTokenValidator,
    sessions: SessionManager | None = None,
    secret_key: bytes | None = None,
) -> Flask:
    """Build the portal. ``validator`` carries the site origin, trust anchors, OCSP settings and the
    challenge store (memory or Redis); ``sessions`` the session store and clock; ``secret_key``
    (shared by all instances) keys the CSRF tokens."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_LOGIN_BODY
    manager = sessions or SessionManager(MemorySessionStore())
    key = secret_key or secrets.token_bytes(32)

    def csrf_token(session_id: str) -> str:
        mac = hmac.new(key, b"csrf|" + session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def csrf_ok(session_id: str | None) -> bool:
        sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
        return bool(session_id) and hmac.compare_digest(sent.encode(), csrf_token(str(session_id)).encode())

    def set_cookie(response: Response, session_id: str) -> None:
        response.set_cookie(COOKIE, session_id, secure=True, httponly=True, samesite="Strict", path="/")

    def session_json(record: Any) -> dict[str, Any]:
        expiry = manager.expiry(record)
        return {
            "expiresAt": _iso(expiry.expires_at),
            "idleExpiresAt": _iso(expiry.idle_expires_at),
            "absoluteExpiresAt": _iso(expiry.absolute_expires_at),
            "warnAt": _iso(expiry.expires_at - WARNING_BEFORE),
            "serverTime": _iso(manager.clock()),
            "idleTimeoutSeconds": manager.idle_timeout,
            "authMethod": record.auth_method,
            "level": record.level,
        }

    def expired() -> tuple[Response, int]:
        response = jsonify(error="session_expired", login=f"/{DEFAULT_LANGUAGE}/login")
        response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="Strict", path="/")
        return response, 401

    def language(lang: str) -> str:
        if lang not in LANGUAGES:
            abort(404)
        return lang

    @app.after_request
    def no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        return response

    # --- pages -----------------------------------------------------------------------------------

    @app.get("/")
    def choose_language() -> str:
        return render_template("language.html", t=texts(DEFAULT_LANGUAGE), languages=LANGUAGES,
                               all_texts={lang: texts(lang) for lang in LANGUAGES})

    @app.get("/<lang>/")
    def welcome(lang: str) -> str:
        return render_template("connect.html", t=texts(language(lang)), lang=lang)

    @app.get("/<lang>/login")
    def choose_method(lang: str) -> str:
        return render_template("methods.html", t=texts(language(lang)), lang=lang)

    @app.get("/<lang>/login/eid")
    def eid_login(lang: str) -> Response:
        session_id = request.cookies.get(COOKIE) or new_session_id()
        response = Response(render_template("eid.html", t=texts(language(lang)), lang=lang,
                                            csrf=csrf_token(session_id)))
        set_cookie(response, session_id)
        return response

    @app.get("/<lang>/login/<method>")
    def unavailable_method(lang: str, method: str) -> tuple[str, int]:
        if method not in ("itsme", "token"):
            abort(404)
        return render_template("unavailable.html", t=texts(language(lang)), lang=lang, method=method), 501

    @app.get("/<lang>/home")
    def home(lang: str) -> Any:
        record = manager.get(request.cookies.get(COOKIE), touch=True)
        if record is None:
            return redirect(f"/{language(lang)}/login")
        return render_template("home.html", t=texts(language(lang)), lang=lang, user=record.user,
                               expires=session_json(record)["expiresAt"], csrf=csrf_token(record.session_id))

    # --- JSON API ----------------------------------------------------------------------------------

    @app.get("/auth/challenge")
    def challenge() -> Response:
        session_id = request.cookies.get(COOKIE) or new_session_id()
        if len(session_id) > 128:
            session_id = new_session_id()
        try:
            nonce = validator.issue_challenge(session_id)
        except AuthError as exc:
            audit.warning("challenge refused: %s", type(exc).__name__)
            abort(503)
        response = jsonify(challengeNonce=nonce, csrfToken=csrf_token(session_id))
        set_cookie(response, session_id)
        return response

    @app.post("/auth/login")
    def login() -> tuple[Response, int]:
        session_id = request.cookies.get(COOKIE)
        if not csrf_ok(session_id):
            return jsonify(error="csrf"), 403
        body = request.get_json(silent=True)
        token = body.get("authToken") if isinstance(body, dict) else None
        lang = body.get("lang", DEFAULT_LANGUAGE) if isinstance(body, dict) else DEFAULT_LANGUAGE
        if not isinstance(token, (dict, str)):
            return jsonify(error="authentication_failed"), 400
        try:
            user = validator.validate_session(token, str(session_id))
        except ChallengeStoreUnavailable as exc:
            audit.error("login impossible: %s", exc)
            return jsonify(error="unavailable"), 503
        except AuthError as exc:
            # The user sees a generic message; the exact reason goes to the audit log.
            audit.warning("login failed: %s: %s", type(exc).__name__, exc)
            return jsonify(error="authentication_failed"), 401
        manager.destroy(session_id)
        record = manager.create(user.to_dict(), auth_method=user.auth_method, level=user.level,
                                lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
        audit.info("login: serial %s issuer %s level %s", user.certificate_serial, user.issuer, user.level)
        response = jsonify(user=record.user, session=session_json(record),
                           csrfToken=csrf_token(record.session_id))
        set_cookie(response, record.session_id)
        return response, 200

    @app.get("/session")
    def session_status() -> Any:
        record = manager.get(request.cookies.get(COOKIE), touch=False)
        if record is None:
            return expired()
        return jsonify(authenticated=True, user=record.user, session=session_json(record))

    @app.post("/session/extend")
    def extend() -> Any:
        session_id = request.cookies.get(COOKIE)
        if not csrf_ok(session_id):
            return jsonify(error="csrf"), 403
        record = manager.get(session_id, touch=True)
        if record is None:
            return expired()
        return jsonify(authenticated=True, session=session_json(record))

    @app.post("/logout")
    def logout() -> Any:
        session_id = request.cookies.get(COOKIE)
        if not csrf_ok(session_id):
            return jsonify(error="csrf"), 403
        manager.destroy(session_id)
        response = jsonify(loggedOut=True)
        response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="Strict", path="/")
        return response

    return app


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat()
