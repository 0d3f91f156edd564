"""``eid readers``: list PC/SC readers and whether each holds a card."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("readers", help="list PC/SC readers")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eidlib.apdu.pcsc import list_readers, reader_status

    readers = list_readers()
    rows = [reader_status(name) for name in readers]
    if args.json:
        print(json.dumps([{"reader": r.name, "card_present": r.card_present, "atr": r.atr.hex() if r.atr else None}
                          for r in rows]))
        return 0
    if not rows:
        print("no readers")
        return 0
    for r in rows:
        state = f"card, ATR {r.atr.hex(' ').upper()}" if r.atr else "no card"
        print(f"{r.name}: {state}")
    return 0
