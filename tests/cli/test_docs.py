"""The documentation: the API reference builds without warnings; the error catalogue matches the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from eidlib.cli.errors import CATALOGUE
from eidlib.cli.i18n import reset

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_error_catalogue_lists_every_error_with_cause_and_action(monkeypatch: object) -> None:
    reset()
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\w+)$", text, flags=re.MULTILINE)
    assert headings == [*CATALOGUE, "InternalError"]
    for name, entry in CATALOGUE.items():
        section = text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**Exit status**: {int(entry.exit_code)} ({entry.exit_code.name})" in section, name
        assert "**Cause**: " in section, name
        assert (f"**What to do**: {entry.hint}" if entry.hint else "**What to do**: ") in section, name


def test_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(DOCS / "build_api.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    index = (tmp_path / "eidlib.html").read_text(encoding="utf-8")
    assert "open_card" in index and "NotABeidCard" in index
    assert (tmp_path / "eidlib" / "cli" / "errors.html").exists()
