"""Fixtures of the portal tests: a fake clock, portal instances, the login client over the test client."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from eidlib.auth import AuthTokenValidator, ChallengeStore, MemoryChallengeStore
from examples.login_client import PortalClient, Reply
from examples.portal.app import create_app
from examples.portal.sessions import MemorySessionStore, SessionManager, SessionStore
from tests.auth.softcard import SoftCard, soft_card
from tests.support.redis import redis_client, redis_server

__all__ = ["redis_client", "redis_server"]

ORIGIN = "https://portal.example.be"
SECRET = b"portal-test-secret-0123456789abcdef"


class FakeClock:
    """Seconds since the epoch, moved by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Portal:
    app: Flask
    clock: FakeClock
    validator: AuthTokenValidator
    sessions: SessionManager

    def client(self) -> PortalClient:
        return PortalClient(ORIGIN, flask_transport(self.app))


def flask_transport(app: Flask) -> Callable[[str, str, dict[str, str], bytes | None], Reply]:
    test_client = app.test_client(use_cookies=False)

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        answer = test_client.open(path, method=method, headers=headers, data=body, base_url=ORIGIN)
        return Reply(answer.status_code, list(answer.headers.items()), answer.get_data())

    return send


def make_portal(
    trusted: bytes,
    *,
    clock: FakeClock | None = None,
    challenges: ChallengeStore | None = None,
    store: SessionStore | None = None,
) -> Portal:
    clock = clock or FakeClock()
    validator = AuthTokenValidator(
        ORIGIN, [trusted], check_revocation=False,
        challenge_store=challenges if challenges is not None else MemoryChallengeStore(clock=clock),
    )
    sessions = SessionManager(store if store is not None else MemorySessionStore(), clock=clock)
    return Portal(create_app(validator=validator, sessions=sessions, secret_key=SECRET), clock, validator, sessions)


@pytest.fixture
def card_and_ca() -> tuple[SoftCard, bytes]:
    card, _root, ca = soft_card("ec")
    return card, ca.der


@pytest.fixture
def portal(card_and_ca: tuple[SoftCard, bytes]) -> Portal:
    return make_portal(card_and_ca[1])


def set_cookie_headers(reply_headers: list[tuple[str, str]]) -> list[str]:
    return [v for k, v in reply_headers if k.lower() == "set-cookie"]


def csrf_for(session_id: str) -> str:
    """The CSRF token the portal derives for ``session_id`` (an independent computation)."""
    mac = hmac.new(SECRET, b"csrf|" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")
