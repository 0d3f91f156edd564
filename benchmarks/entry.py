"""One benchmark result (:class:`Entry`) and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from benchmarks.errors import BenchmarkError
from benchmarks.timing import Stats

Kind = Literal["compare", "read", "estimate"]


@dataclass
class Entry:
    """A named figure: timings (subject first), a ratio to its comparison, counts and notes.

    * ``kind="compare"``: ``figures`` holds the subject and what it is compared with;
      ``ratio`` = subject / comparison at the medians, ``target`` the issue's bound if any.
    * ``kind="read"``: one timing plus APDU and byte counts.
    * ``kind="estimate"``: no timings; modelled seconds and APDU counts in ``counts``.
    """

    name: str
    profile: str | None
    kind: Kind
    path: str
    figures: dict[str, Stats] = field(default_factory=dict)
    ratio: float | None = None
    ratio_label: str = ""
    target: float | None = None
    counts: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def subject(self) -> Stats | None:
        """The first figure (the thing measured), if any."""
        return next(iter(self.figures.values()), None)

    @property
    def meets_target(self) -> bool | None:
        """Whether ``ratio`` is within ``target`` (``None`` without a target)."""
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (seconds for every time)."""
        return {
            "name": self.name,
            "profile": self.profile,
            "kind": self.kind,
            "path": self.path,
            "figures": {label: stats.to_dict() for label, stats in self.figures.items()},
            "ratio": self.ratio,
            "ratio_label": self.ratio_label,
            "target": self.target,
            "meets_target": self.meets_target,
            "counts": self.counts,
            "details": self.details,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Entry:
        """The inverse of :meth:`to_dict` (used to bring results back from a child process)."""
        try:
            figures = {
                label: Stats(
                    median=float(f["median"]), p10=float(f["p10"]), p90=float(f["p90"]), mean=float(f["mean"]),
                    stdev=float(f["stdev"]), rounds=int(f["rounds"]), inner=int(f["inner"]),
                )
                for label, f in raw.get("figures", {}).items()
            }
            kind = raw["kind"]
            if kind not in ("compare", "read", "estimate"):
                raise BenchmarkError(f"unknown entry kind {kind!r}")
            return cls(
                name=str(raw["name"]),
                profile=raw.get("profile"),
                kind=kind,
                path=str(raw.get("path", "")),
                figures=figures,
                ratio=raw.get("ratio"),
                ratio_label=str(raw.get("ratio_label", "")),
                target=raw.get("target"),
                counts={k: float(v) for k, v in raw.get("counts", {}).items()},
                details=dict(raw.get("details", {})),
                note=str(raw.get("note", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BenchmarkError(f"malformed benchmark entry: {exc!r}") from exc
