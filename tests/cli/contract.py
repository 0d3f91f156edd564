"""Helpers of the CLI tests: the JSON schema validator and the real ``eid`` entry point as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from eidlib.cli.output import SCHEMA_VERSION

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "eidlib" / "cli" / "schema" / "eid-output.schema.json"
#: The console script pip installed for this venv: what a user runs.
EID = Path(sys.executable).with_name("eid")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: Any) -> list[str]:
    """Why ``document`` breaks the schema (empty when it is valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]


def checked(text: str, command: str) -> dict[str, Any]:
    """The one JSON document in ``text``, checked against the schema and naming ``command``."""
    document = json.loads(text)
    assert schema_errors(document) == [], (schema_errors(document), text)
    assert document["schema_version"] == SCHEMA_VERSION and document["command"] == command
    return document  # type: ignore[no-any-return]


def error_of(text: str, command: str, error_type: str) -> dict[str, Any]:
    """The ``error`` object of a JSON error document of ``command``, of type ``error_type``."""
    error: dict[str, Any] = checked(text, command)["error"]
    assert error["type"] == error_type, error
    assert error["message"] and error["hint"], error
    return error


@dataclass(frozen=True)
class Run:
    """One finished ``eid`` process."""

    code: int
    out: str
    err: str

    def assert_clean(self) -> None:
        """No Python traceback and no internal error, whatever the outcome."""
        assert "Traceback" not in self.err + self.out, self.err
        assert "InternalError" not in self.err + self.out and "bug in eid" not in self.err, self.err


def eid(*argv: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """Run the installed ``eid`` command (English messages unless ``env`` says otherwise)."""
    environment = {**os.environ, "LANGUAGE": "", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", **(env or {})}
    done = subprocess.run([str(EID), *argv], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=environment, check=False)
    run = Run(done.returncode, done.stdout, done.stderr)
    run.assert_clean()
    return run
