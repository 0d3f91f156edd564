"""``eid sign-pdf`` and ``eid verify``, as a user runs them (subprocesses, real services)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.main import main
from eidlib.emulator.pki import TestPki
from tests.cli.contract import checked, error_of
from tests.signing.documents import contract_pdf
from tests.signing.netns_run import run_in_namespace
from tests.signing.pyhanko_ltv import ades_lta_verdict

EID = [sys.executable, "-m", "eidlib.cli.main"]


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_sign_pdf_b_lt_from_the_virtual_card_is_trusted_by_pdfsig_and_pyhanko(profile: str, tmp_path: Path) -> None:
    (tmp_path / "in.pdf").write_bytes(contract_pdf(lang="fr-BE"))
    results = run_in_namespace(tmp_path, profile, [
        [*EID, "--virtual", profile, "sign-pdf", "in.pdf", "-o", "out.pdf", "--level", "B-LT", "--tsa", "{TSA}",
         "--visible", "1,300,100,250,60", "--reason", "Akkoord", "--pin-stdin"],
        ["pdfsig", "-nssdir", "{NSS}", "out.pdf"],
        [*EID, "--virtual", profile, "verify", "out.pdf", "--json"],
        [*EID, "--virtual", profile, "verify", "out.pdf"],
    ])
    signed, pdfsig_run, verified, human = results
    assert signed["returncode"] == 0, signed["stderr"]
    assert "Signature Validation: Signature is Valid." in str(pdfsig_run["stdout"])
    assert "Certificate Validation: Certificate is Trusted." in str(pdfsig_run["stdout"])
    report = checked(str(verified["stdout"]), "verify")
    assert verified["returncode"] == 0 and report["valid"] and report["kind"] == "pdf"
    (signature,) = report["signatures"]
    assert signature["level"] == "B-LT" and signature["ltv_enabled"] and signature["non_repudiation"]
    assert "Specimen" in signature["signer"]
    assert "LTV enabled" in str(human["stdout"])
    pdf = (tmp_path / "out.pdf").read_bytes()
    assert ades_lta_verdict(pdf, TestPki.load(profile=profile).root.cert_der()).name == "NO_POE"  # B-LT: no doc stamp
    assert (tmp_path / "in.pdf").read_bytes() == contract_pdf(lang="fr-BE")


def test_verify_explains_a_tampered_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    monkeypatch.setattr("sys.stdin", _Lines("1234\n"))
    assert main(["--json", "--virtual", "1.8", "sign-pdf", str(source), "-o", str(tmp_path / "out.pdf"),
                 "--pin-stdin"]) == 0
    result = checked(capsys.readouterr().out, "sign-pdf")
    assert result["level"] == "B-B" and result["key"] == "signature" and result["output"] == str(tmp_path / "out.pdf")
    signed = (tmp_path / "out.pdf").read_bytes()
    (tmp_path / "bad.pdf").write_bytes(signed.replace(b"page 1", b"page 2", 1))
    capsys.readouterr()
    assert main(["--virtual", "1.8", "verify", str(tmp_path / "out.pdf")]) == 0
    assert "PDF: VALID" in capsys.readouterr().out
    assert main(["--virtual", "1.8", "verify", str(tmp_path / "bad.pdf")]) == ExitCode.INVALID
    out = capsys.readouterr().out
    assert "NOT VALID" in out and "intact:            NO" in out and "altered after signing" in out
    assert main(["--virtual", "1.8", "verify", "--json", str(tmp_path / "bad.pdf")]) == ExitCode.INVALID
    (signature,) = checked(capsys.readouterr().out, "verify")["signatures"]
    assert not signature["valid"] and not signature["intact"] and signature["level"] is None


def test_sign_pdf_refuses_the_input_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    assert main(["--virtual", "1.8", "sign-pdf", str(source), "-o", str(source), "--pin-stdin"]) == ExitCode.FILE
    assert "never overwritten" in capsys.readouterr().err
    assert main(["--json", "--virtual", "1.8", "sign-pdf", str(source), "-o", str(tmp_path / "no" / "x.pdf"),
                 "--pin-stdin"]) == ExitCode.FILE
    error_of(capsys.readouterr().out, "sign-pdf", "FileProblem")
    (tmp_path / "text.pdf").write_bytes(b"not a pdf")
    assert main(["--json", "--virtual", "1.8", "sign-pdf", str(tmp_path / "text.pdf"), "-o", str(tmp_path / "o.pdf"),
                 "--pin-stdin"]) == ExitCode.FILE
    error_of(capsys.readouterr().out, "sign-pdf", "PdfInputError")
    assert source.read_bytes() == contract_pdf()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.pdf", "text.pdf"]


def test_sign_pdf_wrong_pin_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(contract_pdf())
    monkeypatch.setattr("sys.stdin", _Lines("0000\n"))
    assert main(["--json", "--virtual", "1.7", "sign-pdf", str(source), "-o", str(tmp_path / "out.pdf"),
                 "--pin-stdin"]) == ExitCode.PIN
    error_of(capsys.readouterr().out, "sign-pdf", "WrongPin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.pdf"]


class _Lines:
    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""
