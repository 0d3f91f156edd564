"""``eid pkcs11-info`` and ``eid sign-cms`` run in process (SoftHSM2 and the in-process virtual card)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from eidlib.cli import main as cli
from eidlib.opener import open_card
from tests.cli.contract import checked
from tests.pkcs11.fixtures import CONSUMER, RSA_TOKEN
from tests.pkcs11.openssl import OPENSSL, openssl_verify
from tests.pkcs11.softhsm import USER_PIN, SoftHsm


@pytest.fixture(autouse=True)
def with_pkcs11_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    if "eidlib.cli.pkcs11_commands" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "eidlib.cli.pkcs11_commands"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.softhsm
def test_pkcs11_info(softhsm: SoftHsm, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["--json", "--pkcs11", softhsm.module, "pkcs11-info", "--label", RSA_TOKEN], capsys,
                       monkeypatch)
    assert code == 0
    report = checked(out, "pkcs11-info")  # the eid JSON schema
    assert report["label"] == RSA_TOKEN and report["pin_length"] == {"min": 4, "max": 12}
    assert "CKM_SHA256_RSA_PKCS" in report["mechanisms"]
    assert report["certificates"]["authentication"] is True and report["certificates"]["rrn"] is True
    code, out, _ = run(["--pkcs11", softhsm.module, "pkcs11-info", "--label", RSA_TOKEN, "--mechanisms"], capsys,
                       monkeypatch)
    assert code == 0 and "  CKM_RSA_PKCS\n" in out


@pytest.mark.softhsm
def test_sign_cms_over_pkcs11(softhsm: SoftHsm, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    document = tmp_path / "letter.txt"
    document.write_bytes(b"Dear municipality,\n")
    monkeypatch.setenv("EIDLIB_PKCS11_MODULE", softhsm.module)
    # "--pkcs11=" (empty): find the module, here through EIDLIB_PKCS11_MODULE. A bare "--pkcs11" directly
    # before the command would be taken as the module path by argparse (nargs="?").
    code, out, err = run(["--json", "--pkcs11=", "sign-cms", str(document), "--pin-stdin", "--pss"], capsys,
                         monkeypatch, stdin=USER_PIN + "\n")
    assert code == 0, err
    written = Path(json.loads(out)["output"])
    assert written == tmp_path / "letter.txt.p7s"
    result = openssl_verify(tmp_path, written.read_bytes(), document, softhsm.pki.root.pem)
    assert result.returncode == 0, result.stderr
    assert USER_PIN not in out + err


@pytest.mark.softhsm
def test_sign_cms_wrong_pin_exit_code(softhsm: SoftHsm, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    document = tmp_path / "x.bin"
    document.write_bytes(b"x")
    code, _, err = run(["--pkcs11", softhsm.module, "sign-cms", str(document), "--pin-stdin"], capsys,
                       monkeypatch, stdin="8765\n")
    assert code == 5 and "Wrong PIN" in err and "8765" not in err  # 5: a PIN problem (docs/cli-json.md)
    assert not (tmp_path / "x.bin.p7s").exists()


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_sign_cms_with_the_virtual_card(profile: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(b"%PDF-1.7 virtual\n" * 100)
    output = tmp_path / "doc.sig"
    code, _, err = run(["--virtual", profile, "sign-cms", str(document), "-o", str(output), "--pin-stdin",
                          "--hash", "sha384"], capsys, monkeypatch, stdin="1234\n")
    assert code == 0, err
    with open_card(virtual=profile) as card:  # type: ignore[arg-type]
        root = card.read_certificates().root
    assert root is not None
    pem = x509.load_der_x509_certificate(root).public_bytes(serialization.Encoding.PEM)
    result = openssl_verify(tmp_path, output.read_bytes(), document, pem)
    assert result.returncode == 0, result.stderr
    printed = subprocess.run([OPENSSL, "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(output)],
                             capture_output=True, text=True, check=True).stdout
    assert "signingTime" in printed and "messageDigest" in printed


def test_example_script_with_the_virtual_card(tmp_path: Path) -> None:
    document = tmp_path / "contract.txt"
    document.write_bytes(b"I agree.\n")
    root = tmp_path / "root.pem"
    example = Path(__file__).resolve().parents[2] / "examples" / "sign_file_cms.py"
    done = subprocess.run(
        [sys.executable, str(example), str(document), "--virtual", "1.8", "--write-root", str(root)],
        input="1234\n", capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    signature = (tmp_path / "contract.txt.p7s").read_bytes()
    result = openssl_verify(tmp_path, signature, document, root.read_bytes())
    assert result.returncode == 0, result.stderr


@pytest.mark.softhsm
class TestCardCommandsOverPkcs11:
    """The card helper's commands (``pin``, ``sign``, ``certs``, ``read``, ``photo``) with ``--pkcs11``."""

    def test_pin_status(self, softhsm: SoftHsm, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
        code, out, err = run(["--json", "--pkcs11", softhsm.module, "pin", "status"], capsys, monkeypatch)
        assert code == 0, err
        report = json.loads(out)
        assert (report["pin_tries_left"], report["blocked"], report["command"]) == (None, False, "pin status")

    # eid sign never uses the authentication key (tests/cli/test_card_commands.py: test_sign_refuses_...)
    @pytest.mark.parametrize(("key", "certificate"), [("signature", "signature")])
    def test_sign(self, softhsm: SoftHsm, tmp_path: Path, key: str, certificate: str,
                  capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        document = tmp_path / "data.bin"
        document.write_bytes(b"raw signature please")
        output = tmp_path / "data.sig"
        code, _, err = run(["--pkcs11", softhsm.module, "sign", str(document), "--key", key, "--pin-stdin",
                            "-o", str(output)], capsys, monkeypatch, stdin=USER_PIN + "\n")
        assert code == 0, err
        der = getattr(softhsm.tokens[RSA_TOKEN].certificates, certificate)
        public = x509.load_der_x509_certificate(der).public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(output.read_bytes(), document.read_bytes(), padding.PKCS1v15(), hashes.SHA256())

    def test_certs_with_the_test_root(self, softhsm: SoftHsm, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        root = tmp_path / "root.pem"
        root.write_bytes(softhsm.pki.root.pem)
        code, out, err = run(["--pkcs11", softhsm.module, "certs", "--json", "--trust", str(root),
                              "--out", str(tmp_path / "certs")], capsys, monkeypatch)
        rows = {row["slot"]: row for row in json.loads(out)["certificates"]}
        for slot in ("authentication", "signature", "ca", "root"):
            assert rows[slot]["valid"], rows[slot]
        # the RRN certificate data object is commons-eid's, issued under another test root
        assert not rows["rrn"]["valid"] and code == 1, err
        assert (tmp_path / "certs" / "authentication.der").read_bytes() == (
            softhsm.tokens[RSA_TOKEN].certificates.authentication
        )

    def test_read_and_photo(self, softhsm: SoftHsm, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
        code, out, err = run(["--pkcs11", softhsm.module, "read", "--json"], capsys, monkeypatch)
        assert code == 0, err
        assert json.loads(out)["identity"]["firstnames"] == "Alice Geldigekaart"
        # The module's signed data objects are checked like the card's own files.
        assert json.loads(out)["integrity"]["valid"] is True
        photo = tmp_path / "photo.jpg"
        code, _, err = run(["--pkcs11", softhsm.module, "photo", "-o", str(photo)], capsys, monkeypatch)
        assert code == 0, err
        assert photo.read_bytes() == (CONSUMER / "test-photo.jpg").read_bytes()
