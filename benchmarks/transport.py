"""One APDU round trip through pcscd + vpcd against the same APDU answered in process.

This is the figure the vpcd QUICKACK/NODELAY work is about (the delayed-ACK trap shows as ~44 ms per
APDU; with QUICKACK it is tens of microseconds). It used to be printed by a test; it belongs here.
"""

from __future__ import annotations

from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.timing import measure_group, ratio
from benchmarks.workload import Budget, Profile
from eidlib.apdu.pcsc import PcscTransport
from eidlib.emulator import VirtualCard, VirtualTransport

#: GET CARD DATA: a short command every applet answers with no state (spec §3.7).
GET_CARD_DATA = bytes.fromhex("80E400001C")


def round_trip(profile: Profile, reader: str, budget: Budget) -> Entry:
    """``Transport.transmit(GET CARD DATA)`` through pcscd vs the in-process virtual card."""
    local = VirtualTransport(VirtualCard(profile))
    local.connect()
    with PcscTransport(reader) as remote:
        for transport in (remote, local):
            answer = transport.transmit(GET_CARD_DATA)
            if answer[-2:] != b"\x90\x00":
                raise BenchmarkError(f"GET CARD DATA answered {answer[-2:].hex()} on {transport!r}")
        found = measure_group(
            {"pcscd": lambda: remote.transmit(GET_CARD_DATA), "in-process": lambda: local.transmit(GET_CARD_DATA)},
            rounds=budget.rounds, inner=budget.inner * 5, warmup=budget.warmup,
        )
    local.disconnect()
    return Entry(
        name="apdu_round_trip",
        profile=profile,
        kind="compare",
        path=f"PcscTransport.transmit → pcscd → vpcd ({reader})",
        figures=found,
        ratio=ratio(found["pcscd"], found["in-process"]),
        ratio_label="pcscd / in-process",
        note="one GET CARD DATA per call; the delayed-ACK trap would show as ~44 ms per APDU",
    )
