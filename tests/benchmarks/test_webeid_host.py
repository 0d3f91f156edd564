"""``python benchmarks/webeid_host.py``: every subject runs on the real stack and the report says the verdict.

No timing is asserted: the subjects must run and return, the table must carry every column and mark a
missed goal as missed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import webeid_host as bench
from tests.pcsc_harness import PcscStack

pytestmark = pytest.mark.timeout(300)


def test_every_subject_runs_on_the_pcscd_stack(pcsc_cards: PcscStack, tmp_path: Path) -> None:
    instant, typing = tmp_path / "pinentry", tmp_path / "pinentry-typing"
    for program, text in ((instant, bench.INSTANT_PINENTRY), (typing, bench.TYPING_PINENTRY)):
        program.write_text(text)
        program.chmod(0o755)
    for reader in (pcsc_cards.reader_17, pcsc_cards.reader_18):
        starts: list[float] = []
        assert bench.host_round_trip(reader, str(instant), starts) > 0 and starts[0] > 0
        assert bench.direct(reader) > 0
        assert bench.host_code_in_process(reader, str(instant)) > 0
        assert bench.pinentry_alone(str(typing)) >= bench.TYPING  # the typist really takes its time


def test_the_report_has_every_column_and_marks_a_missed_goal(tmp_path: Path) -> None:
    figures = {"host": 0.014, "pinentry": 0.003, "direct": 0.006, "in_process": 0.009, "host_typing": 0.113,
               "pinentry_typing": 0.103, "start": 0.3}
    met = dict(figures, ratio=1.1, in_process_ratio=1.0, typing_difference=0.01)
    missed = dict(met, ratio=1.8)
    bench.write_results(tmp_path, {"1.7": met, "1.8": missed}, rounds=3)
    table = (tmp_path / "webeid-host.md").read_text().splitlines()
    header = next(line for line in table if line.startswith("| profile"))
    assert all(title in header for title in bench._COLUMNS.values())
    row_17 = next(line for line in table if line.startswith("| 1.7"))
    row_18 = next(line for line in table if line.startswith("| 1.8"))
    assert row_17.endswith("✔ |") and "| 1.10 |" in row_17
    assert row_18.endswith("✘ |") and "| 1.80 |" in row_18 and "| 300.00 ms |" in row_18
    document = json.loads((tmp_path / "webeid-host.json").read_text())
    assert document["goal"] == bench.GOAL and document["profiles"]["1.8"]["ratio"] == 1.8
