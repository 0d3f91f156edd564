"""``eid record``: save a session on a real card and reader in the replay format (for contributors).

The recording holds every APDU with its timing, PIN blocks redacted; ``--anonymise`` replaces the
holder's personal data consistently (see :mod:`eidlib.card.recording`). ``docs/recordings.md``
says how to contribute one to ``tests/fixtures/real/``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from eidlib.card.recording import STEPS, anonymise, record_session
from eidlib.card.session import BeidCard
from eidlib.cli.errors import UsageError
from eidlib.cli.files import prepared_output
from eidlib.cli.i18n import _
from eidlib.cli.output import emit, note
from eidlib.cli.pin_entry import add_pin_options, has_pinpad, obtain_pin
from eidlib.cli.source import open_source
from eidlib.version import __version__

#: Without ``--sign``: everything that needs no PIN.
READ_STEPS = ("identity", "address", "photo", "certificates", "pin_status")


def register(subparsers: Any) -> None:
    """Add ``eid record``."""
    parser = subparsers.add_parser("record", help="save a session with the card (APDUs, timing) for the test suite")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="recording to write (JSON)")
    parser.add_argument("--anonymise", action="store_true",
                        help="replace the holder's personal data (names, numbers, address, photo) consistently")
    parser.add_argument("--sign", action="store_true",
                        help="also verify the PIN and make one authentication signature of a fixed message")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    add_pin_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Record, anonymise if asked, write atomically; the output path is checked before the card."""
    steps = STEPS if args.sign else READ_STEPS
    with prepared_output(args.output) as output, open_source(args) as token:
        if not isinstance(token, BeidCard):
            raise UsageError("eid record needs a card session (not --pkcs11)")
        pin = None
        if args.sign:
            if has_pinpad(token) and not args.pin_stdin:
                raise UsageError("eid record --sign needs the PIN from --pin-stdin (PIN-pad entry is not recorded)")
            pin = obtain_pin(args, token, None)
        recording = record_session(token.transport, steps, pin=pin,
                                   reader=str(getattr(token.transport, "reader_name", "")),
                                   software=f"eidlib {__version__}")
        if args.anonymise:
            recording = anonymise(recording)
        output.commit((json.dumps(recording, indent=1) + "\n").encode("utf-8"))
    payload = {"output": args.output, "exchanges": len(recording["exchanges"]), "steps": list(steps),
               "applet": recording["session"]["applet"], "anonymised": bool(args.anonymise)}
    emit(args, payload, lambda: note(_("Recorded {n} exchanges to {path}.").format(
        n=payload["exchanges"], path=args.output)))
    return 0
