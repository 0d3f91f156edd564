"""Challenge stores: single use, TTL, session binding, thread safety; Redis against a real server."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from eidlib.auth import (
    ChallengeStore,
    ChallengeStoreUnavailable,
    MemoryChallengeStore,
    NonceExpired,
    NonceNotFound,
    RedisChallengeStore,
    check_nonce,
)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _stores(clock: Clock, redis_client: Any | None) -> ChallengeStore:
    if redis_client is None:
        return MemoryChallengeStore(ttl=300, clock=clock)
    return RedisChallengeStore(redis_client, ttl=300, clock=clock)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_and_clock(request: pytest.FixtureRequest) -> tuple[ChallengeStore, Clock]:
    clock = Clock()
    client = request.getfixturevalue("redis_client") if request.param == "redis" else None
    return _stores(clock, client), clock


def test_issue_then_consume_once(store_and_clock: tuple[ChallengeStore, Clock]) -> None:
    store, _ = store_and_clock
    assert isinstance(store, ChallengeStore)
    nonce = store.issue("session-a")
    assert check_nonce(nonce) == nonce and len(nonce) == 44
    assert store.consume("session-a") == nonce
    with pytest.raises(NonceNotFound):
        store.consume("session-a")


def test_sessions_are_separate(store_and_clock: tuple[ChallengeStore, Clock]) -> None:
    store, _ = store_and_clock
    a, b = store.issue("a"), store.issue("b")
    assert a != b
    with pytest.raises(NonceNotFound):
        store.consume("c")
    assert store.consume("b") == b
    assert store.consume("a") == a


def test_reissue_replaces(store_and_clock: tuple[ChallengeStore, Clock]) -> None:
    store, _ = store_and_clock
    first = store.issue("a")
    second = store.issue("a")
    assert store.consume("a") == second != first


def test_expiry_is_typed_and_still_single_use(store_and_clock: tuple[ChallengeStore, Clock]) -> None:
    store, clock = store_and_clock
    store.issue("a")
    clock.now += 300
    store.issue("b")
    clock.now += 0.5
    with pytest.raises(NonceExpired):
        store.consume("a")
    with pytest.raises(NonceNotFound):
        store.consume("a")  # deleted even though it had expired
    assert store.consume("b")


@pytest.mark.parametrize("bad", ["", "x" * 300])
def test_bad_session_ids(store_and_clock: tuple[ChallengeStore, Clock], bad: str) -> None:
    store, _ = store_and_clock
    with pytest.raises(NonceNotFound):
        store.issue(bad)
    with pytest.raises(NonceNotFound):
        store.consume(bad)


def test_concurrent_consume_has_one_winner(store_and_clock: tuple[ChallengeStore, Clock]) -> None:
    store, _ = store_and_clock
    def take(session: str, barrier: threading.Barrier, winners: list[str], losers: list[Exception]) -> None:
        barrier.wait()
        try:
            winners.append(store.consume(session))
        except NonceNotFound as exc:
            losers.append(exc)

    for round_ in range(20):
        nonce = store.issue(f"s{round_}")
        winners: list[str] = []
        losers: list[Exception] = []
        barrier = threading.Barrier(4)
        threads = [
            threading.Thread(target=take, args=(f"s{round_}", barrier, winners, losers)) for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert winners == [nonce] and len(losers) == 3


def test_memory_store_bounds() -> None:
    clock = Clock()
    store = MemoryChallengeStore(ttl=10, clock=clock, max_entries=3)
    for s in "abc":
        store.issue(s)
    with pytest.raises(ChallengeStoreUnavailable):
        store.issue("d")
    store.issue("a")  # replacing an existing one is fine
    clock.now += 11
    store.issue("d")  # expired entries are purged to make room
    assert len(store) == 1
    with pytest.raises(ValueError):
        MemoryChallengeStore(ttl=0)


@pytest.mark.redis
def test_redis_key_has_a_ttl_and_prefix(redis_client: Any) -> None:
    store = RedisChallengeStore(redis_client, ttl=30, prefix="t:", grace=10)
    store.issue("abc")
    ttl_ms = redis_client.pttl("t:abc")
    assert 30_000 < ttl_ms <= 40_000
    assert redis_client.get("t:abc").decode().split(":", 1)[1] == store.consume("abc")


@pytest.mark.redis
def test_redis_real_expiry_removes_the_key(redis_client: Any) -> None:
    store = RedisChallengeStore(redis_client, ttl=0.05, grace=0.05)
    store.issue("a")
    import time

    time.sleep(0.25)
    with pytest.raises(NonceNotFound):
        store.consume("a")


@pytest.mark.redis
def test_two_stores_share_one_redis(redis_client: Any) -> None:
    import redis

    other_client = redis.Redis(host="127.0.0.1", port=redis_client.connection_pool.connection_kwargs["port"])
    a = RedisChallengeStore(redis_client)
    b = RedisChallengeStore(other_client)
    nonce = a.issue("s")
    assert b.consume("s") == nonce
    with pytest.raises(NonceNotFound):
        a.consume("s")
    other_client.close()


@pytest.mark.redis
def test_malformed_value_in_redis(redis_client: Any) -> None:
    store = RedisChallengeStore(redis_client, prefix="p:")
    redis_client.set("p:s", "garbage")
    with pytest.raises(NonceNotFound):
        store.consume("s")


def test_redis_down_fails_closed() -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from tests.support.redis import free_port

    client = redis.Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    store = RedisChallengeStore(client)
    with pytest.raises(ChallengeStoreUnavailable):
        store.issue("a")
    with pytest.raises(ChallengeStoreUnavailable):
        store.consume("a")
