"""A loopback deployment of the portal like production: real ``redis-server``, N instances of
``python -m examples.portal`` (waitress) and a real nginx in front, each on an ephemeral port, each in a
private temporary directory, stopped by PID. Used by the deployment test and by the load benchmark."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from tests.support.redis import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "portal" / "nginx-portal.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT = 20.0


class DeploymentError(RuntimeError):
    """A part of the deployment did not start in time (its log tail is in the message)."""


def _wait_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise DeploymentError(f"{what} did not start on port {port}: {tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass
class Deployment:
    """``instances`` portals sharing one Redis behind one nginx; ``origin`` is nginx's."""

    instances: int = 2
    extra_args: tuple[str, ...] = ()
    with_redis: bool = True
    origin: str = ""
    instance_urls: list[str] = field(default_factory=list)
    _redis: RedisServer | None = None
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def prefix(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name)

    def start(self) -> Deployment:
        self._tmp = tempfile.TemporaryDirectory(prefix="eidlib-portal-")
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        nginx_port = free_port()
        self.origin = f"http://127.0.0.1:{nginx_port}"
        secret = self.prefix / "secret"
        secret.write_bytes(os.urandom(32))
        redis_args: list[str] = []
        if self.with_redis:
            self._redis = RedisServer().start()
            redis_args = ["--redis", self._redis.url]
        ports = [self._start_instance(i, secret, redis_args) for i in range(self.instances)]
        self.instance_urls = [f"http://127.0.0.1:{port}" for port in ports]
        config = string.Template(TEMPLATE.read_text()).safe_substitute(
            portal_prefix=str(self.prefix),
            portal_listen=f"127.0.0.1:{nginx_port}",
            portal_upstreams="\n        ".join(f"server 127.0.0.1:{port};" for port in ports),
        )
        conf = self.prefix / "nginx.conf"
        conf.write_text(config)
        log = self.prefix / "nginx.out"
        with log.open("wb") as out:
            nginx = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=out, stderr=subprocess.STDOUT)
        self._processes.append(nginx)
        _wait_port(nginx_port, nginx, "nginx", log)

    def _start_instance(self, index: int, secret: Path, redis_args: list[str]) -> int:
        port_file = self.prefix / f"instance{index}.port"
        log = self.prefix / f"instance{index}.log"
        command = [sys.executable, "-m", "examples.portal", "--dev", "--origin", self.origin, "--port", "0",
                   "--port-file", str(port_file), "--secret-file", str(secret), "--proxies", "1",
                   *redis_args, *self.extra_args]
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        self._processes.append(process)
        deadline = time.monotonic() + START_TIMEOUT
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise DeploymentError(f"portal instance {index} did not start: "
                                      f"{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)
        port = int(port_file.read_text())
        _wait_port(port, process, f"portal instance {index}", log)
        return port

    def upstreams_seen(self, request_prefix: str) -> dict[str, int]:
        """How many requests starting with ``request_prefix`` (e.g. ``POST /auth/login``) each instance got."""
        counts: dict[str, int] = {}
        log = self.prefix / "access.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            request = line.split('"')[1] if line.count('"') >= 2 else ""
            if request.startswith(request_prefix):
                upstream = line.split('"')[2].split()[1]
                counts[upstream] = counts.get(upstream, 0) + 1
        return counts

    def stop_redis(self) -> None:
        """Stop Redis (an outage) while the portals keep running."""
        if self._redis is not None:
            self._redis.stop()

    def close(self) -> None:
        for process in reversed(self._processes):
            _stop(process)
        self._processes.clear()
        if self._redis is not None:
            self._redis.close()
            self._redis = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
