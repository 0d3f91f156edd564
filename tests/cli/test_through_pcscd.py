"""``eid readers``, ``read``, ``diagnose``, ``--pkcs11 sign`` and ``pkcs11-info`` through the real pcscd."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eidlib.cli.main import main
from eidlib.cli.pkcs11_commands import run_info
from eidlib.emulator import ATR
from eidlib.opener import open_card
from tests.pcsc_harness import PcscStack
from tests.pkcs11.cards import reset_card
from tests.pkcs11.openssl import openssl_verify
from tests.pkcs11.test_opensc import OPENSC, PIN


def test_eid_readers_without_pcscd(pcscd_not_running: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readers"]) == 4  # ExitCode.NO_CARD (docs/cli-json.md)
    assert "pcscd" in capsys.readouterr().err


def test_eid_readers_without_readers(pcscd_no_readers: PcscStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readers"]) == 0
    assert capsys.readouterr().out.strip() == "no readers"


def test_eid_readers_with_an_empty_reader(pcscd_no_card: PcscStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readers"]) == 0
    assert f"{pcscd_no_card.reader_18}: no card" in capsys.readouterr().out


def test_eid_readers_lists_the_cards(pcsc_stack: PcscStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readers"]) == 0
    out = capsys.readouterr().out
    assert f"{pcsc_stack.reader_18}: card, ATR {ATR['1.8'].hex(' ').upper()}" in out
    assert main(["--json", "readers"]) == 0
    assert '"card_present": true' in capsys.readouterr().out


def test_cli_read_through_pcscd(pcsc_cards: PcscStack, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--reader", pcsc_cards.reader_18, "read", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["integrity"]["valid"] is True
    assert "reading photo" not in err  # progress shows on a terminal only, never with --json
    code = main(["diagnose", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["pcscd"]["reachable"] and len(report["cards"]) == 2
    assert code == 0, report["problems"]


def test_cli_sign_over_opensc(pcsc_cards: PcscStack, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    document = tmp_path / "data.bin"
    document.write_bytes(b"eid --pkcs11 sign-cms")
    output = tmp_path / "data.p7s"
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    # open_source takes the first BELPIC token: vpcd slot 0 holds the 1.7 card. OpenSC 0.23 signs with the
    # authentication key only; eid sign refuses that key, so the CMS command (signed attributes) is used.
    assert pcsc_cards.reader_17 == pcsc_cards.reader(0)
    code = main(["--pkcs11", OPENSC, "sign-cms", str(document), "--key", "auth", "--pin-stdin", "-o", str(output)])
    assert code == 0, capsys.readouterr().err
    with open_card(reader=pcsc_cards.reader_17) as card:
        root = card.read_certificates().root
    assert root is not None
    root_pem = x509.load_der_x509_certificate(root).public_bytes(serialization.Encoding.PEM)
    checked = openssl_verify(tmp_path, output.read_bytes(), document, root_pem, "-purpose", "any")
    assert checked.returncode == 0, checked.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    try:
        code = main(["--pkcs11", OPENSC, "sign", str(document), "--key", "signature", "--pin-stdin"])
        assert code == 6 and "non-repudiation" in capsys.readouterr().err  # 6: the card cannot (docs/cli-json.md)
    finally:
        reset_card(pcsc_cards, pcsc_cards.reader_17)


def test_pkcs11_info_over_opensc(pcsc_cards: PcscStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_info(argparse.Namespace(pkcs11=OPENSC, label="BELPIC", json=True)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["label"].startswith("BELPIC") and "CKM_SHA256_RSA_PKCS" in report["mechanisms"]
    assert "certificates_unavailable" in report  # private until login on an applet 1.7 card
