"""A latency model of a real card: what a user would wait for, from the APDUs eidlib sends.

The transfer rate comes from the ATR (TA1 = Fi/Di, ISO 7816-3) at a 4 MHz reader
clock; every byte costs 12 etu under T=0 (start, 8 data, parity, 2 guard). The
per-APDU reader overhead and the on-card signature time are parameters.
With the defaults, 1.7's ATR (TA1=13h) gives about 43 kbit/s and 1.8's (TA1=96h)
250 kbit/s, the figures observed with real readers.

:func:`parameters_from_recordings` fits the overhead and the signature time on recordings of real
cards (``tests/fixtures/real/``, made with ``eid record``) when there are any.

The module also computes the fewest APDUs the card protocol allows for a task
(spec ``beid-card.md`` §3.2, §3.3, §9), so eidlib's counts can be compared with them.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError

FI_TABLE = {0: 372, 1: 372, 2: 558, 3: 744, 4: 1116, 5: 1488, 6: 1860, 9: 512, 10: 768, 11: 1024, 12: 1536, 13: 2048}
DI_TABLE = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 32, 7: 64, 8: 12, 9: 20}
ETU_PER_BYTE = 12
#: T0 bit saying TA1 is present.
_TA1_PRESENT = 0x10

#: Reader overhead per APDU (USB CCID round trip + driver), seconds.
DEFAULT_READER_OVERHEAD_S = 0.0015
#: On-card time of one signature, seconds: RSA-2048 on applet 1.7, ECDSA P-384 on applet 1.8.
DEFAULT_SIGNATURE_S = {"1.7": 0.100, "1.8": 0.060}

#: The largest READ BINARY answer (Le = 00 means 256 bytes).
MAX_READ = 256
#: eid-mw's PKCS#11 chunk (spec §3.2), which eidlib uses too.
EIDMW_CHUNK = 252

# Command and answer sizes (bytes, header + data, answer data + SW) of the BELPIC APDUs.
HEADER = 5
SW_LEN = 2
SELECT_BY_PATH_CMD = HEADER + 6  # 00 A4 08 0C 06 3F00 DFxx yyyy
GET_CARD_DATA_CMD = HEADER
GET_CARD_DATA_ANSWER = 28 + SW_LEN
MSE_CMD = HEADER + 5  # 04 80 <algo> 84 <key>
VERIFY_CMD = HEADER + 8  # PIN block
GET_RESPONSE_CMD = HEADER

Exchange = tuple[int, int]
"""One APDU as (command length, answer length) in bytes."""


def bit_rate_from_atr(atr: bytes, clock_hz: float = 4_000_000) -> float:
    """Bits per second the card negotiates, from TA1 of its ATR (default Fi=372, Di=1)."""
    if len(atr) < 2:
        raise BenchmarkError(f"an ATR has at least 2 bytes, not {len(atr)}")
    if clock_hz <= 0:
        raise BenchmarkError("the reader clock must be positive")
    fi, di = 372, 1
    if atr[1] & _TA1_PRESENT and len(atr) > 2:
        ta1 = atr[2]
        fi = FI_TABLE.get(ta1 >> 4, 372)
        di = DI_TABLE.get(ta1 & 0x0F, 1)
    return clock_hz * di / fi


@dataclass(frozen=True)
class CardModel:
    """Time on a real card for a list of exchanges: per-APDU overhead + bytes on the wire + signatures."""

    atr: bytes
    reader_overhead_s: float = DEFAULT_READER_OVERHEAD_S
    signature_s: float = 0.0
    clock_hz: float = 4_000_000

    @property
    def bit_rate(self) -> float:
        """Bits per second from the ATR."""
        return bit_rate_from_atr(self.atr, self.clock_hz)

    def exchange_seconds(self, command_len: int, response_len: int) -> float:
        """One APDU: reader overhead + command, procedure byte and answer at the card's bit rate."""
        if command_len < 0 or response_len < 0:
            raise BenchmarkError("APDU lengths cannot be negative")
        # T=0 adds the procedure byte; the 5-byte header is always sent.
        wire_bytes = command_len + response_len + 1
        return self.reader_overhead_s + wire_bytes * ETU_PER_BYTE / self.bit_rate

    def total_seconds(self, exchanges: Iterable[Exchange], signatures: int = 0) -> float:
        """All ``exchanges`` plus ``signatures`` on-card signature computations."""
        return sum(self.exchange_seconds(c, r) for c, r in exchanges) + signatures * self.signature_s

    def describe(self) -> dict[str, float]:
        """The model's parameters, for the report."""
        return {
            "bit_rate_bps": self.bit_rate,
            "reader_overhead_s": self.reader_overhead_s,
            "signature_s": self.signature_s,
            "clock_hz": self.clock_hz,
        }


# -- the protocol minimum -----------------------------------------------------------------------


@dataclass(frozen=True)
class FileRead:
    """One EF to read: its size on the card and how much of it the host needs.

    ``needed`` is the certificate's DER length (the host learns it from the first chunk and
    stops there); ``None`` for a data file, whose length the host cannot know in advance
    (SELECT returns no FCI, spec §2.1), so it reads until a short answer, ``6Cxx`` or ``6B00``.
    """

    name: str
    size: int
    needed: int | None = None

    def __post_init__(self) -> None:
        if self.size < 0 or (self.needed is not None and not 0 <= self.needed <= self.size):
            raise BenchmarkError(f"{self.name}: impossible sizes {self.size}/{self.needed}")


def read_exchanges(file: FileRead, chunk: int = MAX_READ) -> list[Exchange]:
    """The READ BINARY exchanges of the shortest read of ``file`` with chunks of ``chunk`` bytes.

    * known length (certificate): ``ceil(needed / chunk)`` reads, at least one (the first
      chunk tells the length; an empty certificate EF is all zeros after one chunk);
    * unknown length: full chunks, then either ``6Cxx`` + the read again with Le=xx (spec §3.2)
      or, when the size is a multiple of ``chunk``, one read answered ``6B00``.
    """
    if not 1 <= chunk <= MAX_READ:
        raise BenchmarkError(f"READ BINARY reads 1..256 bytes, not {chunk}")
    out: list[Exchange] = []
    if file.needed is not None:
        if file.size == 0:
            return [(HEADER, SW_LEN)]  # 6B00: nothing there
        first = min(chunk, file.size)
        if first < chunk:
            out.append((HEADER, SW_LEN))  # 6Cxx: the EF is shorter than one chunk
        out.append((HEADER, first + SW_LEN))
        offset = first
        while offset < file.needed:
            asked = min(chunk, file.needed - offset)
            out.append((HEADER, asked + SW_LEN))
            offset += asked
        return out
    full, rest = divmod(file.size, chunk)
    out.extend((HEADER, chunk + SW_LEN) for _ in range(full))
    if rest:
        out.append((HEADER, SW_LEN))  # 6Cxx
        out.append((HEADER, rest + SW_LEN))
    else:
        out.append((HEADER, SW_LEN))  # 6B00 at the end of the file
    return out


def minimum_read_all(files: Sequence[FileRead], chunk: int = MAX_READ) -> list[Exchange]:
    """Fewest exchanges to read ``files``: GET CARD DATA (the applet version), then per file
    one SELECT by path and the reads of :func:`read_exchanges`.

    SELECT of the applet is not counted: it is default-selected after reset (spec §0).
    """
    out: list[Exchange] = [(GET_CARD_DATA_CMD, GET_CARD_DATA_ANSWER)]
    for file in files:
        out.append((SELECT_BY_PATH_CMD, SW_LEN))
        out.extend(read_exchanges(file, chunk))
    return out


def minimum_signature(payload_len: int, signature_len: int, *, verify: bool) -> list[Exchange]:
    """Fewest exchanges for one signature (spec §3.5, §3.6, §9): MSE:SET, VERIFY when the PIN is
    not yet verified, PSO:CDS (answered ``61xx``) and one GET RESPONSE."""
    if not 0 < payload_len <= 255 or not 0 < signature_len <= MAX_READ:
        raise BenchmarkError(f"impossible signature sizes {payload_len}/{signature_len}")
    out: list[Exchange] = [(MSE_CMD, SW_LEN)]
    if verify:
        out.append((VERIFY_CMD, SW_LEN))
    out.append((HEADER + payload_len, SW_LEN))
    out.append((GET_RESPONSE_CMD, signature_len + SW_LEN))
    return out


# -- parameters from recordings of real cards ---------------------------------------------------

#: Where contributed recordings of real cards live (``eid record``; docs/recordings.md).
REAL_RECORDINGS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"
#: Readers whose "card" is software (vpcd): their timing says nothing about a chip.
_SOFTWARE_READERS = ("Virtual PCD", "eidlib virtual")
_PSO_INS = 0x2A


@dataclass(frozen=True)
class RecordedParameters:
    """Model parameters fitted on recordings: the median per-APDU overhead, on-card signature times."""

    reader_overhead_s: float
    signature_s: dict[str, float]
    recordings: int


def _wire_seconds(atr: bytes, command_len: int, response_len: int) -> float:
    return (command_len + response_len + 1) * ETU_PER_BYTE / bit_rate_from_atr(atr)


def parameters_from_recordings(directory: Path = REAL_RECORDINGS) -> RecordedParameters | None:
    """Fit the model on every timed recording of a real card in ``directory``; ``None`` without any.

    The overhead is the median of (measured − wire time) over the exchanges that compute nothing;
    a signature's time is the median of (PSO time − its overhead − wire time), per applet version.
    Recordings made on software cards (vpcd, the in-process card) are left out.
    """
    overheads: list[float] = []
    pso_times: dict[str, list[float]] = {}
    used = 0
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            recording = json.loads(path.read_text(encoding="utf-8"))
            session = recording["session"]
            if any(name in str(session.get("reader", "")) for name in _SOFTWARE_READERS):
                continue
            atr = bytes.fromhex(recording["atr"])
            timed = [(bytes.fromhex(e["command"]), len(e["response"]) // 2, float(e["ms"]) / 1000)
                     for e in recording["exchanges"] if "ms" in e]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BenchmarkError(f"{path.name}: not a recording ({exc})") from exc
        if not timed:
            continue
        used += 1
        for command, response_len, seconds in timed:
            rest = seconds - _wire_seconds(atr, len(command), response_len)
            if len(command) > 1 and command[1] == _PSO_INS:
                pso_times.setdefault(str(session.get("applet", "")), []).append(rest)
            else:
                overheads.append(max(0.0, rest))
    if not used or not overheads:
        return None
    overhead = statistics.median(overheads)
    signature = {applet: max(0.0, statistics.median(values) - overhead) for applet, values in pso_times.items()}
    return RecordedParameters(overhead, signature, used)
