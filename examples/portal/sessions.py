"""Server-side sessions of the portal: 20 minutes idle, 8 hours absolute, enforced on the server
(all three durations, with the warning lead, are set by ``python -m examples.portal``).

Only the server decides whether a session is alive: every authenticated request checks
``now - last_activity <= idle`` and ``now - created_at <= absolute``; an expired session is destroyed
on sight. ``GET /session`` reads without touching (polling must not keep a session alive); only
real activity and ``POST /session/extend`` move ``last_activity``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from examples.portal.errors import StoreUnavailable

#: Seed requirement: the session ends after 20 minutes without activity.
IDLE_TIMEOUT = 20 * 60.0
#: Absolute lifetime whatever the activity (OWASP's example default).
ABSOLUTE_TIMEOUT = 8 * 60 * 60.0
#: How long before the end the page shows the "your session is about to end" dialog.
WARNING_BEFORE = 2 * 60.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class SessionRecord:
    """One logged-in session (what the server keeps; the browser only holds the random id)."""

    session_id: str
    created_at: float
    last_activity: float
    user: dict[str, Any]
    auth_method: str
    level: int
    lang: str = "en"

    def to_json(self) -> str:
        """Serialised form for a shared store."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> SessionRecord:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(**data)


class SessionStore(Protocol):
    """Where session records live (one process, or shared by several portal instances)."""

    def get(self, session_id: str) -> SessionRecord | None: ...

    def put(self, record: SessionRecord, ttl: float) -> None: ...

    def delete(self, session_id: str) -> None: ...


class MemorySessionStore:
    """Session records in this process (thread-safe). Expiry is decided by :class:`SessionManager`."""

    def __init__(self) -> None:
        self._records: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()

    def get(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            return self._records.get(session_id)

    def put(self, record: SessionRecord, ttl: float) -> None:
        with self._lock:
            self._records[record.session_id] = record

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._records.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


class RedisSessionStore:
    """Session records in Redis, shared by every portal instance; keys also expire in Redis.

    A Redis failure raises :class:`StoreUnavailable` (the portal answers 503); a record that does not
    parse is treated as absent (the user logs in again) rather than as a server error.
    """

    def __init__(self, client: Any, *, prefix: str = "portal:session:") -> None:
        from redis.exceptions import RedisError

        self._client = client
        self._prefix = prefix
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)

    def get(self, session_id: str) -> SessionRecord | None:
        raw = self._call(lambda: self._client.get(self._prefix + session_id))
        if raw is None:
            return None
        try:
            return SessionRecord.from_json(raw)
        except (ValueError, TypeError):
            return None

    def put(self, record: SessionRecord, ttl: float) -> None:
        self._call(lambda: self._client.set(self._prefix + record.session_id, record.to_json(),
                                            px=max(1, int(ttl * 1000))))

    def delete(self, session_id: str) -> None:
        self._call(lambda: self._client.delete(self._prefix + session_id))

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._errors as exc:
            raise StoreUnavailable(f"session store unavailable: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class Expiry:
    """When a session ends and why it would."""

    idle_expires_at: float
    absolute_expires_at: float

    @property
    def expires_at(self) -> float:
        """The earlier of the two deadlines."""
        return min(self.idle_expires_at, self.absolute_expires_at)


def new_session_id() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class SessionManager:
    """Creates, checks, extends and destroys sessions with an injectable ``clock`` (seconds)."""

    def __init__(
        self,
        store: SessionStore,
        *,
        clock: Clock = time.time,
        idle_timeout: float = IDLE_TIMEOUT,
        absolute_timeout: float = ABSOLUTE_TIMEOUT,
        warning_lead: float = WARNING_BEFORE,
    ) -> None:
        if idle_timeout <= 0 or absolute_timeout < idle_timeout:
            raise ValueError("idle timeout must be positive and not longer than the absolute timeout")
        if not 0 < warning_lead < idle_timeout:
            raise ValueError("the warning lead must be positive and shorter than the idle timeout")
        self.store = store
        self.clock = clock
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self.warning_lead = warning_lead

    def expiry(self, record: SessionRecord) -> Expiry:
        """The deadlines of ``record``."""
        return Expiry(record.last_activity + self.idle_timeout, record.created_at + self.absolute_timeout)

    def create(self, user: dict[str, Any], *, auth_method: str, level: int, lang: str) -> SessionRecord:
        """A new session with a fresh id (the id is never one the browser had before: rotation)."""
        now = self.clock()
        record = SessionRecord(new_session_id(), now, now, user, auth_method, level, lang)
        self.store.put(record, self._ttl(record, now))
        return record

    def get(self, session_id: str | None, *, touch: bool) -> SessionRecord | None:
        """The live session ``session_id`` or ``None``; expired sessions are destroyed here.

        ``touch`` records activity (moves the idle deadline); reads for status pages must not touch.
        """
        if not session_id:
            return None
        record = self.store.get(session_id)
        if record is None:
            return None
        now = self.clock()
        if now >= self.expiry(record).expires_at:
            self.store.delete(session_id)
            return None
        if touch:
            record = replace(record, last_activity=now)
            self.store.put(record, self._ttl(record, now))
        return record

    def destroy(self, session_id: str | None) -> None:
        """End the session on the server (logout)."""
        if session_id:
            self.store.delete(session_id)

    def _ttl(self, record: SessionRecord, now: float) -> float:
        return max(0.001, self.expiry(record).expires_at - now)
