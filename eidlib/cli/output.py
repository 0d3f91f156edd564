"""How ``eid`` writes its results: one JSON document (``--json``) or text for people.

Every JSON document is an object with ``schema_version`` and ``command``, then the command's
fields, or ``error`` (``{"type", "message", "hint"}``) when it failed; ``eid watch --json``
writes one such object per line. The contract is ``eidlib/cli/schema/eid-output.schema.json``
(see ``docs/cli-json.md``). Keys are the library's ``to_dict()`` names; hex is upper case; an
absent value is ``null``. Text goes to stdout; notes, prompts and progress go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from eidlib.cli.errors import ErrorReport
from eidlib.cli.i18n import _

#: Version of the JSON contract: the minor number grows when fields are added, the major when
#: a field changes meaning or disappears.
SCHEMA_VERSION = "1.1"


def wants_json(args: argparse.Namespace) -> bool:
    """Whether the user asked for JSON (``eid --json CMD`` or ``eid CMD --json``)."""
    return bool(getattr(args, "json", False))


def document(command: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object for ``payload``: version and command first."""
    return {"schema_version": SCHEMA_VERSION, "command": command, **payload}


def print_json(command: str, payload: Mapping[str, Any]) -> None:
    """Write one JSON document to stdout."""
    print(json.dumps(document(command, payload), ensure_ascii=False, indent=2))


def print_json_line(command: str, payload: Mapping[str, Any]) -> None:
    """Write one JSON object on one line (a stream of events) and flush it."""
    print(json.dumps(document(command, payload), ensure_ascii=False, separators=(",", ":")), flush=True)


def emit(args: argparse.Namespace, payload: Mapping[str, Any], human: Callable[[], None]) -> None:
    """JSON with ``--json``, else ``human()`` prints the text."""
    if wants_json(args):
        print_json(command_name(args), payload)
    else:
        human()


def note(text: str) -> None:
    """A remark for the person at the terminal (stderr; never mixed into the results)."""
    print(text, file=sys.stderr, flush=True)


def command_name(args: argparse.Namespace) -> str:
    """``pin test``, ``sign-cms``, ...: the command as the user typed it."""
    name = str(getattr(args, "command", None) or "eid")
    action = getattr(args, "action", None)
    return f"{name} {action}" if name == "pin" and action else name


def print_error(args: argparse.Namespace, report: ErrorReport) -> None:
    """The error as JSON on stdout (``--json``) or as two lines on stderr."""
    if wants_json(args):
        print_json(command_name(args), {"error": report.to_dict()})
        return
    print(f"eid: {report.message}", file=sys.stderr)
    if report.hint:
        print(_("hint: {hint}").format(hint=report.hint), file=sys.stderr)
