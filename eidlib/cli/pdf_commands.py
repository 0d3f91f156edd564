"""``eid sign-pdf`` (PAdES B-B … B-LTA with the card) and ``eid verify`` (a signed PDF or a CMS signature).

The output path is checked before the card is touched and written atomically; the input is only
read. The PIN is asked right when the card signs (prompt without echo, or ``--pin-stdin``).
``verify`` prints the typed report (``--json``: the same report as JSON) and exits 0 only when
every signature is valid, 1 otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eidlib.card.errors import PinFormatError

_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def register(subparsers: Any) -> None:
    """Add ``sign-pdf`` and ``verify`` to the ``eid`` parser."""
    sign = subparsers.add_parser("sign-pdf", help="sign a PDF (PAdES) with the card")
    sign.add_argument("file", type=Path, help="the PDF to sign (never modified)")
    sign.add_argument("-o", "--output", type=Path, required=True, help="where to write the signed PDF")
    sign.add_argument("--level", choices=_LEVELS, default="B-B", help="PAdES baseline level (default B-B)")
    sign.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamp authority (needed from B-T up)")
    sign.add_argument("--visible", metavar="PAGE,X,Y,W,H", help="visible signature box (points, page from 1)")
    sign.add_argument("--field", metavar="NAME", help="signature field to fill (existing or new)")
    sign.add_argument("--reason", metavar="TEXT", help="reason written in the signature")
    sign.add_argument("--key", choices=("signature", "authentication"), default="signature",
                      help="card key (default: the non-repudiation signature key)")
    sign.add_argument("--pss", action="store_true", help="RSASSA-PSS instead of PKCS#1 v1.5 (RSA cards)")
    sign.add_argument("--revocation-host", action="append", default=[], metavar="HOST",
                      help="also allow this OCSP/CRL host (the Belgian eID hosts always are)")
    sign.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    sign.set_defaults(func=run_sign_pdf)

    verify = subparsers.add_parser("verify", help="verify a signed PDF or a detached CMS signature")
    verify.add_argument("file", type=Path, help="a signed PDF, or a CMS signature (.p7s)")
    verify.add_argument("--content", type=Path, help="the signed file of a detached CMS signature")
    verify.add_argument("--trust", metavar="FILE_OR_DIR",
                        help="trust anchors (PEM/DER file or directory) instead of the Belgian roots")
    verify.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    verify.set_defaults(func=run_verify)


def _pin_source(args: argparse.Namespace) -> Callable[[], str]:
    def ask() -> str:
        if args.pin_stdin:
            line = sys.stdin.readline()
            if not line:
                raise PinFormatError("no PIN on standard input")
            return line.rstrip("\r\n")
        return getpass.getpass("Signature PIN: ")

    return ask


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def _test_root(args: argparse.Namespace) -> list[bytes] | None:
    """The virtual card's own test root for ``--virtual`` (never for a real card)."""
    if getattr(args, "virtual", None):
        from eidlib.emulator.pki import TestPki

        return [TestPki.load(profile=args.virtual).root.cert_der()]
    return None


def run_sign_pdf(args: argparse.Namespace) -> int:
    """``eid sign-pdf``."""
    from eidlib.cli.source import open_source
    from eidlib.signing.pdf import (
        Level,
        PdfSignatureOptions,
        RevocationFetcher,
        RevocationSettings,
        VisibleSignature,
        sign_pdf_file,
    )
    from eidlib.signing.pdf.adapter import BELGIAN_CRL_HOSTS, BELGIAN_OCSP_HOSTS
    from eidlib.signing.pdf.files import check_output_path

    check_output_path(args.output, args.file)  # before the card is touched
    options = PdfSignatureOptions(
        level=Level(args.level), key=args.key, padding="pss" if args.pss else "pkcs1v15", field=args.field,
        visible=VisibleSignature.parse(args.visible) if args.visible else None, reason=args.reason,
    )
    hosts = set(args.revocation_host)
    if getattr(args, "virtual", None):
        hosts.add("127.0.0.1")  # the virtual cards' certificates name loopback services
    settings = RevocationSettings(ocsp_hosts=BELGIAN_OCSP_HOSTS | hosts, crl_hosts=BELGIAN_CRL_HOSTS | hosts)
    _progress(f"signing {args.file} ({args.level}) ...")
    with open_source(args) as token:
        written = sign_pdf_file(
            token, args.file, args.output, pin_source=_pin_source(args), options=options, tsa=args.tsa,
            revocation=RevocationFetcher(settings), trust_roots=_test_root(args),
        )
    if getattr(args, "json", False):
        print(json.dumps({"file": str(args.file), "output": str(written), "level": args.level}))
    else:
        print(f"signed: {written} ({args.level})")
    return 0


def _human(report: Any) -> None:
    print(f"{report.kind.value.upper()}: {'VALID' if report.valid else 'NOT VALID'}")
    for number, sig in enumerate(report.signatures, start=1):
        print(f"signature {number}{f' ({sig.field_name})' if sig.field_name else ''}: "
              f"{'valid' if sig.valid else 'NOT valid'}, level {sig.level or '-'}")
        print(f"  signer:            {sig.signer}")
        print(f"  intact:            {'yes' if sig.intact else 'NO'}; coverage {sig.coverage.value}; "
              f"changes after signing: {sig.modifications.value}")
        print(f"  trusted:           {'yes, root ' + sig.trust_root if sig.trusted and sig.trust_root else 'NO'}")
        print(f"  signing time:      {sig.signing_time.isoformat() if sig.signing_time else '-'} (claimed)")
        if sig.timestamp is not None:
            ok = "ok" if sig.timestamp.intact and sig.timestamp.trusted else "NOT trusted"
            print(f"  time stamp:        {sig.timestamp.time.isoformat()} ({ok}, {sig.timestamp.tsa})")
        print(f"  revocation data:   {'embedded' if sig.revocation_data_embedded else 'none'}; "
              f"LTV {'enabled' if sig.ltv_enabled else 'no'}")
        print(f"  non-repudiation:   {'yes' if sig.non_repudiation else 'no'}")
        for problem in sig.problems:
            print(f"  problem:           {problem}")
    for stamp in report.document_timestamps:
        ok = "ok" if stamp.intact and stamp.trusted else "NOT valid"
        print(f"document time stamp: {stamp.time.isoformat()} ({ok}, {stamp.tsa})")


def run_verify(args: argparse.Namespace) -> int:
    """``eid verify``."""
    from eidlib.signing.pdf.adapter import trust_roots_from
    from eidlib.signing.pdf.files import read_input
    from eidlib.signing.verify import verify_file

    roots = _test_root(args) if args.trust is None and getattr(args, "virtual", None) else None
    anchors = roots if roots is not None else trust_roots_from(args.trust)
    data = read_input(args.file)
    content = read_input(args.content) if args.content is not None else None
    report = verify_file(data, content=content, trust_roots=anchors)
    if getattr(args, "json", False):
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        _human(report)
    return 0 if report.valid else 1
