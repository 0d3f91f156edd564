"""A real ``redis-server`` for tests: loopback only, a free port, no persistence, stopped by PID.

Use :class:`RedisServer` as a context manager anywhere (benchmarks too), or the session-scoped
``redis_server`` fixture (import it into a ``conftest.py``); ``redis_client`` gives a flushed
client per test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """``redis-server`` on 127.0.0.1:<free port> in a temporary directory; killed by PID on exit."""

    def __init__(self, *, start_timeout: float = 10.0) -> None:
        self.port = 0
        self.pid = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._start_timeout = start_timeout

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self._tmp = tempfile.TemporaryDirectory(prefix="eidlib-redis-")
        for _attempt in range(5):
            self.port = free_port()
            log = Path(self._tmp.name) / "redis.log"
            self._process = subprocess.Popen(
                [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", self._tmp.name, "--logfile", str(log),
                 "--protected-mode", "yes", "--daemonize", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            self.pid = self._process.pid
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"redis-server did not start; log: {self._log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _log_tail(self) -> str:
        if self._tmp is None:
            return ""
        log = Path(self._tmp.name) / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"

    def stop(self) -> None:
        """Terminate the server we started (by its PID) and wait for it."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the test session."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[object]:
    """A redis-py client on the session server, flushed before each test."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=5)
    client.flushdb()
    yield client
    client.close()
