"""``eid webeid-host``: the Web eID native messaging host, and its ``--install``/``--uninstall``/``--check``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.i18n import _
from eidlib.cli.output import emit

if TYPE_CHECKING:
    from eidlib.webeid.manifest import ManifestStatus

#: Environment variables a launcher or test may set instead of options.
READER_ENV = "EIDLIB_WEBEID_READER"
VIRTUAL_ENV = "EIDLIB_WEBEID_VIRTUAL"


def register(subparsers: Any) -> None:
    """Add the ``webeid-host`` command."""
    parser = subparsers.add_parser(
        "webeid-host",
        help="Web eID native messaging host (started by the browser), or install it",
        description="Without options: serve one Web eID request on stdin/stdout (the browser starts it). "
        "--install writes native messaging manifests for Chromium, Chrome and Firefox.",
    )
    parser.add_argument("caller", nargs="*", help=argparse.SUPPRESS)  # the browser passes the extension origin
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--install", action="store_true", help="install the native messaging manifests")
    action.add_argument("--uninstall", action="store_true", help="remove the manifests")
    action.add_argument("--check", action="store_true", help="show what is installed where")
    parser.add_argument("--browser", action="append", choices=("chromium", "chrome", "firefox"),
                        help="browser to (un)install for (repeatable; default: all three)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--user", dest="scope", action="store_const", const="user", help="for this user (default)")
    scope.add_argument("--system", dest="scope", action="store_const", const="system", help="for all users")
    parser.add_argument("--extension-id", action="append", default=[], metavar="ORIGIN",
                        help="also allow this extension (chrome-extension://ID/ or a Firefox add-on id)")
    parser.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    parser.add_argument("--pinentry", metavar="PROGRAM",
                        help="pinentry program (default: $EIDLIB_PINENTRY, else pinentry)")
    parser.add_argument("--host-reader", metavar="NAME", help=f"PC/SC reader (default: ${READER_ENV} or the first)")
    parser.add_argument("--host-virtual", choices=("1.7", "1.8"),
                        help=f"use the in-process virtual card (tests; also ${VIRTUAL_ENV})")
    parser.add_argument("--pin-timeout", type=float, default=120.0, help="seconds for PIN entry (default 120)")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="JSON output for --install/--uninstall/--check (serving always speaks native messaging)")
    parser.set_defaults(func=run, scope=None)


def run(args: argparse.Namespace) -> int:
    """Serve one request, or manage the manifests."""
    if args.install or args.uninstall or args.check:
        return _manage(args)
    from eidlib.webeid.card_access import CardSource
    from eidlib.webeid.host import HostOptions, run_host

    logging.basicConfig(level=logging.WARNING, format="eid webeid-host: %(message)s", stream=sys.stderr)
    virtual = args.host_virtual or args.virtual or os.environ.get(VIRTUAL_ENV) or None
    if virtual not in (None, "1.7", "1.8"):
        print(f"eid webeid-host: {VIRTUAL_ENV} must be 1.7 or 1.8", file=sys.stderr)
        return 2
    reader = args.host_reader or args.reader or os.environ.get(READER_ENV) or None
    options = HostOptions(
        source=CardSource(reader=reader, virtual=cast(Any, virtual)),
        pinentry=args.pinentry,
        pin_timeout=args.pin_timeout,
    )
    return run_host(options)


def _manage(args: argparse.Namespace) -> int:
    from eidlib.webeid import manifest

    browsers = tuple(args.browser or manifest.BROWSERS)
    if args.check:
        scopes: tuple[manifest.Scope, ...] = (args.scope,) if args.scope else ("user", "system")
        statuses = manifest.check(browsers, scopes, root=args.root)

        def human_check() -> None:
            for status in statuses:
                where = f"{status.location.browser:9} {status.location.scope:6} {status.location.path}"
                if not status.installed:
                    print(where + ": " + _("not installed"))
                elif status.problem:
                    print(where + ": " + _("BROKEN ({problem})").format(problem=status.problem))
                else:
                    print(where + ": " + _("installed, host {host}, allows {allowed}").format(
                        host=status.host_path, allowed=", ".join(status.allowed)))

        emit(args, {"action": "check", "manifests": [_status_json(s) for s in statuses]}, human_check)
        return ExitCode.INVALID if any(s.installed and s.problem for s in statuses) else ExitCode.OK
    scope: manifest.Scope = args.scope or "user"
    if args.install:
        written = manifest.install(browsers, scope, root=args.root, extra_origins=args.extension_id)
        emit(args, {"action": "install", "written": [str(p) for p in written]},
             lambda: print("\n".join(_("wrote {path}").format(path=p) for p in written)))
        return ExitCode.OK
    removed = manifest.uninstall(browsers, scope, root=args.root)

    def human_removed() -> None:
        print("\n".join(_("removed {path}").format(path=p) for p in removed) if removed else _("nothing to remove"))

    emit(args, {"action": "uninstall", "removed": [str(p) for p in removed]}, human_removed)
    return ExitCode.OK


def _status_json(status: ManifestStatus) -> dict[str, Any]:
    return {
        "browser": status.location.browser, "scope": status.location.scope, "path": str(status.location.path),
        "installed": status.installed, "host": status.host_path, "host_executable": status.host_executable,
        "allowed": list(status.allowed), "problem": status.problem,
    }
