"""A latency model of a real card: what a user would wait for, from the APDUs eidlib sends.

The transfer rate comes from the ATR (TA1 = Fi/Di, ISO 7816-3) at a 4 MHz reader
clock; every byte costs 12 etu under T=0 (start, 8 data, parity, 2 guard). The
per-APDU reader overhead and the on-card signature time are parameters.
With the defaults, 1.7's ATR (TA1=13h) gives about 43 kbit/s and 1.8's (TA1=96h)
250 kbit/s, the figures observed with real readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FI_TABLE = {0: 372, 1: 372, 2: 558, 3: 744, 4: 1116, 5: 1488, 6: 1860, 9: 512, 10: 768, 11: 1024, 12: 1536, 13: 2048}
DI_TABLE = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 32, 7: 64, 8: 12, 9: 20}
ETU_PER_BYTE = 12


def bit_rate_from_atr(atr: bytes, clock_hz: float = 4_000_000) -> float:
    """Bits per second the card negotiates, from TA1 of its ATR (default Fi=372, Di=1)."""
    t0 = atr[1]
    fi, di = 372, 1
    if t0 & 0x10:
        ta1 = atr[2]
        fi = FI_TABLE.get(ta1 >> 4, 372)
        di = DI_TABLE.get(ta1 & 0x0F, 1)
    return clock_hz * di / fi


@dataclass(frozen=True)
class CardModel:
    atr: bytes
    reader_overhead_s: float = 0.0015
    signature_s: float = 0.0
    clock_hz: float = 4_000_000

    @property
    def bit_rate(self) -> float:
        return bit_rate_from_atr(self.atr, self.clock_hz)

    def exchange_seconds(self, command_len: int, response_len: int) -> float:
        # T=0 adds the procedure byte; the 5-byte header is always sent.
        wire_bytes = command_len + response_len + 1
        return self.reader_overhead_s + wire_bytes * ETU_PER_BYTE / self.bit_rate

    def total_seconds(self, exchanges: Iterable[tuple[int, int]], signatures: int = 0) -> float:
        return sum(self.exchange_seconds(c, r) for c, r in exchanges) + signatures * self.signature_s
