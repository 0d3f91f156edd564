"""``eid``: entry point. Each command group lives in its own module with a ``register`` function."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from eidlib import __version__
from eidlib.errors import EidError

#: Modules that add subcommands; each defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "eidlib.cli.readers",
    "eidlib.cli.card_commands",
    "eidlib.cli.certs",
    "eidlib.cli.auth_commands",
    "eidlib.cli.pkcs11_commands",
    "eidlib.cli.emulate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eid", description="Belgian eID card tool")
    parser.add_argument("--version", action="version", version=f"eidlib {__version__}")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--reader", metavar="NAME", help="PC/SC reader to use (default: the first with a card)")
    source.add_argument("--virtual", choices=("1.7", "1.8"), help="use the built-in virtual card")
    source.add_argument(
        "--pkcs11", nargs="?", const="", metavar="MODULE",
        help="use a PKCS#11 module (default: found automatically)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v info, -vv APDU trace")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _bind_bare_pkcs11(argv: list[str], commands: set[str]) -> list[str]:
    """``--pkcs11 certs`` means "find the module", not "load a module named certs"."""
    out = list(argv)
    for i, word in enumerate(out[:-1]):
        if word == "--pkcs11" and out[i + 1] in commands:
            out[i] = "--pkcs11="
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    args = parser.parse_args(_bind_bare_pkcs11(words, set(subparsers.choices)))
    if args.verbose:
        from eidlib.apdu.trace import TRAFFIC

        logging.basicConfig(level=TRAFFIC if args.verbose > 1 else logging.INFO, format="%(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except EidError as exc:
        print(f"eid: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("eid: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``eid read | head``): not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
