"""``read_all_cold`` / ``read_all_warm``: identity, address, photo, certificates and signatures.

Cold = a new session on a freshly connected card (connect, SELECT, GET CARD DATA and every
file); warm = the same reads again on the same :class:`BeidCard` (its file cache).
APDUs and bytes come from a counting pass; times from separate, uncounted passes.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.card_model import FileRead
from benchmarks.counting import Tally, counting
from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.timing import measure
from benchmarks.workload import READ_ALL_FILES, Budget, Profile, read_all
from eidlib.apdu.pcsc import PcscTransport
from eidlib.apdu.transport import Transport
from eidlib.belpic.der import is_empty, trim_der
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.opener import open_card

#: The issue's bound for a warm read-all.
WARM_TARGET_APDUS = 2


def count_reads(transport: Transport) -> tuple[Tally, Tally]:
    """Exchanges of a cold read-all (including opening the session) and of a warm one after it."""
    counted = counting(transport)
    with BeidCard(counted) as card:
        card.open()
        read_all(card)
        cold = counted.reset()
        read_all(card)
        warm = counted.reset()
    return cold, warm


def card_files(profile: Profile) -> list[FileRead]:
    """The read-all files of the (deterministic) virtual card: EF sizes and certificate DER lengths."""
    image = VirtualCard(profile).image
    out = []
    for file in READ_ALL_FILES:
        content = image.files.get(file.value)
        if content is None:
            raise BenchmarkError(f"the virtual {profile} card has no {file.label} file")
        needed = None
        if file.is_certificate:
            needed = 0 if is_empty(content) else len(trim_der(content))
        out.append(FileRead(file.label, len(content), needed))
    return out


def _entry(name: str, profile: Profile, path: str, stats_source: Callable[[], object], tally: Tally,
           budget: Budget, note: str, target: float | None = None) -> Entry:
    stats = measure(stats_source, rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup)
    return Entry(
        name=name,
        profile=profile,
        kind="read",
        path=path,
        figures={"read all": stats},
        target=target,
        ratio=float(tally.apdus) if target is not None else None,
        ratio_label="APDUs (target: at most)" if target is not None else "",
        counts={"apdus": tally.apdus, "bytes_sent": tally.bytes_sent, "bytes_received": tally.bytes_received},
        note=note,
    )


def read_all_entries(profile: Profile, reader: str | None, budget: Budget) -> tuple[list[Entry], Tally]:
    """Cold and warm read-all through pcscd (``reader``) or, without one, in process.

    Returns the entries and the cold tally (for the real-card estimate).
    """
    through = "pcscd" if reader is not None else "in-process"

    virtual = VirtualCard(profile) if reader is None else None

    def transport() -> Transport:
        if virtual is not None:
            return VirtualTransport(virtual)
        assert reader is not None
        return PcscTransport(reader)

    cold_tally, warm_tally = count_reads(transport())

    def cold() -> None:
        with BeidCard(transport()) as card:
            card.open()
            read_all(card)

    warm_card = open_card(reader=reader) if reader is not None else open_card(virtual=profile)
    try:
        read_all(warm_card)
        entries = [
            _entry("read_all_cold", profile, f"{through}: connect, open session, read all", cold, cold_tally,
                   budget.scaled(1), "identity, address, photo, 5 certificates, identity+address signatures"),
            _entry("read_all_warm", profile, f"{through}: the same reads again on the same BeidCard",
                   lambda: read_all(warm_card), warm_tally, budget, "served from the session's file cache",
                   target=WARM_TARGET_APDUS),
        ]
    finally:
        warm_card.close()
    return entries, cold_tally
