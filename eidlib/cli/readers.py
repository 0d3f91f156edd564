"""``eid readers``: list PC/SC readers and whether each holds a card."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("readers", help="list PC/SC readers")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eidlib.apdu.pcsc import ReaderStatus, all_reader_status

    rows = all_reader_status()
    if args.json:
        print(json.dumps([
            {"reader": r.name, "card_present": r.card_present, "atr": r.atr.hex() if r.atr else None,
             "mute": r.mute, "exclusive": r.exclusive}
            for r in rows
        ]))
        return 0
    if not rows:
        print("no readers")
        return 0

    def describe(r: ReaderStatus) -> str:
        if r.mute:
            return "card not answering (mute)"
        if not r.card_present:
            return "no card"
        state = f"card, ATR {r.atr.hex(' ').upper()}"
        return state + (" (in exclusive use)" if r.exclusive else "")

    for r in rows:
        print(f"{r.name}: {describe(r)}")
    return 0
