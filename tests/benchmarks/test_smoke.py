"""``make bench`` runs: every entry with tiny rounds, the report files, the profiles. No timing asserted.

The PC/SC part uses the session's real pcscd + vpcd stack (``pcsc_stack`` fixture), SoftHSM2 runs in
the benchmark's child process, OpenSC's module is the real one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.run import Options, main, run_all
from benchmarks.workload import QUICK
from tests.pcsc_harness import PcscStack


def _names(document: dict[str, object]) -> set[tuple[str, str | None]]:
    entries = document["entries"]
    assert isinstance(entries, list)
    return {(e["name"], e["profile"]) for e in entries}


def test_in_process_run_writes_the_report(tmp_path: Path) -> None:
    result = run_all(Options(budget=QUICK, pcsc=False, pkcs11=True, profile_ops=2, out_dir=tmp_path))
    assert result.failures == {}
    document = json.loads((tmp_path / "latest.json").read_text())
    for profile in ("1.7", "1.8"):
        for name in ("sign_inprocess", "sign_pkcs11_softhsm", "authenticate", "validate", "read_all_cold",
                     "read_all_warm", "estimated_real_card"):
            assert (name, profile) in _names(document), (name, profile)
    for entry in document["entries"]:
        for stats in entry["figures"].values():
            assert stats["rounds"] == QUICK.rounds and stats["median"] > 0
    signing = [e for e in document["entries"] if e["name"] == "sign_inprocess"]
    assert all(e["counts"]["apdus_per_signature"] >= 3 for e in signing)  # MSE + PSO + GET RESPONSE at least
    assert document["machine"]["cores"]
    assert document["hotspots"] and list(tmp_path.glob("profile-*.txt"))
    markdown = (tmp_path / "latest.md").read_text()
    assert "### Signing and login" in markdown and "### Estimated on a real card" in markdown


def test_command_line_without_pcscd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--quick", "--no-pcsc", "--no-pkcs11", "--profile-ops", "0", "--out", str(tmp_path)])
    assert status == 0
    assert "## Benchmarks" in capsys.readouterr().out
    assert not list(tmp_path.glob("profile-*.txt"))


def test_pcsc_entries_run_on_the_real_stack(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    result = run_all(Options(budget=QUICK, pcsc=True, pkcs11=True, profile_ops=0, out_dir=tmp_path), stack=pcsc_stack)
    assert result.failures == {}
    names = {(e.name, e.profile) for e in result.entries}
    for profile in ("1.7", "1.8"):
        for name in ("sign_pcsc", "authenticate", "read_all_cold", "read_all_warm", "estimated_real_card"):
            assert (name, profile) in names, (name, profile)
    assert ("sign_pkcs11_opensc", "1.7") in names
    pcsc_sign = [e for e in result.entries if e.name == "sign_pcsc"]
    assert all(e.counts["apdus_per_signature"] >= 3 for e in pcsc_sign)
    cold = [e for e in result.entries if e.name == "read_all_cold"]
    assert all(e.counts["apdus"] > 10 and e.counts["bytes_received"] > 5000 for e in cold)
