"""Drive ``eid webeid-host`` over stdio exactly as the browser extension does.

One process per request: start it with the extension origin as argument, read the version message,
write one framed command, read one framed reply, and see the process exit.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EID = str(Path(sys.executable).parent / "eid")
FAKE_PINENTRY = str(Path(__file__).with_name("fake_pinentry.py"))
EXTENSION_ORIGIN = "chrome-extension://eidlibtestextensionaaaaaaaaaaaa/"
#: Generous bounds so a broken host fails the test instead of hanging it.
IO_TIMEOUT = 60.0


@dataclass
class Exchange:
    """What one connection produced."""

    version: dict[str, Any]
    reply: dict[str, Any] | None
    returncode: int
    stderr: str


def frame(message: object) -> bytes:
    """The native messaging framing of a JSON value."""
    body = json.dumps(message).encode("utf-8")
    return struct.pack("=I", len(body)) + body


def unframe(data: bytes) -> list[dict[str, Any]]:
    """Split host output into its framed messages (asserting the framing is exact)."""
    messages = []
    while data:
        assert len(data) >= 4, f"truncated frame: {data!r}"
        (length,) = struct.unpack("=I", data[:4])
        body, data = data[4 : 4 + length], data[4 + length :]
        assert len(body) == length, "frame shorter than its length"
        messages.append(json.loads(body))
    return messages


def host_env(pinentry_action: str = "pin", pin: str = "1234", log: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a host that asks the scripted pinentry."""
    env = dict(os.environ)
    env.update({"EIDLIB_PINENTRY": FAKE_PINENTRY, "FAKE_PINENTRY_ACTION": pinentry_action, "FAKE_PINENTRY_PIN": pin})
    if log is not None:
        env["FAKE_PINENTRY_LOG"] = str(log)
    env.update(extra)
    return env


def run_raw(stdin: bytes, *, args: list[str], env: dict[str, str]) -> tuple[list[dict[str, Any]], int, str]:
    """Feed raw bytes to a host and collect its framed output, exit status and log."""
    done = subprocess.run(
        [EID, "webeid-host", *args, EXTENSION_ORIGIN], input=stdin, capture_output=True, env=env,
        timeout=IO_TIMEOUT, check=False,
    )
    return unframe(done.stdout), done.returncode, done.stderr.decode("utf-8", "replace")


def request(command: str, arguments: dict[str, Any], *, args: list[str], env: dict[str, str]) -> Exchange:
    """One command round trip."""
    messages, code, stderr = run_raw(frame({"command": command, "arguments": arguments}), args=args, env=env)
    assert messages, f"no output; stderr: {stderr}"
    assert len(messages) <= 2, messages
    return Exchange(messages[0], messages[1] if len(messages) > 1 else None, code, stderr)


def pinentry_log(path: Path) -> list[dict[str, str]]:
    """The commands the scripted pinentry received."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
