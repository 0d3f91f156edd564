"""The card commands of ``eid`` on the virtual card (``--virtual``), through ``main([...])``."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.carddata.address import Address
from eidlib.carddata.identity import Identity
from eidlib.cli.main import main
from eidlib.emulator.persona import Persona
from eidlib.token.ecdsa import ecdsa_raw_to_der
from tests.card.virtual_cards import image


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("json_first", [False, True])
def test_read_json_prints_the_persona_with_a_valid_verdict(
    capsys: pytest.CaptureFixture[str], profile: str, json_first: bool
) -> None:
    argv = ["--virtual", profile, "--json", "read"] if json_first else ["--virtual", profile, "read", "--json"]
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    data = json.loads(out)
    files = image(profile).files
    assert data["identity"] == Identity.parse(files["3F00DF014031"]).to_dict()
    assert data["address"] == Address.parse(files["3F00DF014033"]).to_dict()
    persona = Persona.default()
    assert data["identity"]["surname"] == persona.surname
    assert data["identity"]["firstnames"] == persona.first_names
    assert data["identity"]["national_number"] == persona.national_number
    assert isinstance(persona.birth_date, datetime.date)
    assert data["identity"]["date_of_birth"] == persona.birth_date.isoformat()
    assert data["address"]["address_street_and_number"] == persona.address.street_and_number
    assert data["integrity"]["valid"] is True
    assert data["integrity"]["photo"] is True
    assert data["integrity"]["basic_key"] is (profile == "1.8")


def test_read_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "read")
    identity = Identity.parse(image("1.8").files["3F00DF014031"])
    assert code == 0
    assert identity.surname in out and identity.national_number in out
    assert "Integrity       : valid" in out


def test_info(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.7", "info", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["applet_version"] == "1.7" and data["activated"] is True
    assert data["serial_number"] == image("1.7").chip_serial.hex().upper()
    assert data["pin_tries_left"] == 3
    code, out, _ = _run(capsys, "--virtual", "1.8", "info")
    assert "Applet version : 1.8 (EC keys)" in out


def test_photo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "photo.jpg"
    code, _, err = _run(capsys, "--virtual", "1.8", "photo", "-o", str(target))
    assert code == 0
    assert target.read_bytes() == image("1.8").files["3F00DF014035"]
    assert "photo saved" in err


def test_pin_status_and_change(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "pin", "status")
    assert code == 0 and out.strip() == "PIN tries left: 3"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n567890\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "pin", "change", "--pin-stdin")
    assert code == 0 and "PIN changed" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("0000\n567890\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "pin", "change", "--pin-stdin")
    assert code == 1 and "wrong PIN, 2 tries left" in err and "0000" not in err + out


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("key", ["auth", "signature"])
def test_sign(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
              profile: str, key: str) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"I agree.\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", profile, "sign", "--key", key, "--pin-stdin", str(document))
    assert code == 0
    signature = bytes.fromhex(out.strip())
    cert_path = "3F00DF005038" if key == "auth" else "3F00DF005039"
    padded = image(profile).files[cert_path]
    public = x509.load_der_x509_certificate(padded[: 4 + int.from_bytes(padded[2:4], "big")]).public_key()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, b"I agree.\n", padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(ecdsa_raw_to_der(signature), b"I agree.\n", ec.ECDSA(hashes.SHA384()))


def test_sign_to_file_and_wrong_pin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    out_file = tmp_path / "doc.sig"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "sign", "--pin-stdin", "--hash", "sha512",
                        "-o", str(out_file), str(document))
    assert code == 0 and out == "" and len(out_file.read_bytes()) == 96
    monkeypatch.setattr("sys.stdin", io.StringIO("9876\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "sign", "--pin-stdin", str(document))
    assert code == 1 and "wrong PIN" in err and "9876" not in err + out
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    code, _, err = _run(capsys, "--virtual", "1.8", "sign", "--pin-stdin", str(document))
    assert code == 1 and "4 to 12 digits" in err


def test_pin_never_from_argv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--virtual", "1.8", "sign", "--pin", "1234", str(tmp_path)])
    assert info.value.code == 2
    capsys.readouterr()


def test_interactive_pin_prompt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "1234"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    code, out, _ = _run(capsys, "--virtual", "1.8", "sign", "--key", "signature", str(document))
    assert code == 0 and len(bytes.fromhex(out.strip())) == 96
    assert prompts == ["PIN for the signature key: "]


def test_diagnose_virtual(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "diagnose", "--json")
    report = json.loads(out)
    assert code == 0 and report["problems"] == []
    assert report["card"]["applet_version"] == "1.8" and report["card"]["pin_tries_left"] == 3
    assert report["card"]["atr_recognised"] == "1.8"


def test_bare_pkcs11_before_a_command_means_find_the_module() -> None:
    from eidlib.cli.main import _bind_bare_pkcs11, build_parser

    commands = {"pin", "certs", "sign"}
    assert _bind_bare_pkcs11(["--pkcs11", "pin", "status"], commands) == ["--pkcs11=", "pin", "status"]
    assert _bind_bare_pkcs11(["--pkcs11", "/x/opensc.so", "certs"], commands) == ["--pkcs11", "/x/opensc.so", "certs"]
    args = build_parser().parse_args(_bind_bare_pkcs11(["--pkcs11", "pin", "status"], commands))
    assert args.pkcs11 == "" and args.command == "pin"
