"""The JSON contract itself: the schema, the error documents, the error catalogue and the exit statuses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from eidlib.cli import errors as cli_errors
from eidlib.cli.errors import CATALOGUE, describe, entry_for
from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.main import main
from eidlib.cli.output import SCHEMA_VERSION
from eidlib.errors import EidError, NoCardError, PcscUnavailableError
from eidlib.token.errors import KeyNotPresent, NotABeidCard, PinBlocked, WrongPin
from tests.cli.contract import SCHEMA_PATH, checked, error_of, schema_errors


def test_the_schema_carries_the_version_the_cli_writes() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["x-schema-version"] == SCHEMA_VERSION
    assert schema_errors({"schema_version": SCHEMA_VERSION, "command": "pin status",
                          "pin_tries_left": 2, "blocked": False}) == []


@pytest.mark.parametrize(
    "document",
    [
        {"command": "pin status", "pin_tries_left": 2, "blocked": False},  # no version
        {"schema_version": "1.0", "command": "pin status", "pin_tries_left": 2},  # a field missing
        {"schema_version": "1.0", "command": "pin status", "pin_tries_left": 9, "blocked": False},  # 9 tries
        {"schema_version": "1.0", "command": "pin status", "pin_tries_left": 2, "blocked": False, "x": 1},
        {"schema_version": "1.0", "command": "readers", "readers": [{"reader": "r", "card_present": True}]},
        {"schema_version": "1.0", "command": "info", "error": {"type": "X", "message": "m"}},  # no hint key
        {"schema_version": "1.0", "command": "sign", "error": {"type": "X", "message": "m", "hint": None},
         "key": "signature"},  # an error document carries nothing else
        {"schema_version": "2.0", "command": "pin change", "changed": True},
        {"schema_version": "1.0", "command": "nonsense"},
    ],
)
def test_the_schema_refuses_documents_outside_the_contract(document: dict[str, object]) -> None:
    assert schema_errors(document)


def test_every_catalogue_entry_has_a_hint_or_the_errors_own_text() -> None:
    for name, entry in CATALOGUE.items():
        assert entry.exit_code in ExitCode, name
        assert entry.hint is None or entry.hint.endswith("."), name


def test_describe_fills_the_templates_and_keeps_the_status_word() -> None:
    report = describe(KeyNotPresent("signature", sw=0x6A88))
    assert report.message == "This card has no signature key." and report.status_word == "6A88"
    assert report.exit_code == ExitCode.CARD and "adult" in (report.hint or "")
    assert describe(WrongPin(2)).message == "Wrong PIN: 2 tries left."
    assert describe(WrongPin(None)).message == "Wrong PIN."
    assert describe(PinBlocked()).exit_code == ExitCode.PIN
    assert describe(NotABeidCard("x", sw=0x6A82)).to_dict()["status_word"] == "6A82"
    assert describe(PcscUnavailableError("SCardEstablishContext: SCARD_E_NO_SERVICE")).message == (
        "The smart-card service (pcscd) is not running.")


def test_an_unlisted_error_takes_its_base_class_entry_with_its_own_text() -> None:
    class VeryParticular(NoCardError):
        pass

    assert entry_for(VeryParticular("x")) is CATALOGUE["NoCardError"]
    report = describe(VeryParticular("the particular reader is gone"))
    assert report.message == "the particular reader is gone" and report.type == "VeryParticular"
    assert describe(EidError("plain")).exit_code == ExitCode.ERROR


def test_usage_errors_are_json_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--virtual", "1.8", "sign", "--bogus"]) == ExitCode.USAGE
    out, err = capsys.readouterr()
    error_of(out, "sign", "UsageError")
    assert err == ""
    assert main(["--json", "nonsense"]) == ExitCode.USAGE
    assert checked(capsys.readouterr().out, "eid")["error"]["type"] == "UsageError"
    assert main([]) == ExitCode.USAGE and "usage: eid" in capsys.readouterr().err


def test_a_bug_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("something unexpected")

    monkeypatch.setattr("eidlib.cli.card_commands.run_info", broken)
    assert main(["--virtual", "1.8", "info"]) == ExitCode.ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RuntimeError: something unexpected" in err and "report it" in err
    assert main(["--json", "--virtual", "1.8", "info"]) == ExitCode.ERROR
    error_of(capsys.readouterr().out, "info", "InternalError")


def test_every_command_takes_json_before_and_after(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``--json`` is accepted everywhere and gives a schema-valid document (here: each command's error)."""
    import argparse

    from eidlib.cli.main import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        assert any("--json" in a.option_strings for a in sub._actions), name
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--virtual", "1.8", "sign", "--json", "/no/such/file"]) == ExitCode.FILE
    error_of(capsys.readouterr().out, "sign", "InputFileProblem")


def test_exit_statuses_are_documented() -> None:
    from tests.cli.test_docs import DOCS

    text = (DOCS / "cli-json.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} | {code.name} |" in text, code
    assert f"**Schema version {SCHEMA_VERSION}.**" in text
    assert cli_errors.KEY_LABELS.keys() == {"authentication", "signature"}


def test_the_remaining_commands_json_is_schema_valid(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sign-cms, authenticate and pin change (the other commands are checked where they are tested)."""
    from eidlib.auth.nonce import generate_nonce

    document = tmp_path / "doc.txt"
    document.write_bytes(b"sign me")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["--json", "--virtual", "1.7", "sign-cms", "--pin-stdin", str(document)]) == 0
    result = checked(capsys.readouterr().out, "sign-cms")
    assert result["output"] == str(document) + ".p7s" and result["key"] == "signature"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["--json", "--virtual", "1.8", "authenticate", "--origin", "https://portal.example",
                 "--challenge", generate_nonce(), "--pin-stdin"]) == 0
    assert checked(capsys.readouterr().out, "authenticate")["token"]["format"] == "web-eid:1.0"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n4321\n"))
    assert main(["--json", "--virtual", "1.8", "pin", "change", "--pin-stdin"]) == 0
    assert checked(capsys.readouterr().out, "pin change")["changed"] is True
