"""Where the CLI's card comes from: ``--virtual``, ``--reader``, ``--pkcs11`` or the first BEID card.

``--wait [SECONDS]`` waits for a card to be inserted first. ``--virtual NAME`` is an applet
profile (``1.7``, ``1.8``) or a card persona of the catalogue (``1.1``, ``kids``, ``eu-citizen``,
...: :mod:`eidlib.cli.virtual_cards`, listed by ``eid emulate --list-cards``). ``--virtual-option``
puts the built-in virtual card in a state worth trying (a kids card, a blocked PIN, ...); see
:data:`VIRTUAL_OPTIONS`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eidlib.cli.errors import InputFileProblem, UsageError
from eidlib.cli.i18n import _
from eidlib.cli.output import note, wants_json
from eidlib.cli.virtual_cards import build_virtual_card, card_name, default_holder

if TYPE_CHECKING:
    from eidlib.emulator.persona import Persona

#: ``--wait`` without a number waits this long (seconds).
DEFAULT_WAIT = 60.0

#: ``--virtual-option`` names: what each does to the virtual card.
VIRTUAL_OPTIONS = {
    "kids": "a kids card (no signature key)",
    "not-activated": "a card not activated yet",
    "tries=N": "N PIN tries left (0: blocked)",
    "expired": "a card whose validity ended",
    "not-beid": "a card without the BELPIC applet",
    "persona=FILE": "the holder from a persona JSON file",
}


def add_wait_option(parser: argparse.ArgumentParser, *, default: Any = None) -> None:
    """``--wait [SECONDS]`` (on the main parser, and on each command that needs a card)."""
    parser.add_argument(
        "--wait", nargs="?", type=float, const=DEFAULT_WAIT, default=default, metavar="SECONDS",
        help=f"wait for a card to be inserted (default {DEFAULT_WAIT:g} s when no number is given)",
    )


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The global options naming the card: ``--reader``, ``--virtual``, ``--pkcs11``, ``--wait``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--reader", metavar="NAME", help="PC/SC reader to use (default: the first with a card)")
    source.add_argument(
        "--virtual", type=card_name, metavar="NAME",
        help="use the built-in virtual card: 1.7, 1.8 or a card persona (eid emulate --list-cards)",
    )
    source.add_argument(
        "--pkcs11", nargs="?", const="", metavar="MODULE",
        help="use a PKCS#11 module (default: found automatically)",
    )
    parser.add_argument(
        "--virtual-option", action="append", default=[], metavar="OPTION",
        help="with --virtual: " + "; ".join(f"{k}: {v}" for k, v in VIRTUAL_OPTIONS.items()),
    )
    add_wait_option(parser)


def load_persona(path: str) -> Persona:
    """The persona in ``path``; an unreadable file is a :class:`FileProblem`, not a "field" error."""
    from eidlib.emulator.persona import Persona, PersonaError

    try:
        return Persona.from_json(path)
    except PersonaError as exc:
        if exc.field == "<file>":
            reason = exc.reason if os.path.exists(path) else _("no such persona file")
            raise InputFileProblem(path, reason) from None
        raise


def _virtual_transport(name: str, options: list[str]) -> Any:
    from eidlib.emulator import VirtualTransport

    flags: dict[str, str] = {}
    for option in options:
        key, _sep, value = option.partition("=")
        if f"{key}=N" not in VIRTUAL_OPTIONS and f"{key}=FILE" not in VIRTUAL_OPTIONS and key not in VIRTUAL_OPTIONS:
            raise UsageError(f"unknown --virtual-option {key!r}; known: {', '.join(VIRTUAL_OPTIONS)}")
        flags[key] = value
    persona = load_persona(flags["persona"]) if "persona" in flags else None
    if "expired" in flags:
        today = dt.date.today()
        persona = (persona or default_holder(name)).replace(
            validity_begin=today.replace(year=today.year - 10) - dt.timedelta(days=30),
            validity_end=today - dt.timedelta(days=30),
        )
    card = build_virtual_card(name, holder=persona, kids="kids" in flags, activated="not-activated" not in flags)
    if "tries" in flags:
        try:
            tries = int(flags["tries"])
        except ValueError:
            raise UsageError("--virtual-option tries=N needs a number from 0 to 3") from None
        if not 0 <= tries <= card.security.max_tries:
            raise UsageError("--virtual-option tries=N needs a number from 0 to 3")
        card.security.tries_left = tries
    if "not-beid" in flags:
        from eidlib.belpic.ins import Ins

        card.faults.answer_sw(Ins.SELECT, 0x6A82, times=None)  # the applet is not there
    return VirtualTransport(card)


@contextmanager
def c_stderr_captured() -> Iterator[None]:
    """Keep what C code prints while a PKCS#11 module loads (PyKCS11's ``src/dyn_unix.c:34: ...``,
    written with C stdio to file descriptor 1) off the terminal; eidlib's own error says what went wrong.

    The text is logged at debug level (``eid -v``) instead.
    """
    import ctypes

    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with tempfile.TemporaryFile() as sink:
        for fd in saved:
            os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            libc.fflush(None)  # C stdio buffers a pipe: empty them into the sink, not later onto stdout
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace").strip()
            if text:
                logging.getLogger("eidlib.cli").debug("native output: %s", text)


def _wait_for_card(args: argparse.Namespace) -> None:
    from eidlib.apdu.pcsc import wait_for_card

    if not wants_json(args):
        note(_("Waiting for a card (up to {seconds:g} s)...").format(seconds=args.wait))
    wait_for_card(getattr(args, "reader", None), args.wait)


@contextmanager
def open_source(args: argparse.Namespace) -> Iterator[Any]:
    """Open the token the global options name; closed when the block ends.

    ``--pkcs11 [MODULE]`` opens a PKCS#11 token (the module found automatically when
    no path is given); otherwise a direct card session on ``--virtual`` or
    ``--reader``, or on the first reader holding a Belgian eID card.
    """
    pkcs11 = getattr(args, "pkcs11", None)
    virtual = getattr(args, "virtual", None)
    options = getattr(args, "virtual_option", None) or []
    if options and virtual is None:
        raise UsageError("--virtual-option needs --virtual")
    if getattr(args, "wait", None) is not None and virtual is None:
        _wait_for_card(args)
    if pkcs11 is not None:
        from eidlib.pkcs11 import open_token

        with c_stderr_captured():
            token = open_token(pkcs11 or None)
        with token:
            yield token
        return
    from eidlib.opener import open_card

    if virtual is not None:
        with open_card(transport=_virtual_transport(virtual, options)) as card:
            yield card
        return
    with open_card(getattr(args, "reader", None)) as card:
        yield card


def is_real_reader(args: argparse.Namespace) -> bool:
    """True when the card sits in a PC/SC reader (slow reads deserve a progress indication)."""
    return getattr(args, "virtual", None) is None and getattr(args, "pkcs11", None) is None
