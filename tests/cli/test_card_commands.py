"""The card commands of ``eid`` on the virtual card (``--virtual``), in process through ``main([...])``.

Every JSON output is checked against the schema; the subprocess runs of the real entry point are
in ``test_entry_point.py`` and ``test_pcsc_states.py``.
"""

from __future__ import annotations

import base64
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
from tests.cli.contract import checked, error_of


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("json_first", [False, True])
def test_read_json_prints_the_persona_with_a_valid_verdict(
    capsys: pytest.CaptureFixture[str], profile: str, json_first: bool
) -> None:
    argv = ["--virtual", profile, "--json", "read"] if json_first else ["--virtual", profile, "read", "--json"]
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    data = checked(out, "read")
    files = image(profile).files
    identity = Identity.parse(files["3F00DF014031"]).to_dict()
    assert data["identity"] == {k: None if v == "" else v for k, v in identity.items()}
    assert data["identity"]["nobility"] is None and identity["nobility"] == ""  # empty on the card: null
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
    assert "photo" not in data


def test_read_json_with_the_photo_reads_the_card_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "read", "--photo")
    assert code == 0
    assert base64.b64decode(checked(out, "read")["photo"]) == image("1.8").files["3F00DF014035"]
    code, _, err = _run(capsys, "--virtual", "1.8", "read", "--photo")
    assert code == 2 and "--photo goes with --json" in err


def test_read_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "read")
    identity = Identity.parse(image("1.8").files["3F00DF014031"])
    assert code == 0
    assert identity.surname in out and identity.national_number in out
    assert "Integrity       : valid" in out


def test_info(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.7", "info", "--json")
    data = checked(out, "info")
    assert code == 0
    assert data["applet_version"] == "1.7" and data["activated"] is True
    assert data["serial_number"] == image("1.7").chip_serial.hex().upper()
    assert data["pin_tries_left"] == 3 and data["key_algorithm"] == "rsa"
    assert data["atr"] == data["atr"].upper()
    code, out, _ = _run(capsys, "--virtual", "1.8", "info")
    assert "Applet version : 1.8 (EC)" in out and "PIN            : 3 tries left" in out


def test_info_sends_get_card_data_once(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from eidlib.emulator.card import VirtualCard

    seen: list[bytes] = []
    original = VirtualCard.process

    def recording(self: VirtualCard, apdu: bytes) -> bytes:
        seen.append(bytes(apdu[:2]))
        return original(self, apdu)

    monkeypatch.setattr(VirtualCard, "process", recording)
    for profile in ("1.7", "1.8"):
        seen.clear()
        code, out, _ = _run(capsys, "--virtual", profile, "info")
        # 1.8: the extended card data carries the PIN counter; 1.7 asks VERIFY with no data for it.
        assert code == 0 and seen.count(b"\x80\xe4") == 1 and "3 tries left" in out, seen


def test_photo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "photo.jpg"
    code, _, err = _run(capsys, "--virtual", "1.8", "photo", "-o", str(target))
    assert code == 0
    assert target.read_bytes() == image("1.8").files["3F00DF014035"]
    assert "Photo saved" in err
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "photo", "-o", str(target))
    assert checked(out, "photo") == {"schema_version": "1.1", "command": "photo", "output": str(target),
                                     "size": target.stat().st_size}


def test_pin_status_test_and_change(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "pin", "status")
    assert code == 0 and out.strip() == "PIN: 3 tries left"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "pin", "test", "--pin-stdin")
    assert code == 0 and checked(out, "pin test")["verified"] is True
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n567890\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "pin", "change", "--pin-stdin")
    assert code == 0 and "PIN changed" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("0000\n567890\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "pin", "change", "--pin-stdin")
    assert code == 5 and "Wrong PIN: 2 tries left" in err and "0000" not in err + out


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("key", ["signature"])  # the auth key: test_sign_refuses_the_authentication_key...
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


def test_sign_to_file_json_and_wrong_pin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    out_file = tmp_path / "doc.sig"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "sign", "--pin-stdin", "--hash", "sha512",
                        "-o", str(out_file), str(document))
    assert code == 0 and out == "" and len(out_file.read_bytes()) == 96
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "sign", "--pin-stdin", str(document))
    result = checked(out, "sign")
    assert result["key"] == "signature" and len(bytes.fromhex(result["signature"])) == 96  # the default key
    monkeypatch.setattr("sys.stdin", io.StringIO("9876\n"))
    code, out, err = _run(capsys, "--virtual", "1.8", "sign", "--pin-stdin", str(document))
    assert code == 5 and "Wrong PIN" in err and "9876" not in err + out
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "sign", "--pin-stdin", str(document))
    assert code == 5 and "4 to 12 digits" in error_of(out, "sign", "PinFormatError")["hint"]


def test_pin_never_from_argv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "--virtual", "1.8", "sign", "--pin", "1234", str(tmp_path))
    assert code == 2 and "unrecognized arguments: --pin" in err


def test_one_prompt_naming_the_key_and_the_tries(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "1234"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    code, out, _ = _run(capsys, "--virtual", "1.8", "sign", "--key", "signature", str(document))
    assert code == 0 and len(bytes.fromhex(out.strip())) == 96
    code, _, _ = _run(capsys, "--virtual", "1.8", "sign-cms", "--key", "auth", str(document))
    assert code == 0
    assert prompts == ["Enter the PIN for the signature key (3 tries left): ",
                       "Enter the PIN for the authentication key (3 tries left): "]


@pytest.mark.parametrize("key", ["auth", "authentication"])
def test_sign_refuses_the_authentication_key_before_the_card(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str
) -> None:
    """A raw authentication signature over chosen bytes is a login oracle: refused, no PIN asked."""

    def no_prompt(prompt: str = "") -> str:
        raise AssertionError(f"the PIN was asked: {prompt}")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    document = tmp_path / "transcript.bin"
    document.write_bytes(b"handshake messages of somebody else's TLS connection")
    output = tmp_path / "sig.bin"
    code, out, err = _run(capsys, "--virtual", "1.8", "sign", "--key", key, str(document), "-o", str(output))
    assert code == 2 and "signature key only" in err and "eid authenticate" in err
    assert not output.exists() and out == ""
    code, out, _ = _run(capsys, "--virtual", "1.8", "--json", "sign", "--key", key, str(document))
    assert code == 2 and json.loads(out)["error"]["type"] == "UsageError"


def test_blocked_pin_is_never_asked(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("prompted on a blocked PIN"))
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    for command in (["sign", str(document)], ["sign-cms", str(document)], ["pin", "test"]):
        code, _out, err = _run(capsys, "--virtual", "1.8", "--virtual-option", "tries=0", *command)
        assert code == 5 and "The PIN is blocked." in err and "municipality" in err, (command, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt"]


def test_last_try_warns_and_needs_a_confirmation(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    last = ("--virtual", "1.8", "--virtual-option", "tries=1")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, _, err = _run(capsys, *last, "sign", "--pin-stdin", str(document))
    assert code == 5 and "only one PIN try is left" in err and "--allow-last-try" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, err = _run(capsys, *last, "sign", "--pin-stdin", "--allow-last-try", str(document))
    assert code == 0 and "Warning: only one PIN try is left" in err and len(bytes.fromhex(out.strip())) == 96

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "1234"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    code, _, err = _run(capsys, *last, "pin", "test")
    assert code == 5 and "Type 'yes' to go on" in err and prompts == []
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    code, out, _ = _run(capsys, *last, "pin", "test")
    assert code == 0 and prompts == ["Enter the PIN (1 try left): "] and "PIN correct" in out


def test_kids_card_and_not_activated_card_say_what_to_do(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"data")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "--virtual-option", "kids", "--json", "sign", "--pin-stdin",
                        str(document))
    error = error_of(out, "sign", "KeyNotPresent")
    assert code == 6 and error["message"] == "This card has no signature key." and "adult" in error["hint"]
    assert error["status_word"] == "6A88"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, out, _ = _run(capsys, "--virtual", "1.8", "--virtual-option", "not-activated", "--json", "sign",
                        "--pin-stdin", str(document))
    error = error_of(out, "sign", "CardNotActivated")
    assert code == 6 and "municipality" in error["hint"]


def test_diagnose_virtual(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--virtual", "1.8", "diagnose", "--json")
    report = checked(out, "diagnose")
    assert code == 0 and report["verdict"] == "ok" and [f["code"] for f in report["findings"]] == ["ok"]
    assert report["cards"][0]["applet_version"] == "1.8" and report["cards"][0]["pin_tries_left"] == 3
    assert report["cards"][0]["atr_recognised"] == "1.8"


@pytest.mark.parametrize(
    ("options", "codes", "exit_code"),
    [
        (["tries=0"], ["pin_blocked"], 5),
        (["tries=1"], ["pin_last_try", "ok"], 0),
        (["not-activated"], ["not_activated"], 6),
        (["kids"], ["no_signature_key", "ok"], 0),
        (["expired"], ["card_expired"], 6),
        (["not-beid"], ["not_beid"], 6),
    ],
)
def test_diagnose_gives_each_state_its_verdict(capsys: pytest.CaptureFixture[str], options: list[str],
                                               codes: list[str], exit_code: int) -> None:
    argv = ["--virtual", "1.7"] + [w for o in options for w in ("--virtual-option", o)]
    code, out, _ = _run(capsys, *argv, "--json", "diagnose")
    report = checked(out, "diagnose")
    assert [f["code"] for f in report["findings"]] == codes and code == exit_code
    assert all(f["hint"] for f in report["findings"] if f["severity"] != "ok")
    code, text, _ = _run(capsys, *argv, "diagnose")
    assert "everything looks fine" not in text and report["findings"][0]["message"] in text


def test_bare_pkcs11_before_a_command_means_find_the_module() -> None:
    from eidlib.cli.main import _bind_bare_pkcs11, build_parser

    commands = {"pin", "certs", "sign"}
    assert _bind_bare_pkcs11(["--pkcs11", "pin", "status"], commands) == ["--pkcs11=", "pin", "status"]
    assert _bind_bare_pkcs11(["--pkcs11", "/x/opensc.so", "certs"], commands) == ["--pkcs11", "/x/opensc.so", "certs"]
    args = build_parser().parse_args(_bind_bare_pkcs11(["--pkcs11", "pin", "status"], commands))
    assert args.pkcs11 == "" and args.command == "pin"


def test_read_json_of_a_persona_with_empty_fields(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import json

    source = json.loads((Path(__file__).resolve().parents[2] / "examples" / "persona-example.json").read_text())
    source.pop("third_initial")
    persona = tmp_path / "persona.json"
    persona.write_text(json.dumps(source), encoding="utf-8")
    photo = source.get("photo")
    if photo:  # a relative photo path is taken relative to the persona file
        source["photo"] = str((Path(__file__).resolve().parents[2] / "examples" / photo).resolve())
        persona.write_text(json.dumps(source), encoding="utf-8")
    code, out, _ = _run(capsys, "--virtual", "1.7", "--virtual-option", f"persona={persona}", "--json", "read")
    assert code == 0 and checked(out, "read")["identity"]["first_letter_of_third_given_name"] is None
