"""The installed ``eid`` command as a subprocess, on the in-process virtual card, for each card state.

Each run asserts the message, the exit status, a schema-valid JSON document and no traceback
(``tests.cli.contract.eid`` checks the last on every run).
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import threading
from pathlib import Path

import pytest

from tests.cli.contract import EID, checked, eid, error_of, schema_errors

V18 = ("--virtual", "1.8")


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "contract.txt"
    path.write_bytes(b"I agree.\n")
    return path


def test_happy_path_json_and_text() -> None:
    run = eid(*V18, "--json", "read", "--photo")
    assert run.code == 0 and run.err == ""  # nothing on stderr with --json on a pipe: no progress, no notes
    data = checked(run.out, "read")
    assert data["integrity"]["valid"] is True and len(data["photo"]) > 1000
    run = eid(*V18, "info")
    assert run.code == 0 and "Applet version : 1.8 (EC)" in run.out


@pytest.mark.parametrize(
    ("option", "argv", "stdin", "exit_code", "error_type", "words"),
    [
        ("tries=0", ["sign", "--pin-stdin", "{doc}"], "1234\n", 5, "PinBlocked", "The PIN is blocked."),
        ("tries=1", ["sign", "--pin-stdin", "{doc}"], "1234\n", 5, "LastTryRefused", "one PIN try is left"),
        ("not-activated", ["sign", "--pin-stdin", "{doc}"], "1234\n", 6, "CardNotActivated",
         "not activated"),
        ("kids", ["sign", "--pin-stdin", "{doc}"], "1234\n", 6, "KeyNotPresent", "no signature key"),
        ("not-beid", ["read"], "", 6, "NotABeidCard", "not a Belgian eID card"),
        ("tries=0", ["pin", "test", "--pin-stdin"], "1234\n", 5, "PinBlocked", "The PIN is blocked."),
    ],
)
def test_each_card_state_through_the_entry_point(document: Path, option: str, argv: list[str], stdin: str,
                                                 exit_code: int, error_type: str, words: str) -> None:
    words_argv = [w.format(doc=document) for w in argv]
    run = eid(*V18, "--virtual-option", option, *words_argv, stdin=stdin)
    assert run.code == exit_code and words in run.err and "hint: " in run.err, run.err
    assert "Enter the PIN" not in run.err  # never a prompt in these states
    run = eid(*V18, "--virtual-option", option, "--json", *words_argv, stdin=stdin)
    assert run.code == exit_code
    error = error_of(run.out, argv[0] if argv[0] != "pin" else "pin test", error_type)
    assert words.lower() in error["message"].lower()


def test_last_try_goes_on_when_allowed(document: Path) -> None:
    run = eid(*V18, "--virtual-option", "tries=1", "--json", "sign", "--pin-stdin", "--allow-last-try",
              str(document), stdin="1234\n")
    assert run.code == 0 and "Warning: only one PIN try is left" in run.err
    assert len(bytes.fromhex(checked(run.out, "sign")["signature"])) == 96


@pytest.mark.parametrize(
    ("options", "code", "exit_code"),
    [(["tries=0"], "pin_blocked", 5), (["tries=1"], "pin_last_try", 0), (["not-activated"], "not_activated", 6),
     (["kids"], "no_signature_key", 0), (["expired"], "card_expired", 6), (["not-beid"], "not_beid", 6)],
)
def test_diagnose_states_through_the_entry_point(options: list[str], code: str, exit_code: int) -> None:
    argv = [w for o in options for w in ("--virtual-option", o)]
    run = eid(*V18, *argv, "--json", "diagnose")
    assert run.code == exit_code
    assert checked(run.out, "diagnose")["findings"][0]["code"] == code


def test_file_errors_cost_no_signature(tmp_path: Path, document: Path) -> None:
    for argv in (["sign", "-o", str(tmp_path / "missing" / "x.sig"), str(document)],
                 ["sign-cms", "-o", str(tmp_path / "missing" / "x.p7s"), str(document)],
                 ["photo", "-o", str(tmp_path)]):
        run = eid(*V18, *argv, "--pin-stdin", stdin="1234\n") if argv[0] != "photo" else eid(*V18, *argv)
        assert run.code == 7 and "nothing was written or signed" in run.err
        assert "Enter the PIN" not in run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.txt"]


def test_languages_from_the_locale() -> None:
    run = eid(*V18, "--virtual-option", "tries=0", "pin", "test", env={"LANG": "nl_BE.UTF-8", "LC_ALL": ""})
    assert run.code == 5 and "De pincode is geblokkeerd." in run.err and "tip: " in run.err
    run = eid(*V18, "pin", "status", env={"LANGUAGE": "fr", "LC_ALL": "fr_BE.UTF-8"})
    assert run.out.strip() == "Code PIN : 3 essais restants"
    run = eid(*V18, "pin", "status", env={"LC_ALL": "de_DE.UTF-8"})
    assert run.out.strip() == "PIN: noch 3 Versuche"


def test_usage_and_missing_persona() -> None:
    run = eid()
    assert run.code == 2 and "usage: eid" in run.err
    run = eid(*V18, "--virtual-option", "persona=/no/such/persona.json", "read")
    assert run.code == 7 and "/no/such/persona.json: no such persona file" in run.err
    assert "persona field" not in run.err
    run = eid("emulate", "--persona", "/no/such/persona.json")
    assert run.code == 7 and "no such persona file" in run.err


def test_progress_on_a_terminal_only() -> None:
    """On a pipe stderr stays empty (checked above); on a terminal the progress display runs and ends."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANGUAGE": "", "COLUMNS": "80", "TERM": "xterm"}
    chunks: list[bytes] = []

    def drain() -> None:  # a pty nobody reads fills up and blocks the writer
        try:
            while chunk := os.read(primary, 65536):
                chunks.append(chunk)
        except OSError:  # the terminal closed with the process
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with subprocess.Popen([str(EID), *V18, "read"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=secondary, env=env) as proc:
        out, _ = proc.communicate(timeout=60)
    os.close(secondary)
    reader.join(10)
    os.close(primary)
    assert proc.returncode == 0 and b"Specimen" in out
    assert b"Traceback" not in b"".join(chunks)


def test_pkcs11_module_loader_noise_stays_off_the_terminal(tmp_path: Path) -> None:
    not_a_module = tmp_path / "not-a-module.so"
    not_a_module.write_bytes(b"not an ELF file")
    for module in (str(tmp_path / "missing.so"), str(not_a_module)):
        run = eid("--pkcs11", module, "pin", "status")
        assert run.code == 1 and "dyn_unix" not in run.out + run.err, run.out + run.err
        assert run.err.startswith("eid: ") and "hint: " in run.err


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_emulate_says_when_nothing_listens_and_stops_cleanly() -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANGUAGE": ""}
    for json_flag in ([], ["--json"]):
        port = _free_port()  # closed again: nothing listens there
        with subprocess.Popen([str(EID), *json_flag, "emulate", "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) as proc:
            stream = proc.stdout if json_flag else proc.stderr
            assert stream is not None
            line = stream.readline()
            proc.terminate()
            out, err = proc.communicate(timeout=30)
        if json_flag:
            waiting, stopped = json.loads(line), json.loads(out)
            assert schema_errors(waiting) == [] and schema_errors(stopped) == []
            assert waiting["state"] == "waiting" and stopped["state"] == "stopped" and waiting["port"] == port
        else:
            assert f"nothing answers at vpcd 127.0.0.1:{port}" in line and "Still trying" in line
            assert "card removed" in err and "Traceback" not in err
        assert proc.returncode == 0
