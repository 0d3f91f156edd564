"""A transport wrapper that counts what crosses the wire: APDUs, bytes, and each exchange's sizes.

Used in untimed passes only (the timed loops run on the bare transport), so the
counts are exact and the timings carry no counting cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.card_model import Exchange
from eidlib.apdu.status import ins_name
from eidlib.apdu.transport import ControlTransport, ForwardingControlTransport, ForwardingTransport, Transport


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


class CountingTransport(ForwardingTransport):
    """Wraps a :class:`~eidlib.apdu.Transport` and records every exchange in :attr:`tally`.

    Only the lengths and the instruction byte are kept, never the bytes: a VERIFY's PIN
    block is not copied anywhere.
    """

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner)
        self.tally = Tally()

    def reset(self) -> Tally:
        """Start a new tally; return the previous one."""
        previous, self.tally = self.tally, Tally()
        return previous

    def transmit(self, raw: bytes) -> bytes:
        """Forward one APDU and record its size and instruction."""
        answer = self.inner.transmit(raw)
        self.tally.exchanges.append((len(raw), len(answer)))
        self.tally.instructions.append(raw[1] if len(raw) > 1 else -1)
        return answer


class CountingControlTransport(CountingTransport, ForwardingControlTransport):
    """A :class:`CountingTransport` that also forwards reader control (PIN-pad discovery, not counted)."""

    def __init__(self, inner: ControlTransport) -> None:
        CountingTransport.__init__(self, inner)
        self.control_inner = inner


def counting(inner: Transport) -> CountingTransport:
    """The counting wrapper matching ``inner``: with reader control when ``inner`` has it."""
    if isinstance(inner, ControlTransport):
        return CountingControlTransport(inner)
    return CountingTransport(inner)
