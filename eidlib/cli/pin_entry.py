"""The one PIN-entry rule of ``eid`` (``sign``, ``sign-cms``, ``authenticate``, ``pin test|change``).

* A blocked PIN is never asked for: the command stops with :class:`PinBlocked` first.
* At the last try the user is warned and must confirm (interactively, or ``--allow-last-try``).
* A PIN pad (or a PKCS#11 module's own PIN dialog) is used whenever there is one; the PIN then
  never passes through this process. ``--pin-stdin`` reads the PIN from standard input instead.
* One prompt, naming the key and the tries left. PINs never come from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from eidlib.cli.errors import KEY_LABELS, LastTryRefused
from eidlib.cli.i18n import _, ngettext
from eidlib.cli.output import note
from eidlib.token.errors import PinBlocked, PinFormatError
from eidlib.token.protocol import PinEntry, Token


def add_pin_options(parser: argparse.ArgumentParser) -> None:
    """``--pin-stdin`` and ``--allow-last-try`` on a command that asks for the PIN."""
    parser.add_argument("--pin-stdin", action="store_true",
                        help="read the PIN from standard input (one line per PIN) instead of a prompt")
    parser.add_argument("--allow-last-try", action="store_true",
                        help="go on without asking when only one PIN try is left (a wrong PIN then blocks the card)")


def tries_text(tries: int | None) -> str:
    """``2 tries left`` in the user's language (``tries left unknown`` when the token does not say)."""
    if tries is None:
        return _("tries left unknown")
    return ngettext("{n} try left", "{n} tries left", tries).format(n=tries)


def has_pinpad(token: Token) -> bool:
    """Whether the PIN is entered outside this process (PIN-pad reader, PKCS#11 protected path)."""
    return token.pin_entry is PinEntry.PINPAD


def check_tries(args: argparse.Namespace, tries: int | None) -> None:
    """Refuse a blocked PIN; at the last try warn and get a confirmation."""
    if tries == 0:
        raise PinBlocked()
    if tries != 1:
        return
    note(_("Warning: only one PIN try is left. A wrong PIN now blocks the card."))
    if getattr(args, "allow_last_try", False):
        return
    if getattr(args, "pin_stdin", False) or not sys.stdin.isatty():
        raise LastTryRefused("only one PIN try is left and there is no terminal to confirm")
    print(_("Type 'yes' to go on: "), end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("yes", _("yes")):
        raise LastTryRefused("not confirmed")


def read_pin(args: argparse.Namespace, prompt: str) -> str:
    """One PIN from stdin (``--pin-stdin``) or from a no-echo prompt."""
    if getattr(args, "pin_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise PinFormatError("no PIN on standard input")
        return line.rstrip("\r\n")
    return getpass.getpass(prompt)


def obtain_pin(args: argparse.Namespace, token: Any, key: str | None) -> str | None:
    """The PIN for ``key`` (``None`` for the PIN itself), or ``None`` when a PIN pad will ask."""
    tries: int | None = token.pin_tries_left()
    check_tries(args, tries)
    what = _("the PIN") if key is None else _("the PIN for the {key} key").format(key=_(KEY_LABELS[key]))
    if not getattr(args, "pin_stdin", False) and has_pinpad(token):
        note(_("Enter {what} on the reader ({tries}).").format(what=what, tries=tries_text(tries)))
        return None
    return read_pin(args, _("Enter {what} ({tries}): ").format(what=what, tries=tries_text(tries)))
