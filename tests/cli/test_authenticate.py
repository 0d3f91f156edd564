"""``eid authenticate`` through ``eidlib.cli.main.main``."""

from __future__ import annotations

import io
import json

import pytest

import eidlib
from eidlib.auth import AuthTokenValidator, generate_nonce
from eidlib.cli.main import main
from tests.auth.independent import webeid_token_ok

ORIGIN = "https://portal.example.be"


@pytest.mark.parametrize(("profile", "alg"), [("1.7", "RS256"), ("1.8", "ES384")])
@pytest.mark.parametrize("fmt", ["web-eid:1.0", "web-eid:1.1"])
def test_authenticate_prints_a_valid_token(
    profile: str, alg: str, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nonce = generate_nonce()
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code = main(["--virtual", profile, "authenticate", "--origin", ORIGIN, "--challenge", nonce,
                 "--pin-stdin", "--format", fmt])
    out = capsys.readouterr().out
    assert code == 0
    token = json.loads(out)
    assert token["algorithm"] == alg and token["format"] == fmt
    assert ("unverifiedIntermediateCertificates" in token) == (fmt == "web-eid:1.1")
    assert webeid_token_ok(out, ORIGIN, nonce)
    with eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        root = card.read_certificates().root
    assert root
    if fmt == "web-eid:1.1":
        assert AuthTokenValidator(ORIGIN, [root], check_revocation=False).validate(out.strip(), nonce)


@pytest.mark.parametrize(
    ("args", "stdin", "message", "exit_code"),
    [
        (["--origin", "http://x.example", "--challenge", "A" * 44], "1234\n", "https", 1),
        (["--origin", ORIGIN + "/path", "--challenge", "A" * 44], "1234\n", "path", 1),
        (["--origin", ORIGIN, "--challenge", "short"], "1234\n", "44", 1),
        (["--origin", ORIGIN, "--challenge", "A" * 44], "12\n", "4 to 12 digits", 5),
        (["--origin", ORIGIN, "--challenge", "A" * 44], "", "no PIN", 5),
        (["--origin", ORIGIN, "--challenge", "A" * 44], "9999\n", "Wrong PIN", 5),
    ],
)
def test_errors(args: list[str], stdin: str, message: str, exit_code: int, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    # Exit statuses: docs/cli-json.md (1 a login input error, 5 a PIN problem).
    assert main(["--virtual", "1.8", "authenticate", *args, "--pin-stdin"]) == exit_code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "9999" not in captured.err


@pytest.mark.opensc
def test_authenticate_over_opensc_pkcs11(pcsc_cards: object, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from eidlib.emulator.pki import TestPki

    nonce = generate_nonce()
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code = main(["--pkcs11", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "authenticate", "--origin", ORIGIN,
                 "--challenge", nonce, "--pin-stdin"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    token = json.loads(captured.out)
    assert token["algorithm"] == "RS256"
    root = TestPki.load(profile="1.7").root.cert_der()
    ca = TestPki.load(profile="1.7").citizen_ca.cert_der()
    assert AuthTokenValidator(ORIGIN, [root, ca], check_revocation=False).validate(captured.out.strip(), nonce)
