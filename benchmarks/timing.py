"""A small benchmark harness: warm-up, repeated rounds, median and spread.

Every figure is the per-call time of one round (``inner`` calls timed together),
summarised over ``rounds`` rounds. Subjects that are compared are interleaved
round by round (:func:`measure_group`), so machine noise hits them alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.errors import BenchmarkError


@dataclass(frozen=True)
class Stats:
    """Per-call seconds over ``rounds`` rounds of ``inner`` calls each."""

    median: float
    p10: float
    p90: float
    mean: float
    stdev: float
    rounds: int
    inner: int

    @classmethod
    def from_samples(cls, samples: list[float], *, inner: int) -> Stats:
        """Summarise per-call round times (at least one sample)."""
        if not samples:
            raise BenchmarkError("no samples to summarise")
        return cls(
            median=statistics.median(samples),
            p10=quantile(samples, 0.1),
            p90=quantile(samples, 0.9),
            mean=statistics.fmean(samples),
            stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
            rounds=len(samples),
            inner=inner,
        )

    @property
    def spread(self) -> float:
        """(p90 - p10) / median: the relative spread between the fast and slow rounds."""
        return (self.p90 - self.p10) / self.median if self.median else 0.0

    @property
    def per_second(self) -> float:
        """Calls per second at the median."""
        return 1.0 / self.median if self.median else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (seconds), with the spread."""
        out = asdict(self)
        out["spread"] = self.spread
        return out


def quantile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0..1) of a non-empty list."""
    if not values:
        raise BenchmarkError("quantile of no values")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _check_counts(rounds: int, inner: int, warmup: int) -> None:
    if rounds < 1 or inner < 1 or warmup < 0:
        raise BenchmarkError(f"need rounds >= 1, inner >= 1, warmup >= 0 (got {rounds}, {inner}, {warmup})")


def measure_group(
    subjects: Mapping[str, Callable[[], object]], *, rounds: int = 15, inner: int = 10, warmup: int = 3
) -> dict[str, Stats]:
    """Time several functions interleaved round by round; returns their :class:`Stats` by name.

    Each subject gets ``warmup`` untimed calls first; then, for every round, each subject
    in turn runs ``inner`` timed calls. The order rotates every round so that no subject
    always runs right after another (caches, frequency scaling).
    """
    _check_counts(rounds, inner, warmup)
    if not subjects:
        raise BenchmarkError("nothing to measure")
    names = list(subjects)
    for _ in range(warmup):
        for name in names:
            subjects[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            fn = subjects[name]
            start = clock()
            for _ in range(inner):
                fn()
            samples[name].append((clock() - start) / inner)
    return {name: Stats.from_samples(samples[name], inner=inner) for name in names}


def measure(fn: Callable[[], object], *, rounds: int = 15, inner: int = 10, warmup: int = 3) -> Stats:
    """Time ``fn``: ``warmup`` untimed calls, then ``rounds`` x ``inner`` timed calls."""
    return measure_group({"subject": fn}, rounds=rounds, inner=inner, warmup=warmup)["subject"]


def measure_pair(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rounds: int = 15,
    inner: int = 10,
    warmup: int = 3,
) -> tuple[Stats, Stats]:
    """Time two functions interleaved round by round, so machine noise hits both alike."""
    found = measure_group({"subject": subject, "baseline": baseline}, rounds=rounds, inner=inner, warmup=warmup)
    return found["subject"], found["baseline"]


def ratio(subject: Stats, baseline: Stats) -> float:
    """subject / baseline at the medians (0 when the baseline took no measurable time)."""
    return subject.median / baseline.median if baseline.median else 0.0
