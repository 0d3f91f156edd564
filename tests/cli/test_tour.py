"""``make demo``: the tour runs on both virtual cards and everything verifies."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from tests.support.vectors import REPO_ROOT


def test_tour(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["tour.py", str(tmp_path)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(REPO_ROOT / "examples" / "tour.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert info.value.code == 0, out
    assert "summary: everything verified" in out
    assert out.count("integrity: valid") == 2
    assert (tmp_path / "photo-1.8.jpg").read_bytes().startswith(b"\xff\xd8")
    assert (tmp_path / "photo-1.7.jpg").stat().st_size > 1000


def test_read_card_example(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["read_card.py", "--virtual", "1.7"])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(REPO_ROOT / "examples" / "read_card.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "integrity valid (sha256)" in out and "Specimen" in out
