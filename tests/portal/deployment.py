"""A loopback deployment of the portal like production: real ``redis-server``, N instances of
``python -m examples.portal`` (waitress) and a real nginx in front, each on an ephemeral port, each in a
private temporary directory, stopped by PID. Used by the deployment test and by the load benchmark.

``login_host=True`` adds the TLS client-certificate login: a separate ``python -m examples.portal
--login-host`` process on a Unix socket and nginx's two TLS server blocks (portal and login host,
``nginx-loginhost.conf.template``), the handoff between them in the same Redis."""

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

from examples.portal.serverpki import LOGIN_HOST, PORTAL_HOST, make_server_pki
from examples.portal.tlsdemo import write_client_ca_files
from examples.portal.tlsstack import CLIENT_SIGALGS
from tests.support.redis import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "portal" / "nginx-portal.conf.template"
LOGIN_TEMPLATE = ROOT / "examples" / "portal" / "nginx-loginhost.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT = 20.0


class DeploymentError(RuntimeError):
    """A part of the deployment did not start in time (its log tail is in the message)."""


def _wait_port(port: int | Path, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    """Wait until ``port`` (a TCP port on 127.0.0.1, or a Unix socket's path) accepts a connection."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        unix = isinstance(port, Path)
        try:
            with socket.socket(socket.AF_UNIX if unix else socket.AF_INET) as probe:
                probe.settimeout(0.5)
                probe.connect(str(port) if unix else ("127.0.0.1", port))
            return
        except OSError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise DeploymentError(f"{what} did not start on {port}: {tail}")


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
    """``instances`` portals sharing one Redis behind one nginx; ``origin`` is nginx's (plain http).

    With ``login_host``: ``portal_tls_url`` (nginx's TLS portal block), ``login_url`` (the login host's
    block), ``server_ca`` (the servers' test CA) and :attr:`resolve` (the two names → 127.0.0.1).
    """

    instances: int = 2
    extra_args: tuple[str, ...] = ()
    with_redis: bool = True
    login_host: bool = False
    origin: str = ""
    instance_urls: list[str] = field(default_factory=list)
    portal_tls_url: str = ""
    login_url: str = ""
    server_ca: Path | None = None
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

    @property
    def resolve(self) -> dict[str, str]:
        """Host names of the TLS blocks → 127.0.0.1 (for eidlib's ``login(..., resolve=)``)."""
        return {PORTAL_HOST: "127.0.0.1", LOGIN_HOST: "127.0.0.1"}

    @property
    def start_url(self) -> str:
        """Where a browser (or ``eid login``) starts the eID TLS login through nginx."""
        return f"{self.portal_tls_url}/auth/eid-tls/start?lang=en"

    def _start(self) -> None:
        nginx_port = free_port()
        self.origin = f"http://127.0.0.1:{nginx_port}"
        secret = self.prefix / "secret"
        secret.write_bytes(os.urandom(32))
        redis_args: list[str] = []
        if self.with_redis:
            self._redis = RedisServer().start()
            redis_args = ["--redis", self._redis.url]
        tls_ports: list[int] = []
        if self.login_host:
            tls_ports = [free_port(), free_port()]
            self.portal_tls_url = f"https://{PORTAL_HOST}:{tls_ports[0]}"
            self.login_url = f"https://{LOGIN_HOST}:{tls_ports[1]}"
            redis_args = [*redis_args, "--tls-login-url", f"{self.login_url}/eid"]
        ports = [self._start_instance(i, secret, redis_args) for i in range(self.instances)]
        self.instance_urls = [f"http://127.0.0.1:{port}" for port in ports]
        if self.login_host:
            self._start_login_host(tls_ports)
        config = string.Template(TEMPLATE.read_text()).safe_substitute(
            portal_prefix=str(self.prefix),
            portal_listen=f"127.0.0.1:{nginx_port}",
            portal_upstreams="\n        ".join(f"server 127.0.0.1:{port};" for port in ports),
        )
        conf = self.prefix / "nginx.conf"
        conf.write_text(config)
        log = self.prefix / "nginx.out"
        # As root, nginx's workers must stay root to reach the login host's socket in this private directory.
        directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
        with log.open("wb") as out:
            nginx = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(conf), "-g", directives],
                                     stdout=out, stderr=subprocess.STDOUT)
        self._processes.append(nginx)
        for port in (nginx_port, *tls_ports):
            _wait_port(port, nginx, "nginx", log)

    def _start_login_host(self, tls_ports: list[int]) -> None:
        """The login host process on a Unix socket, and its nginx server blocks in ``conf.d/``."""
        assert self._redis is not None, "the login host runs apart from the instances: it needs Redis"
        files = make_server_pki(self.prefix / "server")
        self.server_ca = files.ca
        ca_names, roots = write_client_ca_files(self.prefix)
        login_socket = self.prefix / "login.sock"
        log = self.prefix / "loginhost.log"
        command = [sys.executable, "-m", "examples.portal", "--login-host", "--dev", "--redis", self._redis.url,
                   "--portal-url", self.portal_tls_url, "--unix-socket", str(login_socket)]
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        self._processes.append(process)
        _wait_port(login_socket, process, "login host", log)
        block = string.Template(LOGIN_TEMPLATE.read_text()).safe_substitute(
            portal_tls_listen=f"127.0.0.1:{tls_ports[0]}", login_tls_listen=f"127.0.0.1:{tls_ports[1]}",
            portal_host=PORTAL_HOST, login_host=LOGIN_HOST, server_cert=str(files.cert),
            server_key=str(files.key), ca_names=str(ca_names), roots=str(roots),
            login_socket=str(login_socket), login_protocols="TLSv1.2 TLSv1.3", client_sigalgs=CLIENT_SIGALGS,
        )
        if "${" in block:
            raise DeploymentError("a placeholder of nginx-loginhost.conf.template was left unfilled")
        (self.prefix / "conf.d").mkdir(exist_ok=True)
        (self.prefix / "conf.d" / "loginhost.conf").write_text(block)

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
        for upstream in self.upstreams_in_order(request_prefix):
            counts[upstream] = counts.get(upstream, 0) + 1
        return counts

    def upstreams_in_order(self, request_prefix: str) -> list[str]:
        """The instance that answered each request starting with ``request_prefix``, in the log's order."""
        seen: list[str] = []
        log = self.prefix / "access.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            request = line.split('"')[1] if line.count('"') >= 2 else ""
            if request.startswith(request_prefix):
                seen.append(line.split('"')[2].split()[1])
        return seen

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
