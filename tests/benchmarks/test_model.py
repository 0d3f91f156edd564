"""The benchmark harness's own logic: statistics, the card latency model, the protocol minimum,
the counting transport. No timing is asserted anywhere."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.card_model import (
    EIDMW_CHUNK,
    MAX_READ,
    CardModel,
    FileRead,
    bit_rate_from_atr,
    minimum_read_all,
    minimum_signature,
    read_exchanges,
)
from benchmarks.counting import CountingTransport, counting
from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.report import format_seconds, render_markdown
from benchmarks.timing import Stats, measure_group, quantile
from eidlib.belpic.files import CardFile
from eidlib.card.session import BeidCard
from eidlib.emulator import ATR, VirtualCard, VirtualTransport
from eidlib.errors import EidError

samples = st.lists(st.floats(min_value=1e-9, max_value=10.0, allow_nan=False), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(samples)
def test_stats_are_ordered(values: list[float]) -> None:
    stats = Stats.from_samples(values, inner=1)
    assert min(values) <= stats.p10 <= stats.median <= stats.p90 <= max(values)
    assert stats.rounds == len(values)
    assert stats.spread >= 0


@settings(max_examples=60, deadline=None)
@given(samples, st.floats(min_value=0.0, max_value=1.0))
def test_quantile_is_a_sample(values: list[float], q: float) -> None:
    assert quantile(values, q) in values


def test_empty_inputs_are_refused() -> None:
    with pytest.raises(BenchmarkError):
        Stats.from_samples([], inner=1)
    with pytest.raises(BenchmarkError):
        measure_group({})
    with pytest.raises(BenchmarkError):
        measure_group({"x": lambda: None}, rounds=0)
    assert issubclass(BenchmarkError, EidError)


def test_measure_group_calls_every_subject_the_same_number_of_times() -> None:
    calls = {"a": 0, "b": 0, "c": 0}

    def bumper(name: str) -> Callable[[], None]:
        def bump() -> None:
            calls[name] += 1

        return bump

    found = measure_group({name: bumper(name) for name in calls}, rounds=4, inner=3, warmup=2)
    assert set(found) == set(calls)
    assert calls == {"a": 14, "b": 14, "c": 14}
    assert all(s.rounds == 4 and s.inner == 3 for s in found.values())


def test_bit_rates_of_the_two_atrs() -> None:
    # TA1 = 13h: Fi 372, Di 4; TA1 = 96h: Fi 512, Di 32 (ISO 7816-3 tables), at 4 MHz.
    assert bit_rate_from_atr(ATR["1.7"]) == pytest.approx(4e6 * 4 / 372)
    assert bit_rate_from_atr(ATR["1.8"]) == pytest.approx(250_000)
    assert bit_rate_from_atr(bytes.fromhex("3B00")) == pytest.approx(4e6 / 372)  # no TA1: defaults
    with pytest.raises(BenchmarkError):
        bit_rate_from_atr(b"\x3b")


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=2, max_size=33))
def test_any_atr_gives_a_positive_rate(atr: bytes) -> None:
    assert bit_rate_from_atr(atr) > 0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(1, 300))
def test_exchange_time_grows_with_bytes(command: int, answer: int, extra: int) -> None:
    model = CardModel(ATR["1.7"])
    assert model.exchange_seconds(command, answer) >= model.reader_overhead_s
    assert model.exchange_seconds(command + extra, answer) > model.exchange_seconds(command, answer)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6000), st.integers(1, MAX_READ))
def test_unknown_length_reads_follow_the_end_of_file_rule(size: int, chunk: int) -> None:
    exchanges = read_exchanges(FileRead("f", size), chunk)
    full, rest = divmod(size, chunk)
    assert len(exchanges) == full + (2 if rest else 1)
    assert sum(r - 2 for _, r in exchanges) == size  # every byte once; 6Cxx/6B00 carry no data


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3000), st.integers(0, 2500), st.integers(1, MAX_READ))
def test_known_length_reads_stop_at_the_der(needed: int, padding: int, chunk: int) -> None:
    size = needed + padding
    exchanges = read_exchanges(FileRead("cert", size, needed), chunk)
    data = sum(r - 2 for _, r in exchanges)
    assert needed <= data <= max(needed, min(chunk, size))
    first_short = size < chunk
    assert len(exchanges) == math.ceil(max(needed, min(chunk, size)) / chunk) + first_short


def test_minimum_counts() -> None:
    files = [FileRead("id", 173), FileRead("cert", 1226, 1176)]
    # GET CARD DATA + (SELECT + 6C + read) + (SELECT + 5 reads)
    assert len(minimum_read_all(files)) == 1 + 3 + 6
    assert len(minimum_read_all(files, EIDMW_CHUNK)) == 1 + 3 + 6
    assert [c for c, _ in minimum_signature(32, 256, verify=True)] == [10, 13, 37, 5]
    assert len(minimum_signature(48, 96, verify=False)) == 3
    with pytest.raises(BenchmarkError):
        minimum_signature(0, 96, verify=False)
    with pytest.raises(BenchmarkError):
        FileRead("bad", 10, 11)
    with pytest.raises(BenchmarkError):
        read_exchanges(FileRead("f", 10), 257)


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_counting_transport_sees_what_the_card_answers(profile: str) -> None:
    virtual = VirtualCard(profile)  # type: ignore[arg-type]
    counted = counting(VirtualTransport(virtual))
    assert isinstance(counted, CountingTransport)
    with BeidCard(counted) as card:
        card.open()
        card.read_file(CardFile.IDENTITY)
        card.verify_pin("1234")
        tally = counted.reset()
    assert tally.apdus == virtual.apdu_count
    assert "VERIFY" in tally.instruction_names()
    assert tally.bytes_received > len(virtual.image.files[CardFile.IDENTITY.value])
    assert counted.tally.apdus == 0


def test_entry_round_trip_and_markdown() -> None:
    stats = Stats.from_samples([1e-3, 2e-3, 3e-3], inner=2)
    entry = Entry("sign_inprocess", "1.8", "compare", "p", {"eidlib": stats, "cryptography": stats},
                  ratio=1.0, ratio_label="x", target=1.15, counts={"apdus_per_signature": 3})
    again = Entry.from_dict(entry.to_dict())
    assert again == entry and again.meets_target
    text = render_markdown([entry], {"cpu": "test cpu"}, {}, elapsed=1.0, failures={"x": "y"})
    assert "`sign_inprocess`" in text and "test cpu" in text and "Not measured" in text
    with pytest.raises(BenchmarkError):
        Entry.from_dict({"name": "x"})
    assert format_seconds(0.0025) == "2.5 ms" and format_seconds(2.5e-7) == "250 ns"
