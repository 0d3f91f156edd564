"""A transport wrapper that counts what crosses the wire: APDUs, bytes, and each exchange's sizes.

Used in untimed passes only (the timed loops run on the bare transport), so the
counts are exact and the timings carry no counting cost.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from benchmarks.card_model import Exchange
from eidlib.apdu.status import ins_name
from eidlib.apdu.transport import ControlTransport, Transport


@dataclass
class Tally:
    """What one pass sent: the exchanges as (command length, answer length) and the instructions."""

    exchanges: list[Exchange] = field(default_factory=list)
    instructions: list[int] = field(default_factory=list)

    @property
    def apdus(self) -> int:
        """Command APDUs sent."""
        return len(self.exchanges)

    @property
    def bytes_sent(self) -> int:
        """Command bytes."""
        return sum(c for c, _ in self.exchanges)

    @property
    def bytes_received(self) -> int:
        """Answer bytes (data and status words)."""
        return sum(r for _, r in self.exchanges)

    def instruction_names(self) -> list[str]:
        """The instructions by name (``SELECT``, ``READ BINARY``...), in order."""
        return [ins_name(ins) for ins in self.instructions]


class CountingTransport:
    """Wraps a :class:`~eidlib.apdu.Transport` and records every exchange in :attr:`tally`.

    Only the lengths and the instruction byte are kept, never the bytes: a VERIFY's PIN
    block is not copied anywhere.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.tally = Tally()

    def reset(self) -> Tally:
        """Start a new tally; return the previous one."""
        previous, self.tally = self.tally, Tally()
        return previous

    @property
    def atr(self) -> bytes:
        """The wrapped card's ATR."""
        return self.inner.atr

    def connect(self) -> None:
        """Connect the wrapped transport."""
        self.inner.connect()

    def disconnect(self) -> None:
        """Disconnect the wrapped transport."""
        self.inner.disconnect()

    def transmit(self, raw: bytes) -> bytes:
        """Forward one APDU and record its size and instruction."""
        answer = self.inner.transmit(raw)
        self.tally.exchanges.append((len(raw), len(answer)))
        self.tally.instructions.append(raw[1] if len(raw) > 1 else -1)
        return answer

    def transaction(self) -> AbstractContextManager[None]:
        """The wrapped transport's transaction."""
        return self.inner.transaction()


class CountingControlTransport(CountingTransport):
    """A :class:`CountingTransport` that also forwards reader control (PIN-pad discovery)."""

    def __init__(self, inner: ControlTransport) -> None:
        super().__init__(inner)
        self._control_inner = inner

    @property
    def reader_name(self) -> str:
        """The wrapped reader's name."""
        return self._control_inner.reader_name

    def control(self, code: int, data: bytes = b"") -> bytes:
        """Forward ``SCardControl`` (not counted: it does not reach the card)."""
        return self._control_inner.control(code, data)


def counting(inner: Transport) -> CountingTransport:
    """The counting wrapper matching ``inner``: with reader control when ``inner`` has it."""
    if isinstance(inner, ControlTransport):
        return CountingControlTransport(inner)
    return CountingTransport(inner)
