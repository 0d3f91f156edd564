"""A transport that answers from a script, for T=0 and session tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Responder = Callable[[bytes], bytes]


class ScriptedTransport:
    def __init__(self, responder: Responder, atr: bytes = b"\x3b\x00") -> None:
        self._responder = responder
        self._atr = atr
        self.sent: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self._atr

    def connect(self) -> None:
        pass

    def disconnect(self) -> None:
        pass

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    def transmit(self, raw: bytes) -> bytes:
        self.sent.append(bytes(raw))
        return self._responder(bytes(raw))
