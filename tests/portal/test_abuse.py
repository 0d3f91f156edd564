"""Portal abuse (issue 12, items 6 and 9): hostile bodies, challenge floods, planted pre-login ids,
and a Redis outage on a page. Run against the portal before the fix (commit fb0b28b), every test here
failed except the two that check that good input still passes (nesting within the bound, a server-issued
pre-login id kept)."""

from __future__ import annotations

import pytest

from eidlib.auth import MemoryChallengeStore, RedisChallengeStore, authenticate
from examples.login_client import PortalClient, PortalError
from examples.portal.app import COOKIE
from examples.portal.sessions import RedisSessionStore
from tests.auth.softcard import SoftCard
from tests.portal.conftest import FakeClock, Portal, csrf_for, flask_transport, make_portal, set_cookie_headers
from tests.support.redis import free_port


def _client_from(portal: Portal, address: str) -> PortalClient:
    """A login client whose requests come from ``address`` (the WSGI ``REMOTE_ADDR``)."""
    test_client = portal.app.test_client(use_cookies=False)
    from examples.login_client import Reply
    from tests.portal.conftest import ORIGIN

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        answer = test_client.open(path, method=method, headers=headers, data=body, base_url=ORIGIN,
                                  environ_base={"REMOTE_ADDR": address})
        return Reply(answer.status_code, list(answer.headers.items()), answer.get_data())

    return PortalClient(ORIGIN, send)


# --- item 6: hostile JSON bodies -------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"[" * 60_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b'{"authToken": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
])
def test_deeply_nested_login_body_is_400(portal: Portal, body: bytes) -> None:
    client = portal.client()
    client.challenge()
    headers = {"Content-Type": "application/json", "X-CSRF-Token": client.csrf,
               "Cookie": f"{COOKIE}={client.cookies[COOKIE]}"}
    reply = client.transport("POST", "/auth/login", headers, body)
    assert reply.status == 400
    assert reply.json() == {"error": "bad_request"}


def test_nesting_within_the_bound_still_parses(portal: Portal) -> None:
    client = portal.client()
    client.challenge()
    headers = {"Content-Type": "application/json", "X-CSRF-Token": client.csrf,
               "Cookie": f"{COOKIE}={client.cookies[COOKIE]}"}
    # Brackets inside strings do not count as depth.
    body = b'{"authToken": {"format": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}}'
    assert client.transport("POST", "/auth/login", headers, body).status == 401


def test_oversized_login_body_is_refused_not_500(portal: Portal) -> None:
    client = portal.client()
    client.challenge()
    headers = {"Content-Type": "application/json", "X-CSRF-Token": client.csrf,
               "Cookie": f"{COOKIE}={client.cookies[COOKIE]}"}
    reply = client.transport("POST", "/auth/login", headers, b'{"authToken": "' + b"x" * 70_000 + b'"}')
    assert reply.status == 413 and reply.json() == {"error": "too_large"}


# --- item 9: challenge floods ----------------------------------------------------------------------


def test_anonymous_flood_from_one_client_does_not_lock_out_others(card_and_ca: tuple[SoftCard, bytes]) -> None:
    # A store that holds 1,000 pending challenges; one client asks for 1,000 without cookies.
    portal = make_portal(card_and_ca[1], challenges=MemoryChallengeStore(max_entries=1_000))
    flooder = portal.app.test_client(use_cookies=False)
    statuses = [flooder.get("/auth/challenge", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
                for _ in range(1_000)]
    assert statuses.count(429) > 900  # the per-client limit stopped it early
    user = _client_from(portal, "203.0.113.20")
    assert user.login("1234", token=card_and_ca[0])["user"]["surname"] == "Specimen"


def test_distributed_flood_evicts_the_oldest_challenges(card_and_ca: tuple[SoftCard, bytes]) -> None:
    portal = make_portal(card_and_ca[1], challenges=MemoryChallengeStore(max_entries=500))
    bots = portal.app.test_client(use_cookies=False)
    for i in range(2_000):  # 2,000 distinct addresses, one request each: no per-client limit applies
        assert bots.get("/auth/challenge", environ_base={"REMOTE_ADDR": f"10.{i // 250}.{i % 250}.1"}).status_code \
            == 200
    user = _client_from(portal, "203.0.113.20")
    assert user.login("1234", token=card_and_ca[0])["user"]["surname"] == "Specimen"
    assert len(portal.validator.challenges) <= 500  # type: ignore[arg-type]


def test_planted_pre_login_id_is_not_used(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    victim = portal.client()
    nonce = victim.challenge()
    victim_id = victim.cookies[COOKIE]
    # The attacker chooses an id, or sends a variant of the victim's id.
    for planted in ("attacker-chosen-id", victim_id.rsplit(".", 1)[0], victim_id + "x"):
        reply = flask_transport(portal.app)("GET", "/auth/challenge", {"Cookie": f"{COOKIE}={planted}"}, None)
        assert reply.status == 200
        (cookie,) = set_cookie_headers(reply.headers)
        issued = cookie.split(";")[0].split("=", 1)[1]
        assert issued not in (planted, victim_id)
    # The victim's challenge was not re-issued: the token for the nonce it was given still logs in.
    token = authenticate("1234", challenge=nonce, origin=victim.origin, token=card_and_ca[0])
    assert victim._call("login", "POST", "/auth/login", {"authToken": token.to_dict()})["user"]


def test_server_issued_pre_login_id_is_kept(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    client = portal.client()
    client.challenge()
    first = client.cookies[COOKIE]
    client.challenge()
    assert client.cookies[COOKIE] == first
    assert client.login("1234", token=card_and_ca[0])["user"]


def test_login_with_an_unsigned_pre_login_id_is_refused(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    from tests.portal.conftest import csrf_for

    planted = "attacker-chosen-id"
    portal.validator.challenges.issue(planted)  # even if a challenge existed under that id
    nonce = portal.validator.challenges.issue(planted)
    token = authenticate("1234", challenge=nonce, origin=portal.client().origin, token=card_and_ca[0])
    client = PortalClient(portal.client().portal_url, portal.client().transport, cookies={COOKIE: planted},
                          csrf=csrf_for(planted))
    with pytest.raises(PortalError) as info:
        client._call("login", "POST", "/auth/login", {"authToken": token.to_dict()})
    assert info.value.status in (401, 403)


# --- item 9: a Redis outage on a page --------------------------------------------------------------


def _dead_redis() -> object:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))


@pytest.mark.parametrize("path", ["/nl/home", "/fr/home", "/de/login/eid", "/en/home"])
def test_redis_outage_on_a_page_is_a_localized_503(card_and_ca: tuple[SoftCard, bytes], path: str) -> None:
    dead = _dead_redis()
    portal = make_portal(card_and_ca[1], clock=FakeClock(), challenges=RedisChallengeStore(dead),  # type: ignore[arg-type]
                         store=RedisSessionStore(dead))
    web = portal.app.test_client()
    web.set_cookie(COOKIE, "some-session-id", domain="localhost")
    page = web.get(path, base_url="https://localhost")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    lang = path.split("/")[1]
    assert f'<html lang="{lang}"' in html
    assert {"nl": "tijdelijk niet beschikbaar", "fr": "temporairement indisponible",
            "de": "vorübergehend nicht verfügbar", "en": "temporarily unavailable"}[lang] in html
    assert "Traceback" not in html


def test_redis_outage_on_the_session_api_is_503_json(card_and_ca: tuple[SoftCard, bytes]) -> None:
    dead = _dead_redis()
    portal = make_portal(card_and_ca[1], challenges=RedisChallengeStore(dead),  # type: ignore[arg-type]
                         store=RedisSessionStore(dead))
    reply = flask_transport(portal.app)("GET", "/session", {"Cookie": f"{COOKIE}=some-session-id"}, None)
    assert reply.status == 503 and reply.json() == {"error": "unavailable"}


def test_100000_anonymous_challenges_leave_room_for_real_users(card_and_ca: tuple[SoftCard, bytes]) -> None:
    # The issue's figure, at the gate (no HTTP): the default limits and the default store (100,000 entries).
    from examples.portal.challenges import ChallengeGate, ChallengeLimits, MemoryPendingLedger, MemoryRateLimiter
    from examples.portal.errors import RateLimited

    portal = make_portal(card_and_ca[1])
    limits = ChallengeLimits()
    gate = ChallengeGate(portal.validator, MemoryRateLimiter(limits), MemoryPendingLedger(limits))
    refused = 0
    for i in range(50_000):  # one address
        try:
            gate.issue(f"a{i}", "198.51.100.7")
        except RateLimited:
            refused += 1
    for i in range(50_000):  # and 50,000 addresses
        gate.issue(f"b{i}", f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
    assert refused == 50_000 - limits.per_client
    assert len(portal.validator.challenges) <= limits.max_pending  # type: ignore[arg-type]
    nonce = gate.issue("real-user", "203.0.113.20")
    assert portal.validator.challenges.consume("real-user") == nonce


def test_signing_calls_parse_bounded_bodies_and_strict_certificates(portal: Portal,
                                                                   card_and_ca: tuple[SoftCard, bytes]) -> None:
    """The Web eID signing endpoints: a deeply nested body is 400 (not a 500 from the parser's recursion),
    and a certificate whose version field is bad is refused as a bad certificate (not a 500)."""
    import base64

    from tests.portal.test_portal import login

    client = login(portal, card_and_ca[0])
    web = portal.app.test_client(use_cookies=False)
    headers = {"Cookie": f"{COOKIE}={client.cookies[COOKIE]}", "Content-Type": "application/json",
               "X-CSRF-Token": csrf_for(client.cookies[COOKIE])}
    for path in ("/webeid/sign/prepare", "/webeid/sign/finish"):
        deep = web.post(path, data=b"[" * 3000 + b"]" * 3000, headers=headers)
        assert deep.status_code == 400 and deep.get_json() == {"error": "bad_request"}
    der = bytearray(card_and_ca[1])
    version = der.index(b"\xa0\x03\x02\x01\x02")  # [0] EXPLICIT INTEGER 2 (v3)
    der[version + 4] = 0x07  # a version cryptography cannot read (InvalidVersion, not a ValueError)
    bad = web.post("/webeid/sign/prepare", headers=headers,
                   json={"certificate": base64.b64encode(bytes(der)).decode(), "supportedSignatureAlgorithms": []})
    assert bad.status_code == 400 and bad.get_json() == {"error": "bad_certificate"}
