"""Challenges within bounds (issue 12, item 9).

A challenge is cheap to ask for and costs the server a stored nonce, so the portal bounds them:

* **per pre-login session**: one pending challenge (the store replaces an earlier one);
* **per client**: at most ``per_client`` challenges in each ``window`` seconds (:class:`RateLimiter`);
* **overall**: at most ``max_pending`` unconsumed challenges; a new one evicts the oldest
  (:class:`PendingLedger`), so a flood from many addresses costs real users at most a retry, never a
  lock-out. If the store itself reports that it is full, the oldest are evicted one at a time until it
  takes the new one (a few tries).

Pre-login session ids are issued by the server and signed (:class:`PreLoginIds`): an id a client made up
(or a planted cookie) is replaced, so nobody can re-issue the challenge of a session they did not get.

Memory versions serve one process; the Redis versions are shared by every instance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from eidlib.auth import AuthError, AuthTokenValidator, ChallengeStoreUnavailable
from examples.portal.errors import RateLimited, StoreUnavailable

Clock = Callable[[], float]

#: Evictions tried when the store says it is full before the issue fails.
_FULL_STORE_TRIES = 8


@dataclass(frozen=True)
class ChallengeLimits:
    """How many challenges the portal hands out: per client address and window, and pending overall.

    ``per_client = 0`` switches the per-client limit off (a load test from one address).
    """

    per_client: int = 60
    window: float = 60.0
    max_pending: int = 10_000
    #: How long a pending entry is remembered (the challenge TTL; the store expires the nonce itself).
    ttl: float = 300.0

    def __post_init__(self) -> None:
        if self.per_client < 0 or self.window <= 0 or self.max_pending < 1 or self.ttl <= 0:
            raise ValueError("challenge limits must be positive (per_client may be 0: no limit)")


class PreLoginIds:
    """Signed pre-login session ids: ``p<random>.<HMAC>`` under the portal secret (shared by instances)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def new(self) -> str:
        """A fresh id with its signature."""
        body = "p" + secrets.token_urlsafe(24)
        return f"{body}.{self._mac(body)}"

    def check(self, value: str | None) -> bool:
        """True only for an id this portal (or an instance sharing its secret) issued."""
        if not value or len(value) > 100:
            return False
        body, sep, mac = value.rpartition(".")
        return bool(sep) and body.startswith("p") and hmac.compare_digest(mac.encode(), self._mac(body).encode())

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key, b"pre-login|" + body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()


class RateLimiter(Protocol):
    """Counts requests per client in fixed windows."""

    def allow(self, client: str) -> int:
        """0 when ``client`` may go on, else the seconds until its window ends."""
        ...


class PendingLedger(Protocol):
    """Which pre-login sessions hold an unconsumed challenge, oldest first."""

    def add(self, session_id: str) -> list[str]:
        """Record (or refresh) ``session_id``; return the sessions evicted to stay within the bound."""
        ...

    def oldest(self, count: int) -> list[str]:
        """Remove and return up to ``count`` of the oldest entries."""
        ...

    def remove(self, session_id: str) -> None:
        """Forget ``session_id`` (its challenge was consumed)."""
        ...


class MemoryRateLimiter:
    """Per-process fixed-window counters (thread-safe; old windows are dropped as they pass)."""

    def __init__(self, limits: ChallengeLimits, *, clock: Clock = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> int:
        if self._limits.per_client == 0:
            return 0
        now = self._clock()
        window = int(now // self._limits.window)
        with self._lock:
            if len(self._counts) > 100_000:  # a flood of addresses: forget the finished windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(client, (window, 0))
            if start != window:
                count = 0
            count += 1
            self._counts[client] = (window, count)
        if count <= self._limits.per_client:
            return 0
        return max(1, math.ceil((window + 1) * self._limits.window - now))


class MemoryPendingLedger:
    """Pending challenges of this process, oldest first."""

    def __init__(self, limits: ChallengeLimits, *, clock: Clock = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._entries: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, session_id: str) -> list[str]:
        now = self._clock()
        with self._lock:
            while self._entries and next(iter(self._entries.values())) < now - self._limits.ttl:
                self._entries.popitem(last=False)
            self._entries[session_id] = now
            self._entries.move_to_end(session_id)
            evicted = []
            while len(self._entries) > self._limits.max_pending:
                evicted.append(self._entries.popitem(last=False)[0])
        return evicted

    def oldest(self, count: int) -> list[str]:
        with self._lock:
            return [self._entries.popitem(last=False)[0] for _ in range(min(count, len(self._entries)))]

    def remove(self, session_id: str) -> None:
        with self._lock:
            self._entries.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _redis_call(action: Callable[[], Any]) -> Any:
    """Run one Redis exchange; a failure becomes :class:`StoreUnavailable` (a 503, never a 500)."""
    from redis.exceptions import RedisError

    try:
        return action()
    except (RedisError, OSError) as exc:
        raise StoreUnavailable(f"redis unavailable: {type(exc).__name__}") from exc


class RedisRateLimiter:
    """Fixed-window counters in Redis (``INCR`` + ``PEXPIRE``), shared by every instance."""

    def __init__(self, client: Any, limits: ChallengeLimits, *, prefix: str = "portal:rate:",
                 clock: Clock = time.time) -> None:
        self._client = client
        self._limits = limits
        self._prefix = prefix
        self._clock = clock

    def allow(self, client: str) -> int:
        if self._limits.per_client == 0:
            return 0
        now = self._clock()
        window = int(now // self._limits.window)
        key = f"{self._prefix}{window}:{client}"

        def count() -> Any:
            pipe = self._client.pipeline()
            pipe.incr(key)
            pipe.pexpire(key, int(self._limits.window * 1000) + 1000)
            return pipe.execute()[0]

        if int(_redis_call(count)) <= self._limits.per_client:
            return 0
        return max(1, math.ceil((window + 1) * self._limits.window - now))


class RedisPendingLedger:
    """Pending challenges in a Redis sorted set scored by issue time, shared by every instance."""

    def __init__(self, client: Any, limits: ChallengeLimits, *, key: str = "portal:pending",
                 clock: Clock = time.time) -> None:
        self._client = client
        self._limits = limits
        self._key = key
        self._clock = clock

    def add(self, session_id: str) -> list[str]:
        now = self._clock()

        def record() -> Any:
            pipe = self._client.pipeline()
            pipe.zremrangebyscore(self._key, "-inf", now - self._limits.ttl)
            pipe.zadd(self._key, {session_id: now})
            pipe.zcard(self._key)
            return pipe.execute()[2]

        excess = int(_redis_call(record)) - self._limits.max_pending
        return self.oldest(excess) if excess > 0 else []

    def oldest(self, count: int) -> list[str]:
        if count <= 0:
            return []
        popped = _redis_call(lambda: self._client.zpopmin(self._key, count))
        return [member.decode() if isinstance(member, bytes) else str(member) for member, _score in popped]

    def remove(self, session_id: str) -> None:
        _redis_call(lambda: self._client.zrem(self._key, session_id))


class ChallengeGate:
    """Issues challenges through the validator's store within the per-client and overall bounds."""

    def __init__(self, validator: AuthTokenValidator, limiter: RateLimiter, ledger: PendingLedger) -> None:
        self._validator = validator
        self._limiter = limiter
        self._ledger = ledger

    def issue(self, session_id: str, client: str) -> str:
        """A nonce for ``session_id``: :class:`RateLimited` over the client's limit; the oldest pending
        challenges are evicted when the bound is reached or the store says it is full."""
        wait = self._limiter.allow(client)
        if wait:
            raise RateLimited(wait)
        nonce = self._issue_evicting(session_id)
        self._evict(self._ledger.add(session_id))
        return nonce

    def _issue_evicting(self, session_id: str) -> str:
        # A full store makes room by evicting the oldest pending challenges one at a time (a few tries:
        # the oldest entries may already be gone); an unreachable store fails every time (503).
        for _attempt in range(_FULL_STORE_TRIES):
            try:
                return self._validator.issue_challenge(session_id)
            except ChallengeStoreUnavailable:
                oldest = self._ledger.oldest(1)
                if not oldest:
                    raise
                self._evict(oldest)
        return self._validator.issue_challenge(session_id)

    def consumed(self, session_id: str) -> None:
        """The login consumed (or failed on) ``session_id``'s challenge."""
        self._ledger.remove(session_id)

    def _evict(self, session_ids: list[str]) -> None:
        store = self._validator.challenges
        for old in session_ids:
            try:
                store.consume(old)
            except ChallengeStoreUnavailable:
                raise
            except AuthError:  # already used or expired: nothing to evict
                pass
