"""``latest.json`` and ``latest.md``: the machine, every entry's median, spread and ratio, the hot spots."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.entry import Entry
from benchmarks.profiling import Hotspot
from benchmarks.timing import Stats


def format_seconds(seconds: float) -> str:
    """A time with a unit that keeps three significant digits (ns, µs, ms, s)."""
    value = abs(seconds)
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _stats_cell(stats: Stats) -> str:
    return f"{format_seconds(stats.median)} ±{stats.spread * 50:.0f}%"


def _count(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def _compare_table(entries: Sequence[Entry]) -> list[str]:
    lines = [
        _row(["entry", "profile", "subject", "median ±½(p90−p10)", "compared with", "median", "ratio", "target",
              "APDUs/op"]),
        _row(["---"] * 9),
    ]
    for entry in entries:
        labels = list(entry.figures)
        subject = entry.figures[labels[0]]
        others = labels[1:]
        apdus = next((v for k, v in entry.counts.items() if k.startswith("apdus_per")), None)
        target = ""
        if entry.target is not None:
            target = f"≤ {entry.target:g} {'✔' if entry.meets_target else '✘'}"
        lines.append(_row([
            f"`{entry.name}`",
            entry.profile or "",
            labels[0],
            _stats_cell(subject),
            ", ".join(others),
            ", ".join(_stats_cell(entry.figures[o]) for o in others),
            f"{entry.ratio:.2f}× ({entry.ratio_label})" if entry.ratio is not None else "",
            target,
            _count(apdus) if apdus is not None else "",
        ]))
    return lines


def _read_table(entries: Sequence[Entry]) -> list[str]:
    lines = [_row(["entry", "profile", "path", "median ±½(p90−p10)", "APDUs", "bytes sent", "bytes received",
                   "target"]), _row(["---"] * 8)]
    for entry in entries:
        stats = entry.subject
        target = ""
        if entry.target is not None:
            target = f"≤ {entry.target:g} APDUs {'✔' if entry.meets_target else '✘'}"
        lines.append(_row([
            f"`{entry.name}`", entry.profile or "", entry.path, _stats_cell(stats) if stats else "",
            _count(entry.counts.get("apdus", 0)), _count(entry.counts.get("bytes_sent", 0)),
            _count(entry.counts.get("bytes_received", 0)), target,
        ]))
    return lines


def _estimate_table(entries: Sequence[Entry]) -> list[str]:
    lines = [_row(["profile", "task", "APDUs eidlib", "APDUs minimum", "wait eidlib", "wait minimum"]),
             _row(["---"] * 6)]
    tasks = (("read_all", "read all (cold)"), ("login", "login: VERIFY + signature"),
             ("signature", "further signature (PIN once)"))
    for entry in entries:
        c = entry.counts
        for key, label in tasks:
            if f"{key}_apdus_eidlib" not in c:
                continue
            minimum = _count(c[f"{key}_apdus_minimum"])
            if key == "read_all":
                minimum += f" ({_count(c['read_all_apdus_minimum_252'])} in 252-byte chunks)"
            lines.append(_row([
                entry.profile or "", label, _count(c[f"{key}_apdus_eidlib"]), minimum,
                format_seconds(c[f"{key}_seconds_eidlib"]), format_seconds(c[f"{key}_seconds_minimum"]),
            ]))
    return lines


def _notes(entries: Sequence[Entry]) -> list[str]:
    """One bullet per entry name: its note (the first one met) and any overhead figure."""
    lines: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen or not entry.note:
            continue
        seen.add(entry.name)
        lines.append(f"* `{entry.name}`: {entry.note}.")
    overheads = [
        f"{e.name} {e.profile}: {e.counts['overhead_us_per_signature']:.0f} µs"
        for e in entries
        if "overhead_us_per_signature" in e.counts
    ]
    if overheads:
        lines.append(f"* Cost on top of the baseline per signature (medians): {'; '.join(overheads)}.")
    return [*lines, ""] if lines else []


def render_markdown(
    entries: Sequence[Entry],
    machine: Mapping[str, str],
    hotspots: Mapping[str, Sequence[Hotspot]],
    *,
    elapsed: float,
    failures: Mapping[str, str],
    top: int = 5,
) -> str:
    """The README-ready Markdown of one run."""
    compare = [e for e in entries if e.kind == "compare"]
    reads = [e for e in entries if e.kind == "read"]
    estimates = [e for e in entries if e.kind == "estimate"]
    out = ["## Benchmarks", ""]
    out.append(
        f"`make bench` on {machine.get('cpu', '?')} ({machine.get('cores', '?')} cores, load "
        f"{machine.get('load_average', '?')}), {machine.get('python', '?')}, cryptography "
        f"{machine.get('cryptography', '?')}, pyscard {machine.get('pyscard', '?')}, PyKCS11 "
        f"{machine.get('PyKCS11', '?')}, pcscd {machine.get('pcscd', '?')}, OpenSC {machine.get('opensc', '?')}, "
        f"SoftHSM {machine.get('softhsm2', '?')}; {machine.get('date', '?')}, run took {elapsed:.0f} s."
    )
    out += ["", "Medians over interleaved rounds (subject and comparison alternate round by round); "
            "± is half the p10–p90 spread.", ""]
    if compare:
        out += ["### Signing and login", "", *_compare_table(compare), ""]
        out += _notes(compare)
    if reads:
        out += ["### Reading the card", "", *_read_table(reads), ""]
    if estimates:
        out += ["### Estimated on a real card", ""]
        notes = sorted({f"{e.profile}: {e.note}" for e in estimates})
        out += [f"Model: {'; '.join(notes)}. Minimum = fewest APDUs the card protocol allows "
                "(spec §3.2/§3.3/§9).", "", *_estimate_table(estimates), ""]
    if hotspots:
        out += ["### Where the time goes (cProfile, own time per operation)", ""]
        for name, spots in hotspots.items():
            listed = "; ".join(f"`{s.function}` {s.own_us_per_op:.1f} µs" for s in spots[:top])
            out.append(f"* **{name}**: {listed}")
        out.append("")
    if failures:
        out += ["### Not measured in this run", ""]
        out += [f"* `{name}`: {reason}" for name, reason in failures.items()]
        out.append("")
    return "\n".join(out)


def write_report(
    out_dir: Path,
    entries: Sequence[Entry],
    machine: Mapping[str, str],
    hotspots: Mapping[str, Sequence[Hotspot]],
    *,
    elapsed: float,
    failures: Mapping[str, str],
) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``latest.md`` into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "machine": dict(machine),
        "elapsed_seconds": elapsed,
        "entries": [entry.to_dict() for entry in entries],
        "hotspots": {name: [s.to_dict() for s in spots] for name, spots in hotspots.items()},
        "failures": dict(failures),
    }
    json_path = out_dir / "latest.json"
    md_path = out_dir / "latest.md"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        render_markdown(entries, machine, hotspots, elapsed=elapsed, failures=failures) + "\n"
    )
    return json_path, md_path
