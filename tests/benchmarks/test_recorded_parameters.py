"""The latency model fitted on recordings of real cards (``eid record``), when there are any."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.card_model import CardModel, parameters_from_recordings
from benchmarks.errors import BenchmarkError
from eidlib.emulator import ATR


def _synthetic(path: Path, *, overhead: float, signature: float, reader: str = "ACS ACR38U 00 00") -> None:
    """A recording whose timing follows the model exactly (so the fit must give the parameters back)."""
    atr = ATR["1.8"]
    model = CardModel(atr, reader_overhead_s=overhead)
    exchanges = []
    for command, response in (("80e400011f", "00" * 31 + "9000"), ("00a4080c063f00df014031", "9000"),
                              ("00b0000000", "11" * 256 + "9000"), ("002a9e9a30" + "00" * 48, "6160"),
                              ("00c0000060", "22" * 96 + "9000")):
        seconds = model.exchange_seconds(len(command) // 2, len(response) // 2)
        if command.startswith("002a"):
            seconds += signature
        exchanges.append({"command": command, "response": response, "ms": seconds * 1000})
    path.write_text(json.dumps({"format": "eidlib-apdu-trace/1", "atr": atr.hex(), "exchanges": exchanges,
                                "session": {"steps": [], "applet": "1.8", "reader": reader}}))


def test_parameters_come_back_from_recordings(tmp_path: Path) -> None:
    _synthetic(tmp_path / "a.json", overhead=0.004, signature=0.2)
    fitted = parameters_from_recordings(tmp_path)
    assert fitted is not None and fitted.recordings == 1
    assert fitted.reader_overhead_s == pytest.approx(0.004)
    assert fitted.signature_s["1.8"] == pytest.approx(0.2)


def test_software_cards_and_empty_folders_give_no_parameters(tmp_path: Path) -> None:
    assert parameters_from_recordings(tmp_path / "none") is None
    _synthetic(tmp_path / "v.json", overhead=0.004, signature=0.2, reader="Virtual PCD 00 01")
    assert parameters_from_recordings(tmp_path) is None


def test_a_broken_recording_is_a_benchmark_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(BenchmarkError):
        parameters_from_recordings(tmp_path)


def test_the_shipped_fixtures_are_software_cards() -> None:
    """Today's fixtures come from the virtual card: the model keeps its defaults until a real one is added."""
    assert parameters_from_recordings() is None
