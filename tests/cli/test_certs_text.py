"""``eid certs`` text: attribute names instead of dotted OIDs, one-line verdicts with a hint, details on -v."""

from __future__ import annotations

from pathlib import Path

import pytest

import eidlib.x509
from eidlib.cli.main import main
from eidlib.cli.names import chain_verdict, human_name


def test_human_name() -> None:
    assert human_name("2.5.4.5=202601,CN=Citizen CA,C=BE") == "serialNumber=202601,CN=Citizen CA,C=BE"
    assert human_name("CN=A,2.5.4.4=Specimen+2.5.4.42=Alice") == "CN=A,SN=Specimen+GN=Alice"
    assert human_name("CN=1.2.3=x,9.9.9=y") == "CN=1.2.3=x,9.9.9=y"  # in a value, or unknown: unchanged


def test_chain_verdict() -> None:
    assert chain_verdict("CertificateNotTrusted: validation failed: candidates exhausted") == (
        "does not chain to a trusted root", "a test card? give its root certificate with --trust FILE")
    assert chain_verdict("SomethingElse: as it is") == ("SomethingElse: as it is", None)


def test_certs_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--virtual", "1.7", "certs"]) == 0
    out = capsys.readouterr().out
    assert "issuer:    serialNumber=" in out and "2.5.4." not in out
    code = main(["--virtual", "1.8", "certs", "--trust", str(_belgian_root_dir())])
    out = capsys.readouterr().out
    assert code == 1 and "NOT VALID: does not chain to a trusted root" in out and "--trust FILE" in out
    assert "candidates exhausted" not in out
    main(["-v", "--virtual", "1.8", "certs", "--trust", str(_belgian_root_dir())])
    assert "details:   CertificateNotTrusted: " in capsys.readouterr().out


def _belgian_root_dir() -> Path:
    """The Belgian roots: the virtual card does not chain to them."""
    return Path(eidlib.x509.__file__).parent / "roots"
