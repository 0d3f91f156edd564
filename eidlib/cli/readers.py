"""``eid readers``: list PC/SC readers and whether each holds a card."""

from __future__ import annotations

import argparse
from typing import Any

from eidlib.cli.i18n import _
from eidlib.cli.output import emit


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("readers", help="list PC/SC readers")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eidlib.apdu.pcsc import ReaderStatus, all_reader_status

    rows = all_reader_status()
    payload = {"readers": [
        {"name": r.name, "card_present": r.card_present, "atr": r.atr.hex().upper() if r.atr else None,
         "mute": r.mute, "exclusive": r.exclusive}
        for r in rows
    ]}

    def describe(r: ReaderStatus) -> str:
        if r.mute:
            return _("card not answering (mute)")
        if not r.card_present:
            return _("no card")
        state = _("card, ATR {atr}").format(atr=r.atr.hex(" ").upper())
        return state + (" " + _("(in exclusive use)") if r.exclusive else "")

    def human() -> None:
        if not rows:
            print(_("no readers"))
        for r in rows:
            print(f"{r.name}: {describe(r)}")

    emit(args, payload, human)
    return 0
