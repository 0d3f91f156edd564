"""``python -m benchmarks.tls_login`` runs every entry with tiny rounds and writes its report. No timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.tls_login import run
from benchmarks.workload import QUICK
from tests.pcsc_harness import PcscStack

pytestmark = [pytest.mark.opensc, pytest.mark.timeout(300)]


def test_tls_login_benchmarks_run(pcsc_cards: PcscStack, tmp_path: Path) -> None:
    entries = run(QUICK, tmp_path, stack=pcsc_cards)
    names = {(e.name, e.profile) for e in entries}
    assert names >= {("tls_login_vs_curl", "1.7"), ("tls_handshake_vs_signature", "1.7"),
                     ("tls_handshake_vs_signature", "1.8"), ("tls_server_validation", "1.7"),
                     ("tls_server_validation", "1.8"), ("tls_login_eidlib_versions", None)}
    login = next(e for e in entries if e.name == "tls_login_vs_curl")
    # both clients really used the card: VERIFY, MSE, PSO at least
    assert login.counts["apdus_per_login_eidlib"] >= 3 and login.counts["apdus_per_login_curl+OpenSC"] >= 3
    assert all(s.median > 0 for e in entries for s in e.figures.values())
    document = json.loads((tmp_path / "tls-login.json").read_text())
    assert len(document) == len(entries)
    assert "tls_login_vs_curl" in (tmp_path / "tls-login.md").read_text()
