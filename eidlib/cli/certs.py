"""``eid certs``: the card's certificates with role, holder, validity and chain verdict.

The verdicts are :func:`eidlib.x509.verdict.certificate_verdicts`; this module only formats them.

Chains are validated against the Belgian roots (or ``--trust FILE_OR_DIR``), with the card's own
CA certificate as an untrusted intermediate. ``--ocsp`` also asks the OCSP responder about the
authentication and signature certificates. ``--out DIR`` also writes the DER files. The exit
status is 1 when a certificate does not validate (or its OCSP check fails).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from eidlib.cli.files import Output, check_output_folder, make_output_folder
from eidlib.cli.names import chain_verdict, human_name
from eidlib.cli.output import print_json
from eidlib.errors import EidError
from eidlib.token.protocol import CardCertificates, Token
from eidlib.x509.errors import CertificateError
from eidlib.x509.fetch import BELGIAN_OCSP_HOSTS
from eidlib.x509.revocation import RevocationChecker
from eidlib.x509.truststore import TrustStore
from eidlib.x509.verdict import SLOTS, certificate_verdicts


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("certs", help="show the card's certificates and their chain verdict")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    parser.add_argument("--trust", metavar="FILE_OR_DIR",
                        help="trust anchors (PEM/DER file or directory) instead of the Belgian roots")
    parser.add_argument("--out", metavar="DIR", help="also write each certificate as DIR/<slot>.der")
    parser.add_argument("--at", metavar="ISO_TIME", type=_parse_time,
                        help="validate at this time (default: now), e.g. 2024-12-24 or 2024-12-24T10:00:00Z")
    parser.add_argument("--ocsp", action="store_true",
                        help="also ask the OCSP responder about the authentication and signature certificates")
    parser.add_argument("--ocsp-url", metavar="URL", help="OCSP responder to ask instead of the certificate's")
    parser.add_argument("--allow-host", metavar="HOST", action="append", default=[],
                        help="allow this OCSP host besides the Belgian ones (repeatable)")
    parser.set_defaults(func=run)


def _parse_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _open_source(args: argparse.Namespace) -> AbstractContextManager[Token]:
    from eidlib.cli.source import open_source

    return open_source(args)


def _text(rows: list[dict[str, Any]], *, details: bool = False) -> Iterator[str]:
    for row in rows:
        yield f"[{row['slot']}]"
        if "subject" in row:
            holder = row["common_name"] or row["subject"]
            if row["national_number"]:
                holder += f" (national number {row['national_number']})"
            yield f"  role:      {row['role']}"
            yield f"  holder:    {holder}"
            yield f"  issuer:    {human_name(row['issuer'])}"
            yield f"  validity:  {row['not_before']} .. {row['not_after']}"
            yield f"  key:       {row['key']}"
            if row["policies"]:
                yield f"  policies:  {', '.join(row['policies'])}"
        if "chain" in row:
            yield f"  chain:     valid ({' -> '.join(row['chain'])})"
        else:
            verdict, hint = chain_verdict(row["error"])
            yield f"  chain:     NOT VALID: {verdict}"
            if hint:
                yield f"  hint:      {hint}"
            if details and verdict != row["error"]:
                yield f"  details:   {row['error']}"
        if "ocsp" in row:
            yield f"  ocsp:      {row['ocsp']}"


def _write(out_dir: str, certs: CardCertificates) -> list[str]:
    """Each certificate as ``out_dir/<slot>.der``, written atomically (the folder was checked before)."""
    make_output_folder(out_dir)
    written: list[str] = []
    for slot, _purpose in SLOTS:
        data = getattr(certs, slot)
        if data is None:
            continue
        path = os.path.join(out_dir, f"{slot}.der")
        Output(path).commit(data)
        written.append(path)
    return written


def _trust_store(args: argparse.Namespace) -> TrustStore:
    """``--trust``, else the virtual card's own test root for ``--virtual``, else the Belgian roots.

    The test root is only ever trusted for the built-in virtual card, never for a real card.
    """
    if args.trust:
        return TrustStore.from_path(args.trust)
    if getattr(args, "virtual", None):
        from eidlib.cli.virtual_cards import pki_profile
        from eidlib.emulator.pki import TestPki

        return TrustStore([TestPki.load(profile=pki_profile(args.virtual)).root.cert_der()])
    return TrustStore.belgium()


def run(args: argparse.Namespace) -> int:
    try:
        trust = _trust_store(args)
    except CertificateError as exc:
        raise EidError(f"cannot load trust anchors: {exc}") from exc
    at = args.at or dt.datetime.now(dt.timezone.utc)
    revocation = (
        RevocationChecker(ocsp_url=args.ocsp_url, ocsp_hosts=BELGIAN_OCSP_HOSTS | set(args.allow_host))
        if args.ocsp else None
    )
    if args.out:
        check_output_folder(args.out)  # before the card is read; missing parent folders are not created
    with _open_source(args) as token:
        certs = token.read_certificates()
    rows = [v.to_dict() for v in certificate_verdicts(certs, trust=trust, at=at, revocation=revocation)]
    written = _write(args.out, certs) if args.out else []
    if getattr(args, "json", False):
        print_json("certs", {"validated_at": at.isoformat(), "certificates": rows, "written": written})
    else:
        for line in _text(rows, details=bool(getattr(args, "verbose", 0))):
            print(line)
        for path in written:
            print(f"wrote {path}")
    return 0 if rows and all(row["valid"] for row in rows) else 1
