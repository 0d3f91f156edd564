"""A transport that answers from a script, for T=0 and session tests."""

from __future__ import annotations

from collections.abc import Callable

from eidlib.apdu.transport import BaseTransport

Responder = Callable[[bytes], bytes]


class ScriptedTransport(BaseTransport):
    def __init__(self, responder: Responder, atr: bytes = b"\x3b\x00") -> None:
        super().__init__(atr)
        self._responder = responder
        self.sent: list[bytes] = []

    def transmit(self, raw: bytes) -> bytes:
        self.sent.append(bytes(raw))
        return self._responder(bytes(raw))
