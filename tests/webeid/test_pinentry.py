"""The Assuan pinentry client against GnuPG's real ``pinentry-tty`` (on a pseudo-terminal) and the fake."""

from __future__ import annotations

import os
import pty
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.webeid import pinentry
from eidlib.webeid.errors import PinEntryError, UserCancelled
from tests.webeid.driver import FAKE_PINENTRY

PINENTRY_TTY = "/usr/bin/pinentry-tty"
PROMPT = pinentry.PinPrompt(title="eID PIN (authentication)", description="https://portal.example.be asks\nKey: x",
                            error="Last try: a wrong PIN now blocks the card.")


class Terminal:
    """A pseudo-terminal a person would type into; ``answer`` is typed once ``PIN:`` appears."""

    def __init__(self, tmp_path: Path, answer: bytes) -> None:
        self.master, self.slave = pty.openpty()
        self.program = tmp_path / "pinentry-on-tty"
        self.program.write_text(f"#!/bin/sh\nexec {PINENTRY_TTY} --ttyname {os.ttyname(self.slave)} --ttytype dumb\n")
        self.program.chmod(0o755)
        self.screen = bytearray()
        self._answer = answer
        self._thread = threading.Thread(target=self._type, daemon=True)
        self._thread.start()

    def _type(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b"PIN:" not in self.screen:
            self.screen += os.read(self.master, 1024)
        os.write(self.master, self._answer)

    def close(self) -> None:
        self._thread.join(5)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Terminal]:
    term = Terminal(tmp_path, request.param)
    yield term
    term.close()


@pytest.mark.parametrize("terminal", [b"1234\r"], indirect=True)
def test_real_pinentry_tty_shows_the_prompt_and_returns_the_pin(terminal: Terminal) -> None:
    pin = pinentry.get_pin(PROMPT, program=str(terminal.program), timeout=30)
    assert pin == bytearray(b"1234") and isinstance(pin, bytearray)
    screen = terminal.screen.decode("utf-8", "replace")
    assert "https://portal.example.be asks" in screen and "Last try" in screen


@pytest.mark.parametrize("terminal", [b"\x04"], indirect=True)
def test_real_pinentry_tty_end_of_input_is_a_cancel(terminal: Terminal) -> None:
    with pytest.raises(UserCancelled):
        pinentry.get_pin(PROMPT, program=str(terminal.program), timeout=30)


def test_confirm_with_the_scripted_pinentry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PINENTRY_ACTION", "pin")
    pinentry.confirm(PROMPT, program=FAKE_PINENTRY)
    monkeypatch.setenv("FAKE_PINENTRY_ACTION", "cancel")
    with pytest.raises(UserCancelled):
        pinentry.confirm(PROMPT, program=FAKE_PINENTRY)


def test_program_from_the_environment_or_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pinentry.PINENTRY_ENV, FAKE_PINENTRY)
    assert pinentry.find_pinentry() == FAKE_PINENTRY
    assert pinentry.find_pinentry(PINENTRY_TTY) == PINENTRY_TTY
    monkeypatch.delenv(pinentry.PINENTRY_ENV)
    assert pinentry.find_pinentry().endswith("pinentry")
    with pytest.raises(PinEntryError):
        pinentry.find_pinentry("/nonexistent/pinentry")


def test_a_program_that_is_not_a_pinentry_is_an_error(tmp_path: Path) -> None:
    program = tmp_path / "silent"
    program.write_text("#!/bin/sh\necho hello\n")
    program.chmod(0o755)
    with pytest.raises(PinEntryError):
        pinentry.get_pin(PROMPT, program=str(program), timeout=5)


def _unescape(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text[index] == "%":
            out.append(chr(int(text[index + 1 : index + 3], 16)))
            index += 3
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


@given(st.text())
def test_escape_keeps_one_line_and_round_trips(text: str) -> None:
    escaped = pinentry.escape(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert _unescape(escaped) == text
