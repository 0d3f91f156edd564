"""Record an APDU exchange to JSON (PIN blocks redacted) and replay it as a transport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eidlib.apdu.errors import ProtocolError
from eidlib.apdu.trace import carries_pin, redact_command
from eidlib.apdu.transport import BaseTransport, ForwardingTransport, Transport

FORMAT = "eidlib-apdu-trace/1"


class RecordingTransport(ForwardingTransport):
    """Wraps a transport and remembers every exchange; :meth:`save` writes them as JSON."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner)
        self.exchanges: list[tuple[bytes, bytes]] = []

    def transmit(self, raw: bytes) -> bytes:
        answer = self.inner.transmit(raw)
        # Redact before storing: a PIN block never reaches memory we keep or a file.
        self.exchanges.append((redact_command(raw), bytes(answer)))
        return answer

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "atr": self.atr.hex(),
            "exchanges": [{"command": c.hex(), "response": r.hex()} for c, r in self.exchanges],
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


class ReplayTransport(BaseTransport):
    """Plays back a recorded exchange; a command that differs from the recording raises.

    PIN-carrying commands are compared on their header and length only, since
    the recording holds them redacted. A malformed recording raises :class:`ProtocolError`.
    """

    def __init__(self, recording: dict[str, Any]) -> None:
        if not isinstance(recording, dict) or recording.get("format") != FORMAT:
            found = recording.get("format") if isinstance(recording, dict) else type(recording).__name__
            raise ProtocolError(f"not an eidlib APDU trace: format={found!r}")
        try:
            atr = bytes.fromhex(recording["atr"])
            self._script = [
                (bytes.fromhex(e["command"]), bytes.fromhex(e["response"])) for e in recording["exchanges"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed APDU trace: {exc}") from exc
        super().__init__(atr)
        self.position = 0
        self.connected = False

    @classmethod
    def load(cls, path: str | Path) -> ReplayTransport:
        """Read a recording written by :meth:`RecordingTransport.save`."""
        try:
            recording = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ProtocolError(f"{path} is not an APDU trace (JSON): {exc}") from exc
        return cls(recording)

    def connect(self) -> None:
        """Start playing (the recording needs no connection)."""
        self.connected = True

    def disconnect(self) -> None:
        """Stop playing."""
        self.connected = False

    @property
    def finished(self) -> bool:
        return self.position == len(self._script)

    def transmit(self, raw: bytes) -> bytes:
        if self.position >= len(self._script):
            raise ProtocolError("replay: more commands sent than recorded")
        expected, answer = self._script[self.position]
        sent = redact_command(raw) if carries_pin(raw) else bytes(raw)
        if sent != expected:
            raise ProtocolError(
                f"replay: command {self.position} differs from the recording: "
                f"sent {sent.hex()}, recorded {expected.hex()}"
            )
        self.position += 1
        return answer
