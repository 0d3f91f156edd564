"""``eid login URL``: the eID step of a CSAM-style login (TLS client certificate) and who is logged in."""

from __future__ import annotations

import argparse
from typing import Any

from eidlib.cli.card_commands import json_option
from eidlib.cli.i18n import _
from eidlib.cli.output import print_json, wants_json
from eidlib.cli.pin_entry import add_pin_options, obtain_pin
from eidlib.cli.source import add_wait_option, open_source
from eidlib.tls import TlsError, login
from eidlib.token.pin import pin_bytes


def register(subparsers: Any) -> None:
    """Add the ``login`` command."""
    parser = subparsers.add_parser(
        "login",
        help="log in to a site's eID login host with a TLS client certificate",
        description="Open URL (the site's eID login start) and follow its redirects; the card signs the TLS "
        "handshake of the login host that asks for a client certificate (the PIN is asked once, when it "
        "asks). Prints who the site says is logged in.",
    )
    parser.add_argument("url", help="https:// URL where the site's eID login starts")
    parser.add_argument("--ca-file", help="PEM file of the CAs the servers' certificates chain to "
                        "(default: the system CAs)")
    parser.add_argument("--resolve", action="append", default=[], metavar="HOST:ADDRESS",
                        help="connect to ADDRESS for HOST (repeatable), like curl --resolve")
    parser.add_argument("--tls", action="append", choices=("1.2", "1.3"), metavar="VERSION",
                        help="TLS version to offer: 1.2 or 1.3 (repeatable; default both)")
    add_pin_options(parser)
    json_option(parser)
    add_wait_option(parser, default=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def _resolve(entries: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for entry in entries:
        host, sep, address = entry.rpartition(":")
        if not sep or not host or not address:
            raise TlsError(f"--resolve wants HOST:ADDRESS, not {entry!r}")
        mapping[host] = address
    return mapping


def run(args: argparse.Namespace) -> int:
    """Log in and print the user (text or ``--json``)."""
    resolve = _resolve(args.resolve)
    with open_source(args) as token:

        def ask_pin() -> bytearray | None:
            # Called only when the login host requests the certificate; None: a PIN pad asks.
            text = obtain_pin(args, token, "authentication")
            return None if text is None else pin_bytes(text)

        result = login(args.url, token=token, pin=ask_pin, ca_file=args.ca_file,
                       versions=args.tls or ("1.2", "1.3"), resolve=resolve)
    if wants_json(args):
        print_json("login", result.to_dict())
        return 0
    user = result.user
    name = " ".join(part for part in (user.get("given_names"), user.get("surname")) if part)
    print(_("Logged in as {name} (national number {number})").format(
        name=name or user.get("common_name"), number=user.get("national_number")))
    print(_("  level {level} ({method}), TLS {version}, at {url}").format(
        level=user.get("level"), method=user.get("auth_method"), version=result.tls_version, url=result.response.url))
    return 0
