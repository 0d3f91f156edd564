"""The portal's bounds as properties: body depth and parsing, signed pre-login ids, rate windows, the
pending-challenge ledger (memory and a real Redis) and eviction through the challenge store."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import AuthTokenValidator, MemoryChallengeStore, NonceNotFound, RedisChallengeStore
from examples.portal.bodies import MAX_DEPTH, nesting_depth, parse_object
from examples.portal.challenges import (
    ChallengeGate,
    ChallengeLimits,
    MemoryPendingLedger,
    MemoryRateLimiter,
    PendingLedger,
    PreLoginIds,
    RedisPendingLedger,
    RedisRateLimiter,
)
from examples.portal.errors import BadBody, RateLimited
from tests.portal.conftest import ORIGIN, FakeClock

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\:, '),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="xy[{\"", max_size=3), inner,
                                                                max_size=3),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@given(json_values)
def test_depth_is_measured_exactly_outside_strings(value: Any) -> None:
    assert nesting_depth(json.dumps(value).encode()) == depth_of(value)
    assert nesting_depth(json.dumps(value, ensure_ascii=False).encode()) == depth_of(value)


@given(st.binary(max_size=300))
@settings(max_examples=300)
def test_any_bytes_parse_or_raise_bad_body(data: bytes) -> None:
    with contextlib.suppress(BadBody):  # anything else (RecursionError, UnicodeError, ...) fails the test
        assert isinstance(parse_object(data), dict)


@given(st.integers(min_value=1, max_value=40))
def test_the_depth_bound(depth: int) -> None:
    body = b'{"a":' + b"[" * (depth - 1) + b"0" + b"]" * (depth - 1) + b"}"
    if depth <= MAX_DEPTH:
        assert parse_object(body) == json.loads(body)
    else:
        with pytest.raises(BadBody):
            parse_object(body)


@given(st.text(max_size=120), st.integers(min_value=0, max_value=60))
def test_only_issued_pre_login_ids_pass(noise: str, position: int) -> None:
    ids = PreLoginIds(b"k" * 32)
    issued = ids.new()
    assert ids.check(issued)
    assert not PreLoginIds(b"other-key" * 4).check(issued)
    changed = issued[:position] + noise + issued[position + 1:]
    assert ids.check(changed) == (changed == issued)


def test_rate_windows_roll_over() -> None:
    clock = FakeClock(0.0)
    limiter = MemoryRateLimiter(ChallengeLimits(per_client=2, window=60), clock=clock)
    assert [limiter.allow("a"), limiter.allow("a")] == [0, 0]
    assert limiter.allow("a") == 60 and limiter.allow("b") == 0
    clock.advance(59)
    assert limiter.allow("a") == 1
    clock.advance(1)
    assert limiter.allow("a") == 0
    assert MemoryRateLimiter(ChallengeLimits(per_client=0)).allow("a") == 0


def _ledger_contract(ledger: PendingLedger) -> None:
    assert [ledger.add(f"s{i}") for i in range(3)] == [[], [], []]
    assert ledger.add("s3") == ["s0"]
    ledger.add("s1")  # refreshed: now the newest
    assert ledger.add("s4") == ["s2"]
    ledger.remove("s3")
    assert ledger.oldest(10) == ["s1", "s4"]
    assert ledger.oldest(1) == []


def test_memory_ledger_keeps_the_newest() -> None:
    _ledger_contract(MemoryPendingLedger(ChallengeLimits(max_pending=3)))


@pytest.mark.redis
def test_redis_ledger_keeps_the_newest(redis_client: Any) -> None:
    clock = FakeClock(1000.0)

    def tick() -> float:
        clock.advance(0.001)
        return clock()

    _ledger_contract(RedisPendingLedger(redis_client, ChallengeLimits(max_pending=3), clock=tick))


@pytest.mark.redis
def test_gate_evicts_through_a_shared_redis_store(redis_client: Any, card_and_ca: tuple[Any, bytes]) -> None:
    limits = ChallengeLimits(per_client=0, max_pending=2)
    validator = AuthTokenValidator(ORIGIN, [card_and_ca[1]], check_revocation=False,
                                   challenge_store=RedisChallengeStore(redis_client))
    gate = ChallengeGate(validator, RedisRateLimiter(redis_client, limits), RedisPendingLedger(redis_client, limits))
    for name in ("first", "second", "third"):
        gate.issue(name, "203.0.113.5")
    with pytest.raises(NonceNotFound):
        validator.challenges.consume("first")  # evicted: the oldest of three with room for two
    assert validator.challenges.consume("third")


def test_gate_rate_limit_and_full_store_retry(card_and_ca: tuple[Any, bytes]) -> None:
    limits = ChallengeLimits(per_client=3, max_pending=10_000)
    store = MemoryChallengeStore(max_entries=5)
    validator = AuthTokenValidator(ORIGIN, [card_and_ca[1]], check_revocation=False, challenge_store=store)
    gate = ChallengeGate(validator, MemoryRateLimiter(limits), MemoryPendingLedger(limits))
    for i in range(3):
        gate.issue(f"s{i}", "198.51.100.1")
    with pytest.raises(RateLimited) as info:
        gate.issue("s9", "198.51.100.1")
    assert 1 <= info.value.retry_after <= 60
    for i in range(10):  # the store holds 5: when it is full the gate evicts the oldest and retries
        gate.issue(f"t{i}", f"192.0.2.{i}")
    assert len(store) == 5  # one out for each one in: the four before the newest are still there
    for i in range(5, 10):
        assert validator.challenges.consume(f"t{i}")
