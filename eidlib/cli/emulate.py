"""``eid emulate``: serve the virtual card to pcscd (vsmartcard ``vpcd``) until Ctrl-C.

For as long as it runs, every PC/SC application (pyscard, OpenSC, the eid-mw middleware) sees a
Belgian eID card in reader ``Virtual PCD 00 00`` (``--slot 0``) or ``Virtual PCD 00 01``
(``--slot 1``). Ctrl-C (or SIGTERM) takes the card out and exits cleanly.

``--card NAME`` serves a card persona of the catalogue instead of a bare applet profile (an
applet 1.1 card, a re-keyed 1.7 card, a P-256 card, a kids card, foreigners' cards, ...);
``--list-cards`` lists them, one line each (:mod:`eidlib.cli.virtual_cards`).

With ``--control SOCKET`` the card can be removed, inserted, replaced and faulted from another
process: see :class:`eidlib.emulator.vpcd.ControlServer` for the requests.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

from eidlib.cli.errors import UsageError, describe
from eidlib.cli.i18n import _
from eidlib.cli.output import emit, print_json_line, wants_json
from eidlib.cli.source import load_persona
from eidlib.cli.virtual_cards import applet_profile, build_virtual_card, card_list, card_name, print_card_list
from eidlib.emulator.vpcd import VPCD_PORT, VPCD_SLOTS, ControlServer, ServedCard, VpcdClient, VpcdError
from eidlib.errors import EidError

#: The options a card is built from (also accepted by the control socket's ``restart``). When
#: ``card`` (a card persona) is set, it decides the applet and ``profile`` is not used.
CARD_OPTIONS = ("profile", "card", "persona", "pin", "kids", "activated", "seed")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulate", help="serve the virtual card to pcscd through vpcd (until Ctrl-C)",
        description="Serve the virtual Belgian eID card to pcscd through the vsmartcard vpcd driver.",
    )
    parser.add_argument("--profile", choices=("1.7", "1.8"), help="applet version (default 1.8)")
    parser.add_argument("--card", type=card_name, metavar="NAME",
                        help="a card persona of the catalogue instead of a bare profile (see --list-cards)")
    parser.add_argument("--list-cards", action="store_true",
                        help="list the virtual cards --card (and eid --virtual) accept, and exit")
    parser.add_argument("--persona", metavar="FILE", help="persona JSON file (default: the specimen citizen)")
    parser.add_argument("--slot", type=int, choices=VPCD_SLOTS, default=0, help="vpcd slot (default 0)")
    parser.add_argument("--pin", default="1234", help="the virtual card's PIN (default 1234)")
    parser.add_argument("--seed", default="eidlib-test", help="seed of the test PKI and keys")
    parser.add_argument("--kids", action="store_true", help="a kids card (no signature certificate)")
    parser.add_argument("--not-activated", action="store_true", help="a card not activated yet")
    parser.add_argument("--host", default="127.0.0.1", help="where vpcd listens (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"vpcd port (default {VPCD_PORT} + slot)")
    parser.add_argument("--control", metavar="SOCKET", help="Unix socket path for remote control")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="one JSON line per state change (waiting, serving, stopped)")
    parser.set_defaults(func=run)


def build_card(options: Mapping[str, Any]) -> ServedCard:
    """A :class:`eidlib.emulator.VirtualCard` from emulate options (see :data:`CARD_OPTIONS`)."""
    unknown = set(options) - set(CARD_OPTIONS)
    if unknown:
        raise VpcdError(f"unknown card options: {', '.join(sorted(unknown))}")
    card = options.get("card")
    profile = options.get("profile") or "1.8"
    if profile not in ("1.7", "1.8"):
        raise VpcdError(f"profile must be 1.7 or 1.8, not {profile!r}")
    persona_file = options.get("persona")
    persona = load_persona(str(persona_file)) if persona_file else None
    served: ServedCard = build_virtual_card(
        str(card) if card else profile,
        holder=persona,
        pin=str(options.get("pin", "1234")),
        seed=str(options.get("seed", "eidlib-test")),
        kids=bool(options.get("kids", False)),
        activated=bool(options.get("activated", True)),
    )
    return served


def _served_profile(args: argparse.Namespace) -> str:
    """The applet the served card runs (the card persona's, else ``--profile``)."""
    return applet_profile(args.card) if args.card else (args.profile or "1.8")


def _announce(args: argparse.Namespace, state: str, text: str, port: int) -> None:
    if wants_json(args):
        print_json_line("emulate", {"state": state, "host": args.host, "port": port, "slot": args.slot,
                                    "profile": _served_profile(args), "card": args.card})
    else:
        print(f"eid emulate: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.list_cards:
        emit(args, {"cards": card_list()}, print_card_list)
        return 0
    if args.card and args.profile:
        raise UsageError(_("--card and --profile do not go together: the card persona sets the applet"))
    options: dict[str, Any] = {
        "profile": args.profile or "1.8",
        "card": args.card,
        "persona": args.persona,
        "pin": args.pin,
        "seed": args.seed,
        "kids": args.kids,
        "activated": not args.not_activated,
    }
    card = build_card(options)
    port = args.port if args.port is not None else VPCD_PORT + args.slot
    client = VpcdClient(card, host=args.host, port=port)
    control = None
    if args.control:
        control = ControlServer(client, args.control, factory=build_card, options=options)
        control.start()
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        client.start()
        _watch_connection(args, client, done, port)
    finally:
        client.stop()
        if control is not None:
            control.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _announce(args, "stopped", _("card removed"), port)
    return 0


def _watch_connection(args: argparse.Namespace, client: VpcdClient, done: threading.Event, port: int) -> None:
    """Say once whether vpcd took the card, or that nothing listens (the client keeps retrying quietly)."""
    where = f"{args.host}:{port}"
    served = False
    waiting_said = False
    deadline = time.monotonic() + _NOTHING_LISTENS_AFTER
    while not done.wait(0.1):  # a timed wait keeps Ctrl-C responsive
        if client.connections and not served:
            served = True
            _announce(args, "serving", _("applet {profile} card inserted through vpcd {where} (slot {slot}); "
                                         "Ctrl-C removes it").format(profile=_served_profile(args), where=where,
                                                                     slot=args.slot), port)
        elif not served and not waiting_said and time.monotonic() > deadline:
            waiting_said = True
            _announce(args, "waiting", _("nothing answers at vpcd {where}: is pcscd running with the vsmartcard "
                                         "vpcd driver? Still trying (Ctrl-C to stop).").format(where=where), port)


#: Seconds without a vpcd connection before saying that pcscd/vpcd is not there.
_NOTHING_LISTENS_AFTER = 1.5


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eidlib.cli.emulate``: the same command without loading the other ``eid`` commands."""
    parser = argparse.ArgumentParser(prog="eid")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["emulate", *(sys.argv[1:] if argv is None else argv)])
    # Card insertions, removals and power events, with times: what a test log needs.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        return run(args)
    except EidError as exc:
        report = describe(exc)
        print(f"eid emulate: {report.message}", file=sys.stderr)
        return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
