"""Run the example portal: ``python -m examples.portal --origin https://portal.example.be --trust CA.pem``.

``--redis redis://127.0.0.1:6379/0`` shares challenges and sessions between instances (start several
behind a load balancer with the same ``--secret-file``). ``--dev`` serves plain http on 127.0.0.1 with
an ``http://127.0.0.1:PORT`` origin and the virtual cards' test roots, for trying the login client.
The server here is Werkzeug's development server; put a real WSGI server and TLS in front in production.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from eidlib.auth import AuthTokenValidator, ChallengeStore, MemoryChallengeStore, RedisChallengeStore
from eidlib.x509.truststore import TrustStore
from examples.portal.app import create_app
from examples.portal.sessions import MemorySessionStore, RedisSessionStore, SessionManager, SessionStore


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.portal", description=__doc__)
    parser.add_argument("--origin", help="this portal's origin (https://host[:port])")
    parser.add_argument("--trust", help="trust anchors: a PEM/DER file or a directory (default: Belgian roots)")
    parser.add_argument("--redis", help="redis URL for shared challenges and sessions")
    parser.add_argument("--secret-file", help="file with the CSRF secret shared by all instances")
    parser.add_argument("--no-ocsp", action="store_true", help="skip revocation checks (testing only)")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--dev", action="store_true", help="http on 127.0.0.1 with the virtual card roots")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    if args.dev:
        from eidlib.emulator.pki import TestPki

        origin = args.origin or f"http://127.0.0.1:{args.port}"
        pkis = [TestPki.load(profile="1.7"), TestPki.load(profile="1.8")]
        # Web eID advice: anchor on the issuing CAs (a 1.0 token carries no intermediate).
        trust = TrustStore([p.citizen_ca.certificate for p in pkis] + [p.root.certificate for p in pkis])
    else:
        if not args.origin:
            parser.error("--origin is required (except with --dev)")
        origin = args.origin
        trust = TrustStore.from_path(args.trust) if args.trust else TrustStore.belgium()

    challenges: ChallengeStore = MemoryChallengeStore()
    store: SessionStore = MemorySessionStore()
    if args.redis:
        import redis

        client = redis.Redis.from_url(args.redis)
        challenges = RedisChallengeStore(client)
        store = RedisSessionStore(client)
    secret = Path(args.secret_file).read_bytes() if args.secret_file else secrets.token_bytes(32)
    validator = AuthTokenValidator(
        origin, trust, check_revocation=not (args.no_ocsp or args.dev), challenge_store=challenges,
        allow_http_localhost=args.dev,
    )
    app = create_app(validator=validator, sessions=SessionManager(store), secret_key=secret)
    app.run(host="127.0.0.1", port=args.port)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
