"""Load figures of the deployed portal: logins/s and p50/p99 of the server's part of a login.

``python -m benchmarks.portal_load [--logins 300] [--clients 4] [--tls-logins 100] [--out benchmarks/results]``

Two set-ups run in the same process, one after the other, against a real ``redis-server``:

* **baseline** — one portal instance (waitress), reached directly;
* **deployment** — two instances behind a real nginx (``examples/portal/nginx-portal.conf.template``);
* **TLS login host** — the same two instances plus the login host process behind nginx's TLS blocks
  (``nginx-loginhost.conf.template``), the handoff in the same Redis.

Each Web eID login is ``GET /auth/challenge`` → ``authenticate()`` with a virtual 1.8 card (one card per
client thread, in process) → ``POST /auth/login``; its latency figures are the two HTTP round trips only
(the card's signature is client-side work). Each TLS login is eidlib's ``login()`` with a virtual 1.8
card: portal start → login host (mutually authenticated handshake, one card signature) → portal return;
its latency is the whole login, handshakes and signature included. Logins/s is over the wall time of all
logins, signatures included.
Results go to ``portal-load.json`` and ``portal-load.md``; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import eidlib
from eidlib.auth import authenticate
from eidlib.card.session import BeidCard
from eidlib.errors import EidError
from eidlib.tls import login
from examples.login_client import PortalClient, urllib_transport
from tests.portal.deployment import Deployment

PIN = "1234"


@dataclass(frozen=True)
class LoadResult:
    """The figures of one set-up."""

    setup: str
    logins: int
    clients: int
    failures: int
    seconds: float
    logins_per_second: float
    server_p50_ms: float
    server_p99_ms: float


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _load(setup: str, *, logins: int, clients: int, one_login: Callable[[BeidCard], float]) -> LoadResult:
    """``logins`` runs of ``one_login`` (its milliseconds; an :class:`EidError` counts as a failure) spread
    over ``clients`` threads, each with its own virtual 1.8 card."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    share = [logins // clients + (1 if i < logins % clients else 0) for i in range(clients)]

    def client_thread(count: int) -> None:
        with eidlib.open_card(virtual="1.8") as card:
            for _ in range(count):
                try:
                    elapsed = one_login(card)
                except EidError:
                    with lock:
                        failures[0] += 1
                    continue
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client_thread, args=(count,)) for count in share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(setup, logins, clients, failures[0], round(seconds, 3),
                      round(len(latencies) / seconds, 1) if seconds else 0.0,
                      round(statistics.median(latencies), 2) if latencies else 0.0,
                      round(_percentile(latencies, 0.99), 2) if latencies else 0.0)


def run_logins(setup: str, target: str, origin: str, *, logins: int, clients: int) -> LoadResult:
    """``logins`` logins spread over ``clients`` threads against ``target`` (tokens signed for ``origin``)."""

    def one_login(card: BeidCard) -> float:
        client = PortalClient(origin, urllib_transport(target))
        started = time.perf_counter()
        nonce = client.challenge()
        first = time.perf_counter() - started
        token = authenticate(PIN, challenge=nonce, origin=origin, token=card, allow_http_localhost=True)
        started = time.perf_counter()
        client._call("login", "POST", "/auth/login", {"authToken": token.to_dict()})
        return (first + time.perf_counter() - started) * 1000  # the portal's part, not the card's

    return _load(setup, logins=logins, clients=clients, one_login=one_login)


def run_tls_logins(deployment: Deployment, *, logins: int, clients: int) -> LoadResult:
    """``logins`` TLS client-certificate logins through the login host, spread over ``clients`` threads."""

    def one_login(card: BeidCard) -> float:
        started = time.perf_counter()
        login(deployment.start_url, token=card, pin=bytearray(PIN.encode()), ca_file=deployment.server_ca,
              resolve=deployment.resolve)
        return (time.perf_counter() - started) * 1000

    return _load("TLS login host + 2 instances behind nginx (p50/p99: whole login)", logins=logins,
                 clients=clients, one_login=one_login)


def measure(logins: int, clients: int, tls_logins: int = 100) -> list[LoadResult]:
    """The baseline (one instance, direct), the deployment (two instances behind nginx), then TLS logins
    through the login host in front of the same two instances (none when ``tls_logins`` is 0)."""
    args = ("--challenges-per-client", "0", "--threads", "8")
    with Deployment(instances=1, extra_args=args) as single:
        baseline = run_logins("1 instance, direct", single.instance_urls[0], single.origin,
                              logins=logins, clients=clients)
    with Deployment(instances=2, login_host=tls_logins > 0, extra_args=args) as pair:
        results = [baseline, run_logins("2 instances behind nginx", pair.origin, pair.origin, logins=logins,
                                        clients=clients)]
        if tls_logins > 0:
            results.append(run_tls_logins(pair, logins=tls_logins, clients=clients))
    return results


def markdown(results: list[LoadResult]) -> str:
    """A README-ready table, with the deployment's throughput as a ratio of the baseline's."""
    base = results[0].logins_per_second or 1.0
    lines = ["| set-up | logins | clients | failures | logins/s | ratio | server p50 ms | server p99 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.setup} | {r.logins} | {r.clients} | {r.failures} | {r.logins_per_second} | "
                     f"{r.logins_per_second / base:.2f} | {r.server_p50_ms} | {r.server_p99_ms} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.portal_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--tls-logins", type=int, default=100, help="logins through the TLS login host (0: none)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results"))
    args = parser.parse_args(argv)
    results = measure(args.logins, args.clients, args.tls_logins)
    args.out.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {"results": [asdict(r) for r in results]}
    (args.out / "portal-load.json").write_text(json.dumps(payload, indent=2) + "\n")
    table = markdown(results)
    (args.out / "portal-load.md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
