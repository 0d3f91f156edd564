"""Ask for the PIN with the system's ``pinentry`` (GnuPG's PIN dialog), over the Assuan protocol.

The program (``pinentry`` on PATH, or ``$EIDLIB_PINENTRY``, or an explicit path) is started per
request with pipes on its stdin/stdout; eidlib sends ``SETTITLE``/``SETDESC``/``SETPROMPT``/
``SETERROR``/``SETTIMEOUT`` and ``GETPIN`` and reads the ``D`` line. The PIN only ever lives in
``bytearray`` buffers, which are wiped; it is never logged.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from eidlib.webeid.errors import PinEntryError, PinEntryTimeout, UserCancelled

#: Environment variable naming the pinentry program.
PINENTRY_ENV = "EIDLIB_PINENTRY"
#: libgpg-error codes in the low 16 bits of an ``ERR`` line.
_GPG_ERR_TIMEOUT = 62
_GPG_ERR_CANCELED = 99
_GPG_ERR_FULLY_CANCELED = 198
#: Assuan lines are at most 1000 bytes.
_MAX_LINE = 1000
#: Seconds allowed for everything but the user's typing (start-up, each command).
_PROTOCOL_TIMEOUT = 10.0


@dataclass(frozen=True)
class PinPrompt:
    """What the dialog shows. ``error`` is shown prominently (last-try warning)."""

    title: str
    description: str
    prompt: str = "PIN:"
    ok: str = "OK"
    error: str | None = None


def find_pinentry(program: str | None = None) -> str:
    """The pinentry to run: ``program``, else ``$EIDLIB_PINENTRY``, else ``pinentry`` on PATH."""
    name = program or os.environ.get(PINENTRY_ENV) or "pinentry"
    path = shutil.which(name)
    if path is None:
        raise PinEntryError(f"pinentry program {name!r} not found")
    return path


def get_pin(
    prompt: PinPrompt, *, program: str | None = None, timeout: float = 120.0, waiting: Callable[[], None] | None = None
) -> bytearray:
    """Show the dialog and return the PIN typed (the caller wipes it).

    ``waiting`` is called once the dialog is up and only the user's typing is awaited: work started
    then (in another thread) delays neither the dialog's set-up nor, unless it is slower than the
    typing, the answer.
    Raises :class:`UserCancelled` on Cancel, :class:`PinEntryTimeout` when ``timeout`` seconds pass,
    :class:`PinEntryError` when the program is missing or misbehaves.
    """
    session = _Session(find_pinentry(program))
    try:
        session.expect_ok(_PROTOCOL_TIMEOUT)  # the greeting
        session.configure(prompt, timeout)
        session.send("GETPIN")
        if waiting is not None:
            waiting()
        return session.read_data(timeout + _PROTOCOL_TIMEOUT)
    finally:
        session.close()


def confirm(prompt: PinPrompt, *, program: str | None = None, timeout: float = 120.0) -> None:
    """Ask the user to confirm (pinentry ``CONFIRM``); :class:`UserCancelled` unless they press OK."""
    session = _Session(find_pinentry(program))
    try:
        session.expect_ok(_PROTOCOL_TIMEOUT)
        session.configure(prompt, timeout)
        session.send("CONFIRM")
        session.expect_ok(timeout + _PROTOCOL_TIMEOUT)
    finally:
        session.close()


def escape(text: str) -> str:
    """Assuan percent-escaping of a command argument (``%``, CR, LF and other controls)."""
    return "".join(f"%{ord(c):02X}" if c == "%" or ord(c) < 0x20 else c for c in text)


class _Session:
    """One running pinentry process and its line buffer (wiped on close)."""

    def __init__(self, path: str) -> None:
        try:
            self._process = subprocess.Popen(
                [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError as exc:
            raise PinEntryError(f"cannot start pinentry: {exc.strerror}") from exc
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in = self._process.stdin
        self._out = self._process.stdout.fileno()
        self._buffer = bytearray()

    def configure(self, prompt: PinPrompt, timeout: float) -> None:
        for command, value in (
            ("SETTITLE", prompt.title),
            ("SETDESC", prompt.description),
            ("SETPROMPT", prompt.prompt),
            ("SETOK", prompt.ok),
            ("SETCANCEL", "Cancel"),
            ("SETERROR", prompt.error),
            ("SETTIMEOUT", str(max(1, int(timeout)))),
        ):
            if value is not None:
                self.send(f"{command} {value}")
                self.expect_ok(_PROTOCOL_TIMEOUT)

    def send(self, line: str) -> None:
        verb, _, argument = line.partition(" ")
        data = (verb + (" " + escape(argument) if argument else "")).encode("utf-8") + b"\n"
        if len(data) > _MAX_LINE:
            raise PinEntryError("pinentry text too long")
        try:
            self._in.write(data)
            self._in.flush()
        except OSError as exc:
            raise PinEntryError("pinentry closed its input") from exc

    def expect_ok(self, timeout: float) -> None:
        while True:
            line = self._line(timeout)
            try:
                if line.startswith(b"OK"):
                    return
                self._check_error(line)
            finally:
                _wipe(line)

    def read_data(self, timeout: float) -> bytearray:
        pin = bytearray()
        try:
            while True:
                line = self._line(timeout)
                try:
                    if line.startswith(b"D "):
                        _unescape_into(line, 2, pin)
                    elif line.startswith(b"OK"):
                        out, pin = pin, bytearray()
                        return out
                    elif line.startswith(b"INQUIRE"):
                        self.send("CAN")
                    else:
                        self._check_error(line)
                finally:
                    _wipe(line)
        finally:
            _wipe(pin)

    @staticmethod
    def _check_error(line: bytearray) -> None:
        if line.startswith((b"S", b"#")) or not line:
            return  # status and comment lines
        if line.startswith(b"ERR"):
            words = bytes(line[:40]).split()
            code = int(words[1]) & 0xFFFF if len(words) > 1 and words[1].isdigit() else -1
            if code in (_GPG_ERR_CANCELED, _GPG_ERR_FULLY_CANCELED):
                raise UserCancelled("PIN entry cancelled")
            if code == _GPG_ERR_TIMEOUT:
                raise PinEntryTimeout("no PIN entered in time")
            raise PinEntryError(f"pinentry failed (error {code})")
        raise PinEntryError("pinentry sent an unexpected line")

    def _line(self, timeout: float) -> bytearray:
        deadline = time.monotonic() + timeout
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = self._buffer[:end]
                _wipe(self._buffer, end + 1)
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > _MAX_LINE:
                raise PinEntryError("pinentry line too long")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PinEntryTimeout("pinentry did not answer in time")
            readable, _, _ = select.select([self._out], [], [], remaining)
            if not readable:
                continue
            chunk = bytearray(512)
            try:
                count = os.readv(self._out, [chunk])
                if count == 0:
                    raise PinEntryError("pinentry exited unexpectedly")
                self._buffer += chunk[:count]
            finally:
                _wipe(chunk)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._in.write(b"BYE\n")
            self._in.flush()
        with contextlib.suppress(OSError, ValueError):
            self._in.close()
        try:
            self._process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        _wipe(self._buffer)


def _unescape_into(line: bytearray, start: int, out: bytearray) -> None:
    index = start
    while index < len(line):
        byte = line[index]
        if byte == 0x25 and index + 2 < len(line):
            try:
                out.append(int(bytes(line[index + 1 : index + 3]), 16))
            except ValueError as exc:
                raise PinEntryError("bad escape in pinentry data") from exc
            index += 3
        else:
            out.append(byte)
            index += 1


def _wipe(buffer: bytearray, length: int | None = None) -> None:
    for index in range(len(buffer) if length is None else min(length, len(buffer))):
        buffer[index] = 0
