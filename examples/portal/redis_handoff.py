"""The login host's handoff in Redis: the login host and every portal instance share states and codes.

Keys (``prefix`` ``portal:handoff:`` by default) name the SHA-256 of the state or code, never the value
itself, so a look at Redis yields nothing a browser could present:

* ``…state:<hash>`` — the pre-login session and language of a login that was started (``STATE_TTL``);
* ``…code:<hash>`` — the same plus the validated user once the login host accepted the certificate
  (``CODE_TTL``);
* ``…pending`` — a sorted set of live states by start time, so at most ``max_pending`` wait (anyone may
  start a login; the oldest is dropped first, as in memory).

States and codes are taken with ``GETDEL`` inside ``MULTI``: of two instances presenting the same code at
once exactly one gets it, and a code is spent even when the session does not match. Each record also
carries its deadline on ``clock`` (the key's TTL removes it from Redis; the deadline keeps the rule exact
and testable). Any Redis failure is :class:`~examples.portal.errors.StoreUnavailable` (a 503 page).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from examples.portal import loginhost
from examples.portal.errors import StoreUnavailable

Clock = Callable[[], float]


class RedisHandoff:
    """States and one-time codes in Redis (satisfies :class:`~examples.portal.loginhost.HandoffStore`)."""

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "portal:handoff:",
        state_ttl: float = loginhost.STATE_TTL,
        code_ttl: float = loginhost.CODE_TTL,
        max_pending: int | None = None,
        clock: Clock = time.time,
    ) -> None:
        from redis.exceptions import RedisError

        if state_ttl <= 0 or code_ttl <= 0 or (max_pending is not None and max_pending < 1):
            raise ValueError("handoff lifetimes and the pending bound must be positive")
        self._client = client
        self._prefix = prefix
        self._state_ttl = state_ttl
        self._code_ttl = code_ttl
        self._max_pending = max_pending
        self._clock = clock
        self._pending = prefix + "pending"
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)

    def start(self, session_id: str, lang: str) -> str:
        """A fresh state (256 random bits) for ``session_id``; the oldest waiting states beyond the bound go."""
        state = secrets.token_urlsafe(32)
        key = self._key("state", state)
        now = self._clock()
        record = json.dumps({"session": session_id, "lang": lang, "expires": now + self._state_ttl})
        bound = self._max_pending if self._max_pending is not None else loginhost.MAX_PENDING

        def store() -> Any:
            pipe = self._client.pipeline(transaction=True)
            pipe.set(key, record, px=_ms(self._state_ttl))
            pipe.zremrangebyscore(self._pending, "-inf", now - self._state_ttl)
            pipe.zadd(self._pending, {key: now})
            pipe.pexpire(self._pending, _ms(self._state_ttl))
            pipe.zcard(self._pending)
            return pipe.execute()[-1]

        excess = int(self._call(store)) - bound
        if excess > 0:
            def evict() -> None:
                dropped = [member for member, _score in self._client.zpopmin(self._pending, excess)]
                if dropped:
                    self._client.delete(*dropped)

            self._call(evict)
        return state

    def complete(self, state: str, user: dict[str, Any]) -> str | None:
        """Take ``state`` (atomically, once) and issue the one-time code carrying ``user``."""
        key = self._key("state", state)

        def take() -> Any:
            pipe = self._client.pipeline(transaction=True)
            pipe.getdel(key)
            pipe.zrem(self._pending, key)
            return pipe.execute()[0]

        pending = self._live(self._call(take))
        if pending is None:
            return None
        code = secrets.token_urlsafe(32)
        record = json.dumps({"session": pending["session"], "lang": pending["lang"], "user": user,
                             "expires": self._clock() + self._code_ttl})
        self._call(lambda: self._client.set(self._key("code", code), record, px=_ms(self._code_ttl)))
        return code

    def redeem(self, code: str, session_id: str | None) -> tuple[dict[str, Any], str] | None:
        """(user, lang) if ``code`` is live and was issued to ``session_id``'s login; the code is gone either way."""
        key = self._key("code", code)

        def take() -> Any:
            pipe = self._client.pipeline(transaction=True)
            pipe.getdel(key)
            return pipe.execute()[0]

        entry = self._live(self._call(take))
        if entry is None or not session_id or not isinstance(entry.get("user"), dict):
            return None
        if not secrets.compare_digest(str(entry["session"]).encode("utf-8", "surrogatepass"),
                                      session_id.encode("utf-8", "surrogatepass")):
            return None
        return entry["user"], str(entry["lang"])

    def _live(self, raw: bytes | str | None) -> dict[str, Any] | None:
        """The stored record if it parses and its deadline has not passed (anything else: absent)."""
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get("session"), str):
            return None
        expires = entry.get("expires")
        if not isinstance(expires, (int, float)) or expires < self._clock():
            return None
        return entry

    def _key(self, kind: str, value: str) -> str:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._prefix}{kind}:{digest}"

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._errors as exc:
            raise StoreUnavailable(f"handoff store unavailable: {type(exc).__name__}") from exc


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
