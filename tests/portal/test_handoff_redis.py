"""The login host's handoff in a real Redis: two portal instances and a login host, each with its own
client (as separate processes would be), share states and one-time codes.

The login host apps get the virtual card's authentication certificate in nginx's header from a Unix-socket
peer (what nginx sends after the TLS handshake; the handshake itself runs in ``test_deployment.py``)."""

from __future__ import annotations

import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eidlib
from eidlib.auth import AuthTokenValidator, ValidationPolicy
from eidlib.emulator.pki import TestPki
from eidlib.tls import ClientCertificateVerifier, ProxyTrust
from examples.portal.app import COOKIE, create_app
from examples.portal.errors import StoreUnavailable
from examples.portal.loginhost import CODE_TTL, STATE_TTL, EidTlsLogin, create_login_host
from examples.portal.redis_handoff import RedisHandoff
from examples.portal.sessions import RedisSessionStore, SessionManager
from tests.portal.conftest import SECRET, FakeClock
from tests.support.redis import RedisServer

pytestmark = pytest.mark.redis

PORTAL = "https://portal.test"
LOGIN = "https://login.portal.test/eid"
UNIX_PEER = {"REMOTE_ADDR": "<local>"}
USER = {"surname": "Specimen", "level": 500, "auth_method": "eid"}


@pytest.fixture(scope="module")
def certificate_header() -> str:
    with eidlib.open_card(virtual="1.8") as card:
        der = card.read_certificates().authentication
    assert der
    return urllib.parse.quote(ssl.DER_cert_to_PEM_cert(der), safe="")


def _verifier() -> ClientCertificateVerifier:
    pkis = [TestPki.load(profile="1.7"), TestPki.load(profile="1.8")]
    return ClientCertificateVerifier(
        ValidationPolicy.create([p.root.certificate for p in pkis], revocation=None),
        proxy=ProxyTrust(unix_socket=True),
        intermediates=[p.citizen_ca.certificate.public_bytes(serialization.Encoding.DER) for p in pkis])


def _client(url: str) -> Any:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _portal(url: str) -> Flask:
    """One portal instance: its own Redis client for sessions and the handoff."""
    client = _client(url)
    roots = [TestPki.load(profile="1.8").root.certificate]
    app = create_app(validator=AuthTokenValidator(PORTAL, roots, check_revocation=False),
                     sessions=SessionManager(RedisSessionStore(client)), secret_key=SECRET,
                     login_host_url="/auth/eid-tls/start")
    app.register_blueprint(EidTlsLogin(RedisHandoff(client), LOGIN).blueprint(app.extensions["eidportal"]))
    return app


@dataclass
class Stack:
    first: FlaskClient
    second: FlaskClient
    login_host: FlaskClient
    other_login_host: FlaskClient
    header: str

    def start(self, portal: FlaskClient, cookie: str | None = None) -> tuple[str, str]:
        """(state, pre-login session id) of a login started on ``portal``."""
        answer = portal.get("/auth/eid-tls/start?lang=fr", headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
        assert answer.status_code == 303 and answer.location.startswith(LOGIN + "?state=")
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.location).query)["state"][0]
        session = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        return state, session

    def certificate(self, state: str, host: FlaskClient | None = None) -> Any:
        """The login host's answer to the browser coming with the card's certificate."""
        return (host or self.login_host).get(f"/eid?state={urllib.parse.quote(state)}",
                                             headers={"X-SSL-Client-Cert": self.header}, environ_base=UNIX_PEER)

    def code(self, state: str) -> str:
        answer = self.certificate(state)
        assert answer.status_code == 303 and answer.location.startswith(PORTAL + "/auth/eid-tls/return?code=")
        return urllib.parse.parse_qs(urllib.parse.urlsplit(answer.location).query)["code"][0]

    @staticmethod
    def redeem(portal: FlaskClient, code: str, session: str) -> Any:
        return portal.get(f"/auth/eid-tls/return?code={code}",
                          headers={"Cookie": f"{COOKIE}={session}", "Accept": "application/json"})


@pytest.fixture
def stack(redis_server: RedisServer, redis_client: Any, certificate_header: str) -> Iterator[Stack]:
    del redis_client  # flushes the database before the test
    verifier = _verifier()
    hosts = [create_login_host(verifier, RedisHandoff(_client(redis_server.url)), PORTAL).test_client()
             for _ in range(2)]
    yield Stack(_portal(redis_server.url).test_client(use_cookies=False),
                _portal(redis_server.url).test_client(use_cookies=False), hosts[0], hosts[1], certificate_header)


def test_a_code_made_through_one_instance_is_redeemed_through_the_other(stack: Stack) -> None:
    state, session = stack.start(stack.first)
    answer = stack.redeem(stack.second, stack.code(state), session)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["user"]["surname"] == "Specimen" and body["session"]["level"] == 500
    new_session = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert new_session != session  # rotated at login
    status = stack.first.get("/session", headers={"Cookie": f"{COOKIE}={new_session}"}).get_json()
    assert status["authenticated"] and status["session"]["authMethod"] == "eid"


def test_the_browser_lands_on_the_home_page_in_its_language(stack: Stack) -> None:
    state, session = stack.start(stack.second)
    answer = stack.second.get(f"/auth/eid-tls/return?code={stack.code(state)}",
                              headers={"Cookie": f"{COOKIE}={session}"})
    assert answer.status_code == 303 and answer.location == "/fr/home"


def test_a_replayed_code_is_refused_by_both_instances(stack: Stack) -> None:
    state, session = stack.start(stack.first)
    code = stack.code(state)
    assert stack.redeem(stack.first, code, session).status_code == 200
    for portal in (stack.first, stack.second):
        replay = stack.redeem(portal, code, session)
        assert replay.status_code == 403 and replay.get_json() == {"error": "authentication_failed"}


def test_a_code_for_another_session_is_refused_and_spent(stack: Stack) -> None:
    state, victim = stack.start(stack.first)
    _other_state, stranger = stack.start(stack.second)
    code = stack.code(state)
    assert stack.redeem(stack.second, code, stranger).status_code == 403
    assert stack.redeem(stack.first, code, victim).status_code == 403  # the refusal spent it
    assert stack.redeem(stack.second, code, "").status_code == 403


def test_a_state_is_single_use_across_login_hosts(stack: Stack) -> None:
    state, _session = stack.start(stack.first)
    assert stack.certificate(state).status_code == 303
    again = stack.certificate(state, stack.other_login_host)
    assert again.status_code == 400
    assert stack.certificate("made-up-state", stack.other_login_host).status_code == 400


def test_concurrent_redeems_of_one_code_give_one_session(redis_server: RedisServer, redis_client: Any) -> None:
    del redis_client
    state = RedisHandoff(_client(redis_server.url)).start("session-a", "en")
    code = RedisHandoff(_client(redis_server.url)).complete(state, USER)
    assert code is not None
    handoffs = [RedisHandoff(_client(redis_server.url)) for _ in range(8)]
    barrier = threading.Barrier(len(handoffs))
    results: list[object] = []

    def redeem(handoff: RedisHandoff) -> None:
        barrier.wait(timeout=10)
        results.append(handoff.redeem(code, "session-a"))

    threads = [threading.Thread(target=redeem, args=(h,)) for h in handoffs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 8
    assert [r for r in results if r is not None] == [(USER, "en")]


def test_states_and_codes_expire_on_the_clock(redis_client: Any) -> None:
    clock = FakeClock()
    handoff = RedisHandoff(redis_client, clock=clock)
    late = handoff.start("s", "en")
    clock.advance(STATE_TTL + 1)
    assert handoff.complete(late, USER) is None
    code = handoff.complete(handoff.start("s", "en"), USER)
    assert code is not None
    clock.advance(CODE_TTL + 1)
    assert handoff.redeem(code, "s") is None
    assert redis_client.keys("portal:handoff:code:*") == []  # taken even though late


def test_redis_drops_them_at_their_ttl(redis_client: Any) -> None:
    handoff = RedisHandoff(redis_client)
    state = handoff.start("s", "en")
    (state_key,) = redis_client.keys("portal:handoff:state:*")
    assert 0 < redis_client.pttl(state_key) <= STATE_TTL * 1000
    assert handoff.complete(state, USER) is not None
    (code_key,) = redis_client.keys("portal:handoff:code:*")
    assert 0 < redis_client.pttl(code_key) <= CODE_TTL * 1000
    brief = RedisHandoff(redis_client, prefix="brief:", state_ttl=0.05, code_ttl=0.05)
    gone = brief.start("s", "en")
    deadline = time.monotonic() + 5
    while redis_client.keys("brief:state:*") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert brief.complete(gone, USER) is None


def test_redis_holds_no_redeemable_value(redis_client: Any) -> None:
    handoff = RedisHandoff(redis_client)
    state = handoff.start("pre-login-id", "en")
    code = handoff.complete(handoff.start("pre-login-id", "en"), USER)
    assert code is not None and len(state) >= 43 and len(code) >= 43  # 256 random bits each
    dump = b"".join(redis_client.keys("*")) + b"".join(
        redis_client.get(k) or b"" for k in redis_client.keys("portal:handoff:[sc]*"))
    assert state.encode() not in dump and code.encode() not in dump


def test_waiting_states_are_bounded(redis_client: Any) -> None:
    handoff = RedisHandoff(redis_client, max_pending=3)
    first, second = handoff.start("s", "en"), handoff.start("s", "en")
    for _ in range(2):
        handoff.start("s", "en")
    assert handoff.complete(first, USER) is None  # the oldest was dropped
    assert handoff.complete(second, USER) is not None
    assert redis_client.zcard("portal:handoff:pending") == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=64), st.text(max_size=64))
def test_unknown_codes_and_states_never_pass(redis_client: Any, code: str, session: str) -> None:
    handoff = RedisHandoff(redis_client)
    assert handoff.redeem(code, session) is None
    assert handoff.complete(code, USER) is None


def test_redis_down_gives_the_503_page_never_a_500(certificate_header: str) -> None:
    with RedisServer() as server:
        portal = _portal(server.url).test_client(use_cookies=False)
        host = create_login_host(_verifier(), RedisHandoff(_client(server.url)), PORTAL).test_client()
        server.stop()
        start = portal.get("/auth/eid-tls/start?lang=de", headers={"Accept-Language": "de"})
        assert start.status_code == 503 and "vorübergehend nicht verfügbar" in start.get_data(as_text=True)
        back = portal.get("/auth/eid-tls/return?code=abc", headers={"Cookie": f"{COOKIE}=x"})
        assert back.status_code == 503
        page = host.get("/eid?state=abc", headers={"X-SSL-Client-Cert": certificate_header,
                                                   "Accept-Language": "fr-BE,fr;q=0.9"}, environ_base=UNIX_PEER)
        text = page.get_data(as_text=True)
        assert page.status_code == 503 and 'lang="fr"' in text and "temporairement indisponible" in text
        assert f'href="{PORTAL}/fr/"' in text and "Traceback" not in text
        with pytest.raises(StoreUnavailable):
            RedisHandoff(_client(server.url)).redeem("abc", "x")
