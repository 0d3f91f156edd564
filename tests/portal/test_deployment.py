"""The portal deployed like production: two waitress instances sharing a real Redis behind a real nginx.

A few hundred logins with the virtual card's tokens go through nginx to both instances; a session made on
one instance is honoured by the other; a replayed token is refused by both; Redis down gives 503. The TLS
client-certificate login host runs as a third process behind nginx's certificate-requesting block: its
logins start on one instance and are redeemed on the other (the handoff is in Redis); a replayed code and
a code for another browser are refused by both. The figures (logins/s, p50/p99) are measured in
``benchmarks/portal_load.py``, never asserted here."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

import eidlib
from eidlib import Token
from eidlib.auth import authenticate
from eidlib.tls import EidSession, HttpSession, ServerTrust, TlsClient, login
from examples.login_client import PortalClient, PortalError, urllib_transport
from examples.portal.app import COOKIE
from tests.portal.deployment import Deployment

LOGINS = 300
TLS_LOGINS = 20


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with Deployment(instances=2, login_host=True, extra_args=("--challenges-per-client", "0")) as running:
        yield running


@pytest.fixture(scope="module")
def card() -> Iterator[Token]:
    with eidlib.open_card(virtual="1.8") as token:
        yield token


def _on(url: str, client: PortalClient) -> PortalClient:
    """The same browser state, sent straight to one instance (bypassing nginx)."""
    return PortalClient(client.portal_url, urllib_transport(url), cookies=dict(client.cookies), csrf=client.csrf)


@pytest.mark.redis
def test_logins_through_nginx_reach_both_instances(deployment: Deployment, card: Token) -> None:
    for _ in range(LOGINS):
        client = PortalClient(deployment.origin, urllib_transport(deployment.origin))
        assert client.login("1234", token=card)["user"]["surname"] == "Specimen"
        assert client.session()["authenticated"]  # three requests a login: nginx's rotation mixes the pairs
    # Round robin sends each step to either instance: challenges issued by one are consumed by the other.
    for step in ("GET /auth/challenge", "POST /auth/login", "GET /session"):
        seen = deployment.upstreams_seen(step)
        assert len(seen) == 2 and sum(seen.values()) >= LOGINS and min(seen.values()) >= LOGINS // 4, (step, seen)


@pytest.mark.redis
def test_a_session_made_on_one_instance_is_honoured_by_the_other(deployment: Deployment, card: Token) -> None:
    first, second = deployment.instance_urls
    client = PortalClient(deployment.origin, urllib_transport(first))
    client.login("1234", token=card)
    on_second = _on(second, client)
    assert on_second.session()["authenticated"]
    assert on_second.extend()["session"]["expiresAt"]
    on_second.logout()
    with pytest.raises(PortalError) as info:
        _on(first, client).session()
    assert info.value.status == 401  # logged out on the second: gone on the first too


@pytest.mark.redis
def test_a_replayed_token_is_refused_by_both_instances(deployment: Deployment, card: Token) -> None:
    first, second = deployment.instance_urls
    client = PortalClient(deployment.origin, urllib_transport(deployment.origin))
    nonce = client.challenge()
    body = {"authToken": authenticate("1234", challenge=nonce, origin=deployment.origin, token=card,
                                      allow_http_localhost=True).to_dict()}
    captured = PortalClient(deployment.origin, client.transport, cookies=dict(client.cookies), csrf=client.csrf)
    assert client._call("login", "POST", "/auth/login", body)["user"]
    for url in (first, second, deployment.origin):
        replay = _on(url, captured)
        with pytest.raises(PortalError) as info:
            replay._call("login", "POST", "/auth/login", body)
        assert (info.value.status, info.value.error) == (401, "authentication_failed")


@pytest.mark.redis
def test_proxy_headers_give_the_client_address_to_the_rate_limit(card: Token) -> None:
    # Per-client limit 3/min: nginx forwards the address, so the limit counts this client, not nginx.
    with Deployment(instances=2, login_host=True, extra_args=("--challenges-per-client", "3")) as running:
        client = PortalClient(running.origin, urllib_transport(running.origin))
        for _ in range(3):
            client.challenge()
        with pytest.raises(PortalError) as info:
            client.challenge()
        assert (info.value.status, info.value.error) == (429, "rate_limited")
        # The limit lives in Redis: the other instance refuses too.
        with pytest.raises(PortalError):
            _on(running.instance_urls[1], client).challenge()
        # Redis down: pages and API answer 503 through nginx, never 500.
        running.stop_redis()
        request = urllib.request.Request(running.origin + "/de/login/eid", headers={"Cookie": f"{COOKIE}=x"})
        with pytest.raises(urllib.error.HTTPError) as page:
            urllib.request.urlopen(request, timeout=10)
        assert page.value.code == 503
        assert "vorübergehend nicht verfügbar" in page.value.read().decode()
        with pytest.raises(urllib.error.HTTPError) as api:
            urllib.request.urlopen(urllib.request.Request(running.origin + "/session",
                                                          headers={"Cookie": f"{COOKIE}=x"}), timeout=10)
        assert api.value.code == 503 and json.loads(api.value.read()) == {"error": "unavailable"}
        # ... and the eID TLS login: the start page, and the login host once the card is accepted
        assert running.server_ca is not None
        anonymous = HttpSession(TlsClient(None, ServerTrust.from_pem_file(running.server_ca),
                                          resolve=running.resolve))
        start = anonymous.get(running.start_url.replace("lang=en", "lang=de"), headers={"Accept-Language": "de"})
        assert start.status == 503 and "vorübergehend nicht verfügbar" in start.text
        with _card_browser(running, card) as browser:
            host = browser.get(f"{running.login_url}/eid?state=any", headers={"Accept-Language": "de"})
        assert host.status == 503 and "vorübergehend nicht verfügbar" in host.text and "Traceback" not in host.text


def _cookie(session: HttpSession) -> str:
    return next(c.value for c in session.cookies if c.name == COOKIE and c.value is not None)


def _direct(url: str, path: str, cookie: str | None) -> http.client.HTTPResponse:
    """One request to one instance, redirects not followed (what a browser sends there)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    connection.request("GET", path, headers={"Accept": "application/json",
                                             **({"Cookie": f"{COOKIE}={cookie}"} if cookie else {})})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def _start_on(url: str, cookie: str | None) -> tuple[str, str]:
    """(state, pre-login session) of an eID TLS login started on the instance at ``url``."""
    answer = _direct(url, "/auth/eid-tls/start?lang=en", cookie)
    assert answer.status == 303
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)["state"][0]
    return state, answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]


def _code(url: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["code"][0]


def _card_browser(deployment: Deployment, card: Token) -> EidSession:
    assert deployment.server_ca is not None
    return EidSession(card, pin=bytearray(b"1234"), ca_file=deployment.server_ca, resolve=deployment.resolve)


@pytest.mark.redis
def test_tls_logins_through_the_login_host_reach_both_instances(deployment: Deployment, card: Token) -> None:
    assert deployment.server_ca is not None
    with eidlib.open_card(virtual="1.7") as rsa_card:
        for index in range(TLS_LOGINS):
            result = login(deployment.start_url, token=card if index % 2 else rsa_card, pin=bytearray(b"1234"),
                           ca_file=deployment.server_ca, resolve=deployment.resolve)
            assert result.user["surname"] == "Specimen" and result.user["level"] == 500
            # a third request a login, so nginx's rotation puts starts and returns on both instances
            assert result.session.get(f"{deployment.portal_tls_url}/session").json()["authenticated"]
    starts = deployment.upstreams_in_order("GET /auth/eid-tls/start")[-TLS_LOGINS:]
    returns = deployment.upstreams_in_order("GET /auth/eid-tls/return")[-TLS_LOGINS:]
    assert len(starts) == len(returns) == TLS_LOGINS
    # every code was made by the login host process and redeemed by an instance; both ways across them
    crossings = {(made, redeemed) for made, redeemed in zip(starts, returns, strict=True) if made != redeemed}
    assert len(crossings) == 2, (starts, returns)
    # the last session is honoured by either instance
    session_id = _cookie(result.session)
    for url in deployment.instance_urls:
        assert PortalClient(deployment.origin, urllib_transport(url), cookies={COOKIE: session_id}).session()[
            "authenticated"]


@pytest.mark.redis
def test_a_replayed_tls_code_is_refused_by_both_instances(deployment: Deployment, card: Token) -> None:
    first, second = deployment.instance_urls
    with _card_browser(deployment, card) as browser:
        browser.get(f"{deployment.portal_tls_url}/auth/challenge")  # the browser's pre-login session
        pre_login = _cookie(browser)
        state, bound = _start_on(first, pre_login)
        assert bound == pre_login
        answer = browser.get(f"{deployment.login_url}/eid?state={state}", headers={"Accept": "application/json"})
    assert answer.status == 200 and answer.json()["user"]["surname"] == "Specimen"
    code = _code(answer.url)
    for url in (first, second, deployment.origin):
        assert _direct(url, f"/auth/eid-tls/return?code={code}", pre_login).status == 403


@pytest.mark.redis
def test_a_tls_code_for_another_session_is_refused(deployment: Deployment, card: Token) -> None:
    first, second = deployment.instance_urls
    state, victim = _start_on(first, None)  # e.g. a link with someone else's state
    with _card_browser(deployment, card) as browser:
        browser.get(f"{deployment.portal_tls_url}/auth/challenge")
        answer = browser.get(f"{deployment.login_url}/eid?state={state}", headers={"Accept": "application/json"})
        assert _cookie(browser) != victim
    assert answer.status == 403 and answer.url.startswith(f"{deployment.portal_tls_url}/auth/eid-tls/return")
    # the refusal spent the code: not even the session it was made for gets it now
    assert _direct(second, f"/auth/eid-tls/return?code={_code(answer.url)}", victim).status == 403
