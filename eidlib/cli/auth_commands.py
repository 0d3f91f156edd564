"""``eid authenticate``: sign a Web eID login challenge with the card and print the token JSON."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from eidlib.auth.client import authenticate
from eidlib.auth.nonce import check_nonce
from eidlib.auth.origin import normalize_origin
from eidlib.auth.token import FORMAT_1_0, FORMAT_1_1
from eidlib.cli.source import open_source
from eidlib.token.errors import PinFormatError
from eidlib.token.protocol import Token


def register(subparsers: Any) -> None:
    """Add the ``authenticate`` command."""
    parser = subparsers.add_parser(
        "authenticate",
        help="sign a Web eID login challenge and print the token",
        description="Sign H(H(origin) || H(challenge)) with the authentication key and print the "
        "Web eID token (JSON). The PIN is asked for, read from stdin (--pin-stdin) or entered on a PIN pad.",
    )
    parser.add_argument("--origin", required=True, help="the site's origin, https://host[:port]")
    parser.add_argument("--challenge", required=True, help="the server's challenge nonce (base64)")
    parser.add_argument("--format", default=FORMAT_1_0, choices=(FORMAT_1_0, FORMAT_1_1),
                        help="token format (1.1 adds the card's CA certificate)")
    parser.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the inputs, open the token, authenticate, print the token JSON."""
    origin = normalize_origin(args.origin)
    challenge = check_nonce(args.challenge)
    with open_source(args) as token:
        pin = None if _uses_pinpad(args, token) else _read_pin(args)
        try:
            result = authenticate(pin, challenge=challenge, origin=origin, token=token, format=args.format)
        finally:
            if pin is not None:
                pin[:] = bytes(len(pin))
    print(result.to_json())
    return 0


def _read_pin(args: argparse.Namespace) -> bytearray:
    if args.pin_stdin:
        line = sys.stdin.readline()
        if not line:
            raise PinFormatError("no PIN on standard input")
        text = line.rstrip("\r\n")
    else:
        text = getpass.getpass("eID PIN: ")
    try:
        return bytearray(text.encode("ascii"))
    except UnicodeEncodeError as exc:
        raise PinFormatError("PIN must be 4 to 12 digits") from exc


def _uses_pinpad(args: argparse.Namespace, token: Token) -> bool:
    if args.pin_stdin:
        return False
    pinpad = getattr(token, "pinpad", None)
    if callable(pinpad):
        return pinpad() is not None
    return bool(getattr(token, "protected_authentication_path", False))
