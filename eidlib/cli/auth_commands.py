"""``eid authenticate``: sign a Web eID login challenge with the card and print the token JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from eidlib.auth.client import authenticate
from eidlib.auth.nonce import check_nonce
from eidlib.auth.origin import normalize_origin
from eidlib.auth.token import FORMAT_1_0, FORMAT_1_1
from eidlib.cli.card_commands import json_option
from eidlib.cli.output import print_json, wants_json
from eidlib.cli.pin_entry import add_pin_options, obtain_pin
from eidlib.cli.source import add_wait_option, open_source
from eidlib.token.errors import PinFormatError


def register(subparsers: Any) -> None:
    """Add the ``authenticate`` command."""
    parser = subparsers.add_parser(
        "authenticate",
        help="sign a Web eID login challenge and print the token",
        description="Sign H(H(origin) || H(challenge)) with the authentication key and print the "
        "Web eID token (JSON; with --json inside eid's own JSON document as 'token'). The PIN is asked "
        "for, read from stdin (--pin-stdin) or entered on a PIN pad.",
    )
    parser.add_argument("--origin", required=True, help="the site's origin, https://host[:port]")
    parser.add_argument("--challenge", required=True, help="the server's challenge nonce (base64)")
    parser.add_argument("--format", default=FORMAT_1_0, choices=(FORMAT_1_0, FORMAT_1_1),
                        help="token format (1.1 adds the card's CA certificate)")
    add_pin_options(parser)
    json_option(parser)
    add_wait_option(parser, default=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the inputs, open the token, authenticate, print the token JSON."""
    origin = normalize_origin(args.origin)
    challenge = check_nonce(args.challenge)
    with open_source(args) as token:
        text = obtain_pin(args, token, "authentication")
        pin: bytearray | None = None
        if text is not None:
            try:
                pin = bytearray(text.encode("ascii"))
            except UnicodeEncodeError as exc:
                raise PinFormatError("PIN must be 4 to 12 digits") from exc
        try:
            result = authenticate(pin, challenge=challenge, origin=origin, token=token, format=args.format)
        finally:
            if pin is not None:
                pin[:] = bytes(len(pin))
    if wants_json(args):
        print_json("authenticate", {"token": json.loads(result.to_json())})
    else:
        print(result.to_json())
    return 0
