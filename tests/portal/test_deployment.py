"""The portal deployed like production: two waitress instances sharing a real Redis behind a real nginx.

A few hundred logins with the virtual card's tokens go through nginx to both instances; a session made on
one instance is honoured by the other; a replayed token is refused by both; Redis down gives 503. The
figures (logins/s, p50/p99) are measured in ``benchmarks/portal_load.py``, never asserted here."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

import eidlib
from eidlib import Token
from eidlib.auth import authenticate
from examples.login_client import PortalClient, PortalError, urllib_transport
from examples.portal.app import COOKIE
from tests.portal.deployment import Deployment

LOGINS = 300


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with Deployment(instances=2, extra_args=("--challenges-per-client", "0")) as running:
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
    with Deployment(instances=2, extra_args=("--challenges-per-client", "3")) as running:
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
