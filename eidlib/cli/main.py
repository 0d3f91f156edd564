"""``eid``: entry point. Each command group lives in its own module with a ``register`` function.

Every failure ends as a message and a hint (JSON ``error`` with ``--json``) and a documented
exit status (:class:`eidlib.cli.exitcodes.ExitCode`), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from eidlib import __version__
from eidlib.cli.errors import ErrorReport, UsageError, describe
from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.i18n import _
from eidlib.cli.output import print_error
from eidlib.cli.source import add_source_options
from eidlib.errors import EidError

#: Modules that add subcommands; each defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "eidlib.cli.readers",
    "eidlib.cli.card_commands",
    "eidlib.cli.diagnose",
    "eidlib.cli.watch",
    "eidlib.cli.certs",
    "eidlib.cli.auth_commands",
    "eidlib.cli.login_command",
    "eidlib.cli.pkcs11_commands",
    "eidlib.cli.emulate",
    "eidlib.cli.record",
    "eidlib.cli.webeid_commands",
    "eidlib.cli.pdf_commands",
)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (so ``--json`` gets them as JSON).

    Abbreviated options are refused: ``--pin 1234`` must not pass for ``--pin-stdin`` and a file "1234".
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} ({self.prog})")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="eid", description="Belgian eID card tool")
    parser.add_argument("--version", action="version", version=f"eidlib {__version__}")
    add_source_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output (docs/cli-json.md)")
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


def _early_args(words: list[str], commands: set[str]) -> argparse.Namespace:
    """What is needed to report an error when the command line itself does not parse."""
    return argparse.Namespace(json="--json" in words, command=next((w for w in words if w in commands), None))


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = _early_args(words, set())
    try:
        parser = build_parser()
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands = set(subparsers.choices)
        args = _early_args(words, commands)
        args = parser.parse_args(_bind_bare_pkcs11(words, commands))
        if args.verbose:
            from eidlib.apdu.trace import TRAFFIC

            logging.basicConfig(level=TRAFFIC if args.verbose > 1 else logging.DEBUG, format="%(message)s")
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return ExitCode.USAGE
        return int(args.func(args) or 0)
    except EidError as exc:
        report = describe(exc)
        print_error(args, report)
        return report.exit_code
    except KeyboardInterrupt:
        print("eid: " + _("interrupted"), file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (``eid read | head``): not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE
    except Exception as exc:  # a bug: say so in one line; the traceback only with -v
        if getattr(args, "verbose", 0):
            logging.getLogger("eidlib.cli").exception("internal error")
        print_error(args, ErrorReport(
            type="InternalError", message=f"{type(exc).__name__}: {exc}",
            hint=_("This is a bug in eid: please report it with the output of 'eid -v ...'."),
            exit_code=ExitCode.ERROR,
        ))
        return ExitCode.ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
