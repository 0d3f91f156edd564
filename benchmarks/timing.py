"""A small benchmark harness: warm-up, repeated rounds, median and spread."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


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

    @property
    def spread(self) -> float:
        """(p90 - p10) / median: the relative spread between the fast and slow rounds."""
        return (self.p90 - self.p10) / self.median if self.median else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["spread"] = self.spread
        return out


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(fn: Callable[[], object], *, rounds: int = 15, inner: int = 10, warmup: int = 3) -> Stats:
    """Time ``fn``: ``warmup`` untimed calls, then ``rounds`` x ``inner`` timed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return Stats(
        median=statistics.median(samples),
        p10=_quantile(samples, 0.1),
        p90=_quantile(samples, 0.9),
        mean=statistics.fmean(samples),
        stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
        rounds=rounds,
        inner=inner,
    )


def measure_pair(
    subject: Callable[[], object], baseline: Callable[[], object], *, rounds: int = 15, inner: int = 10
) -> tuple[Stats, Stats]:
    """Time two functions interleaved round by round, so machine noise hits both alike."""
    for _ in range(3):
        subject()
        baseline()
    s_samples: list[float] = []
    b_samples: list[float] = []
    for _ in range(rounds):
        for fn, bucket in ((subject, s_samples), (baseline, b_samples)):
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            bucket.append((time.perf_counter() - start) / inner)

    def stats(samples: list[float]) -> Stats:
        return Stats(
            median=statistics.median(samples),
            p10=_quantile(samples, 0.1),
            p90=_quantile(samples, 0.9),
            mean=statistics.fmean(samples),
            stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
            rounds=rounds,
            inner=inner,
        )

    return stats(s_samples), stats(b_samples)
