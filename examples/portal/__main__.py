"""Run the example portal: ``python -m examples.portal --origin https://portal.example.be --trust CA.pem``.

Served by waitress (a production WSGI server; ``--server werkzeug`` for Flask's development server). Every
flag has an environment variable (``EIDPORTAL_<FLAG>``, e.g. ``EIDPORTAL_IDLE_TIMEOUT=15m``); a flag wins.

* Sessions: ``--idle-timeout`` (20m), ``--warning-lead`` (2m: when the page warns), ``--absolute-timeout``
  (8h); durations as ``90``, ``90s``, ``20m`` or ``8h``.
* Several instances: ``--redis redis://127.0.0.1:6379/0`` puts sessions, challenges, the per-client
  challenge counters and the pending-challenge bound in Redis; start every instance with the same
  ``--secret-file`` (it keys the CSRF tokens and the signed pre-login ids) behind a reverse proxy
  (``examples/portal/nginx-portal.conf.template``) and pass ``--proxies 1`` so the client address comes from
  the proxy's ``X-Forwarded-For``.
* ``--dev``: no OCSP, the virtual cards' test roots, ``http://127.0.0.1`` origins allowed (the origin is
  ``http://127.0.0.1:PORT`` unless ``--origin`` names the proxy's).
* ``--port 0`` takes a free port; ``--port-file F`` writes the port taken (for scripts and tests).
* TLS client-certificate login: ``--tls-login-url https://login.portal.example.be/eid`` gives every
  instance the ``/auth/eid-tls/start`` and ``/auth/eid-tls/return`` routes (the eID step links to the
  start); ``--login-host --portal-url https://portal.example.be --unix-socket PATH`` runs the login host
  itself, behind nginx's certificate-requesting server block (``nginx-loginhost.conf.template``). With
  ``--redis`` the handoff (states, one-time codes) is in Redis, so the login host and every instance may be
  separate processes; without it only a single process can do both (``tlsstack`` does that).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from eidlib.auth import AuthTokenValidator, ChallengeStore, MemoryChallengeStore, RedisChallengeStore
from eidlib.tls import ClientCertificateVerifier, ProxyTrust
from eidlib.x509.truststore import TrustStore
from examples.portal.app import create_app
from examples.portal.challenges import (
    ChallengeLimits,
    MemoryPendingLedger,
    MemoryRateLimiter,
    PendingLedger,
    RateLimiter,
    RedisPendingLedger,
    RedisRateLimiter,
)
from examples.portal.loginhost import EidTlsLogin, Handoff, HandoffStore, create_login_host
from examples.portal.redis_handoff import RedisHandoff
from examples.portal.sessions import MemorySessionStore, RedisSessionStore, SessionManager, SessionStore

ENV_PREFIX = "EIDPORTAL_"
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float:
    """``"90"``, ``"90s"``, ``"20m"``, ``"8h"`` → seconds (positive)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not found or float(found.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive duration: {text!r} (e.g. 90s, 20m, 8h)")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parser() -> argparse.ArgumentParser:
    """The command line; defaults come from ``EIDPORTAL_*`` environment variables when set."""
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m examples.portal", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--origin", default=env(ENV_PREFIX + "ORIGIN"), help="this portal's origin (https://host[:port])")
    p.add_argument("--trust", default=env(ENV_PREFIX + "TRUST"),
                   help="trust anchors: a PEM/DER file or a directory (default: Belgian roots)")
    p.add_argument("--redis", default=env(ENV_PREFIX + "REDIS"), help="redis URL shared by all instances")
    p.add_argument("--secret-file", default=env(ENV_PREFIX + "SECRET_FILE"),
                   help="file with the secret shared by all instances (CSRF tokens, pre-login ids)")
    p.add_argument("--no-ocsp", action="store_true", help="skip revocation checks (testing only)")
    p.add_argument("--host", default=env(ENV_PREFIX + "HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env(ENV_PREFIX + "PORT", "8443")), help="0: a free port")
    p.add_argument("--port-file", help="write the port taken to this file")
    p.add_argument("--server", choices=("waitress", "werkzeug"), default=env(ENV_PREFIX + "SERVER", "waitress"))
    p.add_argument("--threads", type=int, default=int(env(ENV_PREFIX + "THREADS", "8")))
    p.add_argument("--proxies", type=int, default=int(env(ENV_PREFIX + "PROXIES", "0")),
                   help="number of reverse proxies in front whose X-Forwarded-* headers are trusted")
    p.add_argument("--idle-timeout", type=duration, default=env(ENV_PREFIX + "IDLE_TIMEOUT", "20m"))
    p.add_argument("--warning-lead", type=duration, default=env(ENV_PREFIX + "WARNING_LEAD", "2m"),
                   help="how long before the end the page warns")
    p.add_argument("--absolute-timeout", type=duration, default=env(ENV_PREFIX + "ABSOLUTE_TIMEOUT", "8h"))
    p.add_argument("--challenges-per-client", type=int,
                   default=int(env(ENV_PREFIX + "CHALLENGES_PER_CLIENT", "60")),
                   help="challenges per client address and minute (0: no limit)")
    p.add_argument("--max-pending", type=int, default=int(env(ENV_PREFIX + "MAX_PENDING", "10000")),
                   help="unconsumed challenges kept overall (the oldest are evicted)")
    p.add_argument("--login-host-url", default=env(ENV_PREFIX + "LOGIN_HOST_URL"),
                   help="the TLS client-certificate login host offered on the eID step")
    p.add_argument("--tls-login-url", default=env(ENV_PREFIX + "TLS_LOGIN_URL"),
                   help="the login host's certificate URL (https://login.host/eid): serve the eID TLS routes")
    p.add_argument("--login-host", action="store_true", default=env(ENV_PREFIX + "LOGIN_HOST") == "1",
                   help="run the TLS client-certificate login host instead of the portal (needs --redis)")
    p.add_argument("--portal-url", default=env(ENV_PREFIX + "PORTAL_URL"),
                   help="login host: the portal's https URL the browser returns to")
    p.add_argument("--unix-socket", default=env(ENV_PREFIX + "UNIX_SOCKET"),
                   help="login host: the Unix socket nginx forwards to (the only peer believed)")
    p.add_argument("--dev", action="store_true", default=env(ENV_PREFIX + "DEV") == "1",
                   help="no OCSP, the virtual card roots, http://127.0.0.1 origins")
    return p


def _trust(args: argparse.Namespace) -> TrustStore:
    if args.dev:
        from eidlib.emulator.pki import TestPki

        pkis = [TestPki.load(profile="1.7"), TestPki.load(profile="1.8")]
        # Web eID advice: anchor on the issuing CAs (a 1.0 token carries no intermediate; nginx forwards
        # the leaf alone).
        return TrustStore([p.citizen_ca.certificate for p in pkis] + [p.root.certificate for p in pkis])
    return TrustStore.from_path(args.trust) if args.trust else TrustStore.belgium()


def _redis(args: argparse.Namespace) -> Any:
    import redis

    return redis.Redis.from_url(args.redis, socket_connect_timeout=2, socket_timeout=2)


def build(args: argparse.Namespace) -> Flask:
    """The portal (or with ``--login-host`` the login host) for parsed ``args``; ``ValueError`` on an
    inconsistent configuration."""
    if args.login_host:
        return build_login_host(args)
    origin = args.origin
    if args.dev:
        origin = origin or f"http://127.0.0.1:{args.port}"
    elif not origin:
        raise ValueError("--origin is required (except with --dev)")
    trust = _trust(args)
    limits = ChallengeLimits(per_client=args.challenges_per_client, max_pending=args.max_pending)
    challenges: ChallengeStore = MemoryChallengeStore(max_entries=2 * args.max_pending)
    store: SessionStore = MemorySessionStore()
    limiter: RateLimiter = MemoryRateLimiter(limits)
    ledger: PendingLedger = MemoryPendingLedger(limits)
    handoff: HandoffStore = Handoff()
    if args.redis:
        client = _redis(args)
        challenges = RedisChallengeStore(client)
        store = RedisSessionStore(client)
        limiter = RedisRateLimiter(client, limits)
        ledger = RedisPendingLedger(client, limits)
        handoff = RedisHandoff(client)
    secret = Path(args.secret_file).read_bytes() if args.secret_file else secrets.token_bytes(32)
    validator = AuthTokenValidator(
        origin, trust, check_revocation=not (args.no_ocsp or args.dev), challenge_store=challenges,
        allow_http_localhost=args.dev,
    )
    sessions = SessionManager(store, idle_timeout=args.idle_timeout, warning_lead=args.warning_lead,
                              absolute_timeout=args.absolute_timeout)
    login_host_url = args.login_host_url
    if args.tls_login_url and not login_host_url:
        login_host_url = "/auth/eid-tls/start"
    app = create_app(validator=validator, sessions=sessions, secret_key=secret, limits=limits,
                     rate_limiter=limiter, ledger=ledger, login_host_url=login_host_url)
    if args.tls_login_url:
        if not args.tls_login_url.startswith("https://"):
            raise ValueError("--tls-login-url must be an https:// URL (the login host's certificate page)")
        link = EidTlsLogin(handoff, args.tls_login_url)
        app.register_blueprint(link.blueprint(app.extensions["eidportal"]))
        app.extensions["eid_tls"] = link  # which handoff this instance uses (for operators and tests)
    if args.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=args.proxies, x_proto=args.proxies)  # type: ignore[method-assign]
    return app


def build_login_host(args: argparse.Namespace) -> Flask:
    """The login host app: certificates validated with the portal's trust and revocation settings, the
    handoff in Redis (it runs apart from the portal instances, so memory would share nothing)."""
    if not args.redis:
        raise ValueError("--login-host needs --redis (the portal instances redeem its codes)")
    if not args.portal_url or not args.portal_url.startswith("https://"):
        raise ValueError("--login-host needs --portal-url https://… (where the browser goes back)")
    if not args.unix_socket:
        raise ValueError("--login-host needs --unix-socket (only nginx may hand over the certificate)")
    validator = AuthTokenValidator(args.portal_url, _trust(args), check_revocation=not (args.no_ocsp or args.dev))
    verifier = ClientCertificateVerifier(validator, proxy=ProxyTrust(unix_socket=True))
    return create_login_host(verifier, RedisHandoff(_redis(args)), args.portal_url)


class _UnixPeer:
    """Marks every request as coming over the Unix socket (waitress reports such a peer as "localhost",
    which :class:`ProxyTrust` does not read as the socket). Only for a server bound to that socket alone."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["REMOTE_ADDR"] = ""
        return self._app(environ, start_response)


def _serve_login_host(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        app = build(args)
    except (ValueError, OSError) as exc:
        p.error(str(exc))
    socket_path = Path(args.unix_socket)
    print(f"login host serving on unix:{socket_path} for {args.portal_url}", flush=True)
    if args.server == "werkzeug":
        from werkzeug.serving import make_server

        make_server(f"unix://{socket_path}", 0, app, threaded=True).serve_forever()
        return 0
    import waitress  # type: ignore[import-untyped]

    server: Any = waitress.create_server(_UnixPeer(app), unix_socket=str(socket_path), unix_socket_perms="660",
                                         threads=args.threads)
    server.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.login_host:
        return _serve_login_host(p, args)
    # Bound before the app is built: with --port 0 the --dev origin names the port actually taken.
    listener = socket.create_server((args.host, args.port))
    args.port = listener.getsockname()[1]
    try:
        app = build(args)
    except (ValueError, OSError) as exc:
        listener.close()
        p.error(str(exc))
    if args.server == "werkzeug":
        from werkzeug.serving import make_server

        dev = make_server(args.host, args.port, app, threaded=True, fd=listener.fileno())
        _announce(args, args.port)
        dev.serve_forever()
        return 0
    import waitress  # type: ignore[import-untyped]

    server: Any = waitress.create_server(app, sockets=[listener], threads=args.threads)
    _announce(args, args.port)
    server.run()
    return 0


def _announce(args: argparse.Namespace, port: int) -> None:
    if args.port_file:  # written whole, then renamed: a reader never sees half a number
        partial = Path(args.port_file + ".part")
        partial.write_text(f"{port}\n")
        partial.replace(args.port_file)
    print(f"portal serving on http://{args.host}:{port} (idle {args.idle_timeout:g} s, warning "
          f"{args.warning_lead:g} s, cap {args.absolute_timeout:g} s)", flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
