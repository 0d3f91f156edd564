"""cProfile of the hot paths: where the time of one signature, one login, one read-all and one
validation goes. Each run writes the full ``pstats`` listing to ``results/profile-<name>.txt``
and returns the top functions per operation for the report."""

from __future__ import annotations

import cProfile
import io
import pstats
import site
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError

REPO_ROOT = Path(__file__).resolve().parents[1]
_PREFIXES = tuple(
    sorted(
        {str(REPO_ROOT) + "/", *(p + "/" for p in site.getsitepackages()), sysconfig.get_paths()["stdlib"] + "/"},
        key=len,
        reverse=True,
    )
)


@dataclass(frozen=True)
class Hotspot:
    """One function's share of an operation: own time and cumulative time per operation."""

    function: str
    calls_per_op: float
    own_us_per_op: float
    cumulative_us_per_op: float

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready form."""
        return {
            "function": self.function,
            "calls_per_op": self.calls_per_op,
            "own_us_per_op": self.own_us_per_op,
            "cumulative_us_per_op": self.cumulative_us_per_op,
        }


def _short(filename: str) -> str:
    for prefix in _PREFIXES:
        if filename.startswith(prefix):
            return filename[len(prefix):]
    return filename


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name  # a C function: "<method 'sign' of ...>"
    return f"{_short(filename)}:{line}({name})"


def profile_operation(
    name: str, operation: Callable[[], object], operations: int, out_dir: Path, *, top: int = 12
) -> list[Hotspot]:
    """Run ``operation`` ``operations`` times under cProfile; write the listing and return the
    ``top`` functions by own time (per operation)."""
    if operations < 1:
        raise BenchmarkError("profile at least one operation")
    operation()  # warm caches before profiling
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(operations):
        operation()
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(40)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(40)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"profile-{name}.txt").write_text(
        f"{name}: {operations} operations profiled (times are totals; divide by {operations})\n\n"
        + buffer.getvalue()
    )
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        Hotspot(
            function=_label(key),
            calls_per_op=calls / operations,
            own_us_per_op=own * 1e6 / operations,
            cumulative_us_per_op=cumulative * 1e6 / operations,
        )
        for key, (_primitive, calls, own, cumulative, _callers) in ranked
    ]
