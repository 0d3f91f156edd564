"""Output-path safety: checked before the card, atomic writes, ``-`` for stdin/stdout, no signature wasted."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from eidlib.card.session import BeidCard
from eidlib.cli.errors import FileProblem, InputFileProblem
from eidlib.cli.files import Output, check_output_folder, prepared_output, read_input
from eidlib.cli.main import main
from tests.card.virtual_cards import image
from tests.cli.contract import checked, error_of


class Stdout(io.TextIOWrapper):
    """A text stdout over a binary buffer, as the real one; ``data()`` is what was written to the buffer."""

    def __init__(self) -> None:
        self._bytes = io.BytesIO()
        super().__init__(self._bytes, encoding="utf-8")

    def data(self) -> bytes:
        return self._bytes.getvalue()


def test_output_checks_and_atomic_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileProblem, match="does not exist"):
        Output(str(tmp_path / "missing" / "x.bin"))
    with pytest.raises(FileProblem, match="is a folder"):
        Output(str(tmp_path))
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    with pytest.raises(FileProblem, match="already exists"):
        Output(str(target), overwrite=False)
    with prepared_output(str(target)) as output:
        temps = [p for p in tmp_path.iterdir() if p != target]
        assert len(temps) == 1 and temps[0].name.startswith(".x.bin.")  # reserved before the card is used
        output.commit(b"new")
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(FileProblem, match="No space left"), prepared_output(str(target)) as output:
        output.commit(b"half")
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


def test_output_folder_read_only_and_devices(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: the check then rightly passes
            Output(str(locked / "x")).discard()
        else:
            with pytest.raises(FileProblem, match="cannot write"):
                Output(str(locked / "x"))
    finally:
        locked.chmod(0o700)
    Output(os.devnull).commit(b"fine")  # a device: written directly, no rename
    with pytest.raises(FileProblem, match="does not exist"):
        check_output_folder(str(tmp_path / "new" / "sub"))  # a missing parent is never created
    assert check_output_folder(str(tmp_path / "new")) == tmp_path / "new" and not (tmp_path / "new").exists()
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(FileProblem, match="exists and is not a folder"):
        check_output_folder(str(tmp_path / "file"))


def test_read_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputFileProblem, match="no such file"):
        read_input(str(tmp_path / "nope"))
    with pytest.raises(InputFileProblem, match="is a folder"):
        read_input(str(tmp_path))
    stdin = io.StringIO()
    stdin.buffer = io.BytesIO(b"from stdin")  # type: ignore[misc]
    monkeypatch.setattr("sys.stdin", stdin)
    assert read_input("-") == b"from stdin"


@pytest.fixture
def card_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any command opens the card or signs."""
    def forbidden(*args: object, **kwargs: object) -> None:
        pytest.fail("the card was used although the output path is unusable")

    monkeypatch.setattr("eidlib.cli.source.open_source", forbidden)
    monkeypatch.setattr("eidlib.cli.card_commands.open_source", forbidden)
    monkeypatch.setattr(BeidCard, "sign", forbidden)


@pytest.mark.parametrize(
    "argv",
    [
        ["photo", "-o", "{tmp}/no/such/dir/p.jpg"],
        ["photo", "-o", "{tmp}"],
        ["sign", "--pin-stdin", "-o", "{tmp}/missing/doc.sig", "{tmp}/doc.txt"],
        ["sign", "--pin-stdin", "{tmp}/not-there.txt"],
        ["sign-cms", "--pin-stdin", "-o", "{tmp}/missing/doc.p7s", "{tmp}/doc.txt"],
        ["sign-cms", "--pin-stdin", "{tmp}/not-there.txt"],
        ["certs", "--out", "{tmp}/doc.txt"],
        ["certs", "--out", "{tmp}/new/folder"],  # only the last folder may be created
    ],
)
def test_unusable_paths_fail_before_the_card_is_touched(card_untouched: None, argv: list[str], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "doc.txt").write_bytes(b"to sign")
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    words = [w.format(tmp=tmp_path) for w in argv]
    code = main(["--json", "--virtual", "1.8", *words])
    error = error_of(capsys.readouterr().out, argv[0], "InputFileProblem" if "not-there" in argv[-1] else "FileProblem")
    assert code == 7 and "Traceback" not in error["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt"]  # nothing created, no partial file


def test_dash_is_stdin_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stdout = Stdout()
    monkeypatch.setattr("sys.stdout", stdout)
    assert main(["--virtual", "1.8", "photo", "-o", "-"]) == 0
    assert stdout.data() == image("1.8").files["3F00DF014035"]
    assert not (tmp_path / "-").exists() and not Path("-").exists()
    monkeypatch.setattr("sys.stdout", Stdout())
    assert main(["--json", "--virtual", "1.8", "photo", "-o", "-"]) == 2  # JSON and JPEG cannot share stdout
    stdin = io.StringIO("")
    stdin.buffer = io.BytesIO(b"signed from a pipe")  # type: ignore[misc]
    monkeypatch.setattr("sys.stdin", stdin)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "1234")
    stdout = Stdout()
    monkeypatch.setattr("sys.stdout", stdout)
    assert main(["--virtual", "1.8", "sign-cms", "-"]) == 0
    assert stdout.data()[:1] == b"\x30"  # a DER ContentInfo on stdout, not a file named "-"
    assert main(["--virtual", "1.8", "sign-cms", "--pin-stdin", "-"]) == 2  # PIN and document on one stdin


def test_certs_out_writes_into_an_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--virtual", "1.8", "certs", "--out", str(tmp_path)]) == 0
    written = checked(capsys.readouterr().out, "certs")["written"]
    assert sorted(Path(p).name for p in written) == sorted(p.name for p in tmp_path.iterdir())
    assert {"authentication.der", "signature.der", "root.der"} <= {Path(p).name for p in written}
