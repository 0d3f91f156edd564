"""Challenge stores: one nonce per browser/client session, single use, with a time to live.

``consume`` deletes the nonce *before* anything else looks at it, so a nonce is spent even when the
token later fails validation (auth-protocol spec §1.4, §6.1). Nonces are keyed by the session that
asked for them; a global pool would allow forged logins (§6.2).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from eidlib.auth.errors import ChallengeStoreUnavailable, NonceExpired, NonceNotFound
from eidlib.auth.nonce import generate_nonce

if TYPE_CHECKING:
    from eidlib.auth.user import AuthenticatedUser

#: Default challenge lifetime in seconds (Web eID: 5 minutes).
DEFAULT_NONCE_TTL = 300.0

Clock = Callable[[], float]


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # redis-py is optional: a duck-typed client may raise OSError only
        return (OSError,)
    return (RedisError, OSError)


@runtime_checkable
class ChallengeStore(Protocol):
    """Where a server keeps issued challenges until the matching login."""

    def issue(self, session_id: str) -> str:
        """Make a new nonce for ``session_id`` (replacing any earlier one) and return it."""
        ...

    def consume(self, session_id: str) -> str:
        """Remove and return the session's nonce: :class:`NonceNotFound` / :class:`NonceExpired`."""
        ...


def _check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not session_id or len(session_id) > 256:
        raise NonceNotFound("no challenge for this session")
    return session_id


@dataclass(frozen=True)
class _Entry:
    nonce: str
    expires_at: float


class MemoryChallengeStore:
    """In-process store (one server process). Thread-safe; ``clock`` is injectable for tests."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        clock: Clock = time.monotonic,
        max_entries: int = 100_000,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @property
    def ttl(self) -> float:
        """Challenge lifetime in seconds."""
        return self._ttl

    def issue(self, session_id: str) -> str:
        """Make a new nonce for ``session_id`` (replacing any earlier one) and return it."""
        _check_session_id(session_id)
        nonce = generate_nonce()
        with self._lock:
            now = self._clock()
            if len(self._entries) >= self._max_entries:
                self._purge(now)
            if len(self._entries) >= self._max_entries and session_id not in self._entries:
                raise ChallengeStoreUnavailable("too many pending challenges")
            self._entries[session_id] = _Entry(nonce, now + self._ttl)
        return nonce

    def consume(self, session_id: str) -> str:
        """Remove and return the session's nonce: :class:`NonceNotFound` / :class:`NonceExpired`."""
        _check_session_id(session_id)
        with self._lock:
            entry = self._entries.pop(session_id, None)
            now = self._clock()
        if entry is None:
            raise NonceNotFound("no challenge for this session (never issued or already used)")
        if now > entry.expires_at:
            raise NonceExpired("the challenge has expired")
        return entry.nonce

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _purge(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if now > e.expires_at]:
            del self._entries[key]


class RedisLike(Protocol):
    """The two redis-py ``Redis`` methods the Redis store uses."""

    def set(self, name: str, value: str, *, px: int | None = ...) -> object: ...

    def getdel(self, name: str) -> object: ...


class RedisChallengeStore:
    """Challenges in Redis, shared by every server instance behind a load balancer.

    ``SET key value PX ttl`` stores, ``GETDEL`` takes atomically (so two instances can never both
    accept one nonce). The key lives ``grace`` seconds longer than the nonce so an expired nonce is
    reported as :class:`NonceExpired` rather than as missing. Any Redis failure raises
    :class:`ChallengeStoreUnavailable`: no login without the store.
    """

    def __init__(
        self,
        client: RedisLike,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        prefix: str = "eidlib:challenge:",
        clock: Clock = time.time,
        grace: float = 60.0,
    ) -> None:
        if ttl <= 0 or grace < 0:
            raise ValueError("ttl must be positive and grace not negative")
        self._client = client
        self._ttl = ttl
        self._prefix = prefix
        self._clock = clock
        self._grace = grace
        self._errors = _redis_errors()

    @property
    def ttl(self) -> float:
        """Challenge lifetime in seconds."""
        return self._ttl

    def issue(self, session_id: str) -> str:
        """Make a new nonce for ``session_id`` (replacing any earlier one) and return it."""
        key = self._prefix + _check_session_id(session_id)
        nonce = generate_nonce()
        expires_ms = int((self._clock() + self._ttl) * 1000)
        try:
            self._client.set(key, f"{expires_ms}:{nonce}", px=int((self._ttl + self._grace) * 1000))
        except self._errors as exc:
            raise ChallengeStoreUnavailable(f"challenge store unavailable: {type(exc).__name__}") from exc
        return nonce

    def consume(self, session_id: str) -> str:
        """Remove and return the session's nonce: :class:`NonceNotFound` / :class:`NonceExpired`."""
        key = self._prefix + _check_session_id(session_id)
        try:
            value = self._client.getdel(key)
        except self._errors as exc:
            raise ChallengeStoreUnavailable(f"challenge store unavailable: {type(exc).__name__}") from exc
        if value is None:
            raise NonceNotFound("no challenge for this session (never issued or already used)")
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        expires_text, sep, nonce = text.partition(":")
        if not sep or not expires_text.isdigit() or not nonce:
            raise NonceNotFound("stored challenge is malformed")
        if self._clock() * 1000 > int(expires_text):
            raise NonceExpired("the challenge has expired")
        return nonce


class TokenValidator(Protocol):
    """What :class:`ChallengeFlow` needs: a pure ``validate(token, nonce)`` (the token validator)."""

    def validate(self, token: str | bytes | dict[str, Any], challenge: str) -> AuthenticatedUser: ...


@dataclass(frozen=True)
class Challenge:
    """What :meth:`ChallengeFlow.authenticate_begin` hands out: send ``nonce`` to the client."""

    session_id: str
    nonce: str


class ChallengeFlow:
    """The two steps of a login around a pure validator, in python-fido2's begin/complete shape.

    ``authenticate_begin(session_id)`` stores a fresh nonce for that (pre-login) session and
    returns it; ``authenticate_complete(session_id, token)`` takes the nonce out of the store
    first (single use, even when the token then fails) and validates the token against it.
    ``store`` defaults to a :class:`MemoryChallengeStore` (one process).
    """

    def __init__(self, validator: TokenValidator, store: ChallengeStore | None = None) -> None:
        self.validator = validator
        self.store: ChallengeStore = store if store is not None else MemoryChallengeStore()

    def authenticate_begin(self, session_id: str) -> Challenge:
        """Issue the challenge for ``session_id`` (replacing any earlier one)."""
        return Challenge(session_id=session_id, nonce=self.store.issue(session_id))

    def authenticate_complete(self, session_id: str, token: str | bytes | dict[str, Any]) -> AuthenticatedUser:
        """Consume the session's challenge, then validate ``token`` against it."""
        nonce = self.store.consume(session_id)
        return self.validator.validate(token, nonce)
