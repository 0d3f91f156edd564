"""The CSAM-style portal: pages, eID login, 20-minute idle expiry, extension, absolute cap, logout,
session rotation, CSRF, cookies, replay (also across two instances sharing Redis), real HTTP."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from eidlib.auth import AuthTokenValidator, RedisChallengeStore, authenticate
from examples import login_client
from examples.login_client import PortalClient, PortalError
from examples.portal.app import COOKIE, create_app
from examples.portal.challenges import PreLoginIds
from examples.portal.sessions import MemorySessionStore, RedisSessionStore, SessionManager
from tests.auth.softcard import SoftCard
from tests.portal.conftest import (
    SECRET,
    FakeClock,
    Portal,
    csrf_for,
    flask_transport,
    make_portal,
    set_cookie_headers,
)
from tests.support.redis import free_port

MIN = 60.0


def login(portal: Portal, card: SoftCard) -> PortalClient:
    client = portal.client()
    answer = client.login("1234", token=card)
    assert answer["user"]["national_number"] == "71715100070"
    return client


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- pages ---------------------------------------------------------------------------------------


def test_language_choice_and_methods(portal: Portal) -> None:
    web = portal.app.test_client()
    page = web.get("/").get_data(as_text=True)
    for lang in ("nl", "fr", "de", "en"):
        assert f'href="/{lang}/"' in page
    assert "Aanmelden" in web.get("/nl/").get_data(as_text=True)
    methods = web.get("/fr/login").get_data(as_text=True)
    assert "lecteur de carte eID" in methods and "itsme" in methods and "Non disponible" in methods
    assert web.get("/de/login/itsme").status_code == 501
    assert web.get("/en/login/token").status_code == 501
    assert web.get("/xx/").status_code == 404
    assert web.get("/en/login/other").status_code == 404
    eid_page = web.get("/nl/login/eid", base_url="https://localhost")
    assert eid_page.status_code == 200 and 'data-csrf="' in eid_page.get_data(as_text=True)


def test_home_requires_login(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    web = portal.app.test_client(use_cookies=False)
    assert web.get("/en/home").status_code == 302
    client = login(portal, card_and_ca[0])
    page = web.get("/nl/home", headers={"Cookie": f"{COOKIE}={client.cookies[COOKIE]}"})
    assert page.status_code == 200 and "Alice Anne Specimen" in page.get_data(as_text=True)


# --- login and session ---------------------------------------------------------------------------


def test_login_rotates_session_and_reports_expiry(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = portal.client()
    client.challenge()
    before = client.cookies[COOKIE]
    answer = client.login("1234", token=card_and_ca[0])
    after = client.cookies[COOKIE]
    assert before != after
    session = answer["session"]
    assert session["idleExpiresAt"] == _iso(portal.clock.now + 20 * MIN)
    assert session["absoluteExpiresAt"] == _iso(portal.clock.now + 8 * 60 * MIN)
    assert session["expiresAt"] == session["idleExpiresAt"]
    assert session["warnAt"] == _iso(portal.clock.now + 18 * MIN)
    assert answer["user"]["level"] == 500 and answer["user"]["auth_method"] == "eid"
    # The pre-login id is not a session.
    stale = PortalClient(client.portal_url, client.transport, cookies={COOKIE: before})
    with pytest.raises(PortalError) as info:
        stale.session()
    assert info.value.status == 401


def test_idle_expiry_at_20_minutes_and_polling_does_not_extend(
    portal: Portal, card_and_ca: tuple[SoftCard, bytes]
) -> None:
    client = login(portal, card_and_ca[0])
    for _ in range(19):
        portal.clock.advance(MIN)
        assert client.session()["authenticated"]  # GET /session is not activity
    portal.clock.advance(MIN - 1)
    assert client.session()["session"]["expiresAt"] == _iso(portal.clock.now + 1)
    portal.clock.advance(1)
    with pytest.raises(PortalError) as info:
        client.session()
    assert (info.value.status, info.value.error) == (401, "session_expired")
    assert len(portal.sessions.store) == 0  # type: ignore[arg-type]  # destroyed on the server


def test_extend_before_and_after_expiry(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = login(portal, card_and_ca[0])
    portal.clock.advance(18 * MIN)  # the warning shows; the user presses OK
    extended = client.extend()["session"]
    assert extended["expiresAt"] == _iso(portal.clock.now + 20 * MIN)
    portal.clock.advance(20 * MIN - 1)
    assert client.session()["authenticated"]
    portal.clock.advance(1)
    with pytest.raises(PortalError) as info:
        client.extend()
    assert (info.value.status, info.value.error) == (401, "session_expired")
    # The user must log in again, and can.
    assert client.login("1234", token=card_and_ca[0])["session"]


def test_absolute_cap(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = login(portal, card_and_ca[0])
    start = portal.clock.now
    while portal.clock.now + 10 * MIN < start + 8 * 60 * MIN:
        portal.clock.advance(10 * MIN)
        session = client.extend()["session"]
    assert session["expiresAt"] == _iso(start + 8 * 60 * MIN)
    portal.clock.now = start + 8 * 60 * MIN
    with pytest.raises(PortalError):
        client.extend()


def test_logout_destroys_the_session(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = login(portal, card_and_ca[0])
    sid = client.cookies[COOKIE]
    client.logout()
    assert COOKIE not in client.cookies
    replayed = PortalClient(client.portal_url, client.transport, cookies={COOKIE: sid}, csrf=client.csrf)
    with pytest.raises(PortalError) as info:
        replayed.extend()
    assert info.value.status == 401
    assert portal.sessions.get(sid, touch=False) is None


def test_cookie_attributes(portal: Portal) -> None:
    reply = flask_transport(portal.app)("GET", "/auth/challenge", {}, None)
    (cookie,) = set_cookie_headers(reply.headers)
    assert cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attributes and "domain" not in attributes
    assert "SameSite=Strict" in cookie and "Path=/" in cookie


# --- CSRF ----------------------------------------------------------------------------------------


def test_csrf_is_required_and_bound_to_the_session(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    card = card_and_ca[0]
    attacker = portal.client()
    attacker.challenge()
    victim = portal.client()
    nonce = victim.challenge()
    token = authenticate("1234", challenge=nonce, origin=victim.origin, token=card)
    body = {"authToken": token.to_dict()}
    for csrf in ("", "wrong", attacker.csrf):
        forged = PortalClient(victim.portal_url, victim.transport, cookies=dict(victim.cookies), csrf=csrf)
        with pytest.raises(PortalError) as info:
            forged._call("login", "POST", "/auth/login", body)
        assert (info.value.status, info.value.error) == (403, "csrf")
    assert victim._call("login", "POST", "/auth/login", body)["user"]  # nonce not spent by the refusals
    victim.csrf = "x" + victim.csrf
    with pytest.raises(PortalError) as info:
        victim.extend()
    assert info.value.status == 403
    with pytest.raises(PortalError):
        victim.logout()


# --- replay --------------------------------------------------------------------------------------


def test_replayed_token_is_rejected(portal: Portal, card_and_ca: tuple[SoftCard, bytes],
                                    caplog: pytest.LogCaptureFixture) -> None:
    client = portal.client()
    nonce = client.challenge()
    token = {"authToken": authenticate("1234", challenge=nonce, origin=client.origin, token=card_and_ca[0]).to_dict()}
    pre_login = dict(client.cookies), client.csrf
    client._call("login", "POST", "/auth/login", token)
    replay = PortalClient(client.portal_url, client.transport, cookies=pre_login[0], csrf=pre_login[1])
    with caplog.at_level(logging.WARNING, logger="examples.portal.audit"), pytest.raises(PortalError) as info:
        replay._call("login", "POST", "/auth/login", token)
    assert (info.value.status, info.value.error) == (401, "authentication_failed")
    assert "NonceNotFound" in caplog.text  # the precise reason is audited, the user sees a generic error


def test_token_for_another_origin_is_rejected(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = portal.client()
    nonce = client.challenge()
    token = authenticate("1234", challenge=nonce, origin="https://portal.example.be.evil.example", token=card_and_ca[0])
    with pytest.raises(PortalError) as info:
        client._call("login", "POST", "/auth/login", {"authToken": token.to_dict()})
    assert info.value.status == 401


@pytest.mark.redis
def test_two_instances_sharing_redis(redis_client: Any, card_and_ca: tuple[SoftCard, bytes]) -> None:
    clock = FakeClock()

    def instance() -> Portal:
        return make_portal(card_and_ca[1], clock=clock, challenges=RedisChallengeStore(redis_client, clock=clock),
                           store=RedisSessionStore(redis_client))

    a, b = instance(), instance()
    client_a = a.client()
    nonce = client_a.challenge()
    token = {"authToken": authenticate("1234", challenge=nonce, origin=client_a.origin,
                                       token=card_and_ca[0]).to_dict()}
    pre_login = dict(client_a.cookies), client_a.csrf
    # Load-balanced: the challenge came from A, the login lands on B.
    on_b = PortalClient(client_a.portal_url, flask_transport(b.app), cookies=dict(pre_login[0]), csrf=pre_login[1])
    assert on_b._call("login", "POST", "/auth/login", token)["user"]["surname"] == "Specimen"
    # Replaying the same request on A (or B again) fails: the nonce was taken atomically from Redis.
    for app in (a.app, b.app):
        replay = PortalClient(client_a.portal_url, flask_transport(app), cookies=dict(pre_login[0]),
                              csrf=pre_login[1])
        with pytest.raises(PortalError) as info:
            replay._call("login", "POST", "/auth/login", token)
        assert info.value.status == 401
    # The session lives in Redis, so A sees it, and the idle rule holds there too.
    on_a = PortalClient(client_a.portal_url, flask_transport(a.app), cookies=dict(on_b.cookies), csrf=on_b.csrf)
    assert on_a.session()["authenticated"]
    clock.advance(20 * 60)
    with pytest.raises(PortalError):
        on_a.extend()


def test_instances_with_separate_memory_stores_do_not_share(card_and_ca: tuple[SoftCard, bytes]) -> None:
    a, b = make_portal(card_and_ca[1]), make_portal(card_and_ca[1])
    client = a.client()
    nonce = client.challenge()
    token = {"authToken": authenticate("1234", challenge=nonce, origin=client.origin, token=card_and_ca[0]).to_dict()}
    on_b = PortalClient(client.portal_url, flask_transport(b.app), cookies=dict(client.cookies), csrf=client.csrf)
    with pytest.raises(PortalError):
        on_b._call("login", "POST", "/auth/login", token)


def test_oversized_or_malformed_login_bodies(portal: Portal) -> None:
    client = portal.client()
    client.challenge()
    for payload in ({"authToken": 5}, {"x": 1}, {"authToken": {"format": "web-eid:1.0"}}, {"authToken": "x" * 50}):
        with pytest.raises(PortalError) as info:
            client._call("login", "POST", "/auth/login", payload)
        assert info.value.status in (400, 401)
    reply = client.transport("POST", "/auth/login", {"Content-Type": "application/json", "X-CSRF-Token": client.csrf,
                                                      "Cookie": f"{COOKIE}={client.cookies[COOKIE]}"},
                             b"{" + b" " * 70000 + b"}")
    assert reply.status == 413


def test_challenge_store_down_fails_closed(card_and_ca: tuple[SoftCard, bytes]) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    portal = make_portal(card_and_ca[1], challenges=RedisChallengeStore(dead))
    reply = flask_transport(portal.app)("GET", "/auth/challenge", {}, None)
    assert reply.status == 503
    pre_login = PreLoginIds(SECRET).new()
    client = PortalClient(portal.client().portal_url, flask_transport(portal.app),
                          cookies={COOKIE: pre_login}, csrf=csrf_for(pre_login))
    with pytest.raises(PortalError) as info:
        client._call("login", "POST", "/auth/login", {"authToken": {"format": "web-eid:1.0"}})
    assert (info.value.status, info.value.error) == (503, "unavailable")


def test_session_manager_rules() -> None:
    with pytest.raises(ValueError):
        SessionManager(MemorySessionStore(), idle_timeout=10, absolute_timeout=5)
    clock = FakeClock()
    manager = SessionManager(MemorySessionStore(), clock=clock)
    record = manager.create({"n": 1}, auth_method="eid", level=500, lang="nl")
    assert manager.get(record.session_id, touch=False) == record
    assert manager.get(None, touch=True) is None and manager.get("nope", touch=True) is None


# --- real HTTP on 127.0.0.1 with the command-line client ----------------------------------------


@pytest.fixture
def http_portal() -> Iterator[str]:
    import eidlib

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with eidlib.open_card(virtual="1.8") as card:
        root = card.read_certificates().root
    assert root
    validator = AuthTokenValidator(origin, [root], check_revocation=False, allow_http_localhost=True)
    app = create_app(validator=validator, sessions=SessionManager(MemorySessionStore()), secret_key=SECRET)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    thread.join(timeout=5)


def test_login_client_over_real_http(http_portal: str, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code = login_client.main(["--portal", http_portal, "--virtual", "1.8", "--pin-stdin", "--logout",
                              "--format", "web-eid:1.1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "logged in: Emma Louise Specimen (level 500)" in out
    assert "extended until" in out and "logged out" in out


def test_login_client_wrong_pin(http_portal: str, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("9999\n"))
    assert login_client.main(["--portal", http_portal, "--virtual", "1.7", "--pin-stdin"]) == 1
    err = capsys.readouterr().err
    assert "wrong PIN" in err and "9999" not in err


def test_login_client_refuses_plain_http_elsewhere() -> None:
    with pytest.raises(ValueError):
        login_client.urllib_transport("http://portal.example.be")
