"""``eid sign-pdf`` (PAdES B-B … B-LTA with the card) and ``eid verify`` (a signed PDF or a CMS signature).

The output path is checked before the card is touched and written atomically (``eidlib.cli.files``);
the input is only read. The PIN is asked right when the card signs, with the PIN rule of every
``eid`` command (``--pin-stdin``, PIN pads, the last-try confirmation). ``verify`` prints the typed
report (``--json``: the same report) and exits 0 only when every signature is valid, 3 otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from eidlib.cli.card_commands import KEYS, add_key_option, json_option
from eidlib.cli.errors import KEY_LABELS, FileProblem, UsageError
from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.files import prepared_output, read_input
from eidlib.cli.i18n import _
from eidlib.cli.output import emit, note
from eidlib.cli.pin_entry import add_pin_options, obtain_pin
from eidlib.cli.progress import shown
from eidlib.cli.source import add_wait_option

_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def register(subparsers: Any) -> None:
    """Add ``sign-pdf`` and ``verify`` to the ``eid`` parser."""
    sign = subparsers.add_parser("sign-pdf", help="sign a PDF (PAdES) with the card")
    sign.add_argument("file", help="the PDF to sign (never modified)")
    sign.add_argument("-o", "--output", required=True, help="where to write the signed PDF")
    sign.add_argument("--level", choices=_LEVELS, default="B-B", help="PAdES baseline level (default B-B)")
    sign.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamp authority (needed from B-T up)")
    sign.add_argument("--visible", metavar="PAGE,X,Y,W,H", help="visible signature box (points, pages from 1)")
    sign.add_argument("--field", metavar="NAME", help="signature field to fill (existing or new)")
    sign.add_argument("--reason", metavar="TEXT", help="reason written in the signature")
    add_key_option(sign)
    sign.add_argument("--pss", action="store_true", help="RSASSA-PSS instead of PKCS#1 v1.5 (RSA cards)")
    sign.add_argument("--revocation-host", action="append", default=[], metavar="HOST",
                      help="also allow this OCSP/CRL host (the Belgian eID hosts always are)")
    add_pin_options(sign)
    json_option(sign)
    add_wait_option(sign, default=argparse.SUPPRESS)
    sign.set_defaults(func=run_sign_pdf)

    verify = subparsers.add_parser("verify", help="verify a signed PDF or a detached CMS signature")
    verify.add_argument("file", help="a signed PDF, or a CMS signature (.p7s)")
    verify.add_argument("--content", metavar="FILE", help="the signed file of a detached CMS signature")
    verify.add_argument("--trust", metavar="FILE_OR_DIR",
                        help="trust anchors (PEM/DER file or directory) instead of the Belgian roots")
    json_option(verify)
    verify.set_defaults(func=run_verify)


def _test_root(args: argparse.Namespace) -> list[bytes] | None:
    """The virtual card's own test root for ``--virtual`` (never for a real card)."""
    if getattr(args, "virtual", None):
        from eidlib.cli.virtual_cards import pki_profile
        from eidlib.emulator.pki import TestPki

        return [TestPki.load(profile=pki_profile(args.virtual)).root.cert_der()]
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
        sign_pdf,
    )
    from eidlib.signing.pdf.adapter import BELGIAN_CRL_HOSTS, BELGIAN_OCSP_HOSTS
    from eidlib.signing.pdf.errors import PdfInputError

    if args.file == "-" or args.output == "-":
        raise UsageError("sign-pdf reads and writes files, not stdin/stdout")
    if Path(args.output).resolve() == Path(args.file).resolve():
        raise FileProblem(args.output, _("is the input file; the input is never overwritten"))
    try:
        visible = VisibleSignature.parse(args.visible) if args.visible else None
    except PdfInputError as exc:
        raise UsageError(f"--visible: {exc}") from None
    key = KEYS[args.key]
    options = PdfSignatureOptions(level=Level(args.level), key=key.value, padding="pss" if args.pss else "pkcs1v15",
                                  field=args.field, visible=visible, reason=args.reason)
    hosts = set(args.revocation_host)
    if getattr(args, "virtual", None):
        hosts.add("127.0.0.1")  # the virtual cards' certificates name loopback services
    settings = RevocationSettings(ocsp_hosts=BELGIAN_OCSP_HOSTS | hosts, crl_hosts=BELGIAN_CRL_HOSTS | hosts)
    data = read_input(args.file)
    with prepared_output(args.output) as output:  # checked (folder, writable) before the card is touched
        with open_source(args) as token:
            if shown(args):
                note(_("Signing {file} ({level})...").format(file=args.file, level=args.level))
            signed = sign_pdf(
                token, data, pin_source=lambda: obtain_pin(args, token, key), options=options, tsa=args.tsa,
                revocation=RevocationFetcher(settings), trust_roots=_test_root(args),
            )
        output.commit(signed)
    emit(args, {"file": args.file, "output": args.output, "level": args.level, "key": key.value,
                "size": len(signed)},
         lambda: print(_("Signed PDF written to {path} ({level}, {key} key).").format(
             path=args.output, level=args.level, key=_(KEY_LABELS[key]))))
    return 0


def _human(report: Any) -> None:
    # The report's wording is English (like its JSON keys); the signature box is in the document's language.
    verdict = "VALID" if report.valid else "NOT VALID"
    print(f"{report.kind.value.upper()}: {verdict}")
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
    from eidlib.signing.verify import verify_file

    roots = _test_root(args) if args.trust is None else None
    anchors = roots if roots is not None else trust_roots_from(args.trust)
    data = read_input(args.file)
    content = read_input(args.content) if args.content is not None else None
    report = verify_file(data, content=content, trust_roots=anchors)
    emit(args, {"file": args.file, **report.to_json()}, lambda: _human(report))
    return int(ExitCode.OK if report.valid else ExitCode.INVALID)
