"""``eid watch``: card insertions and removals as they happen, with the holder's name.

Built on :class:`eidlib.apdu.pcsc.ReaderMonitor`. With ``--json`` each event is one JSON object
on its own line (``{"schema_version", "command": "watch", "event", "reader", "atr", "holder",
"time"}``). ``--timeout SECONDS`` ends the watch (default: until Ctrl-C); ``--count N`` after N
insertions and removals.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from eidlib.cli.i18n import _
from eidlib.cli.output import note, print_json_line, wants_json
from eidlib.errors import EidError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("watch", help="show card insertions and removals (JSON lines with --json)")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="one JSON object per line")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop after this many seconds")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N card insertions/removals")
    parser.set_defaults(func=run)


def _holder(reader: str) -> str | None:
    """The holder's name on the card just inserted (``None`` for another card or a read error)."""
    from eidlib.opener import open_card

    try:
        with open_card(reader) as card:
            identity = card.read_identity()
    except EidError:
        return None
    return f"{identity.given_names} {identity.surname}".strip()


def run(args: argparse.Namespace) -> int:
    """``eid watch``."""
    from eidlib.apdu.pcsc import ReaderMonitor

    if args.virtual is not None or args.pkcs11 is not None:
        from eidlib.cli.errors import UsageError

        raise UsageError("eid watch follows PC/SC readers: leave out --virtual and --pkcs11")
    seen = 0
    if not wants_json(args):
        note(_("Watching the card readers (Ctrl-C to stop)."))
    readers = [args.reader] if args.reader else None
    with ReaderMonitor(readers) as monitor:
        for event in monitor.events(args.timeout, poll_interval=0.5):
            holder = _holder(event.reader) if event.kind == "inserted" else None
            payload = {"event": event.kind, "reader": event.reader,
                       "atr": event.atr.hex().upper() if event.atr else None, "holder": holder,
                       "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            if wants_json(args):
                print_json_line("watch", payload)
            else:
                print(_describe(payload), flush=True)
            if event.kind in ("inserted", "removed"):
                seen += 1
                if args.count is not None and seen >= args.count:
                    break
    return 0


def _describe(event: dict[str, Any]) -> str:
    kind = event["event"]
    if kind == "inserted":
        who = event["holder"] or _("not a readable Belgian eID card")
        return _("{time} card inserted in {reader}: {who}").format(who=who, **event)
    if kind == "removed":
        return _("{time} card removed from {reader}").format(**event)
    if kind == "reader_added":
        return _("{time} reader connected: {reader}").format(**event)
    return _("{time} reader disconnected: {reader}").format(**event)
