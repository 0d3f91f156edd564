"""The top-level API as a user sees it: real types for their mypy, every name importable, a cheap import."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import eidlib

ROOT = Path(__file__).resolve().parents[1]

USAGE = '''\
from __future__ import annotations

import eidlib
from eidlib.pkcs11 import Pkcs11Token, open_token


def describe(card: eidlib.BeidCard) -> str:
    identity: eidlib.Identity = card.read_identity()
    address: eidlib.Address = card.read_address()
    data: eidlib.CardData = card.card_data()
    return f"{identity.firstnames} {identity.surname}, {address.municipality} ({data.applet_version})"


def log_in(token: eidlib.Token, challenge: str) -> eidlib.AuthToken:
    return eidlib.authenticate(bytearray(b"1234"), challenge=challenge, origin="https://example.org", token=token)


def sign_both(card: eidlib.BeidCard, pkcs11: Pkcs11Token) -> list[bytes]:
    tokens: list[eidlib.Token] = [card, pkcs11]
    return [t.sign(b"data", key=eidlib.KeyRole.SIGNATURE, padding="pss", pin=b"1234") for t in tokens]


def main() -> None:
    with eidlib.open_card(virtual="1.8") as card, open_token() as pkcs11:
        print(describe(card), len(sign_both(card, pkcs11)), card.pin_entry is eidlib.PinEntry.PINPAD)
        result: eidlib.IntegrityResult = card.verify_integrity()
        print(result.hash_algorithm, eidlib.VirtualCard("1.7"))
    try:
        eidlib.open_card(reader="none")
    except (eidlib.NoCardError, eidlib.PinBlocked, eidlib.CardDataError) as exc:
        print(isinstance(exc, eidlib.EidError))
'''

MISTAKES = '''
def mistakes(card: eidlib.BeidCard, token: eidlib.Token) -> None:
    card.read_identiti()
    token.sign(b"data", key="signatur")
    eidlib.open_card(virtual=1.8)
'''


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "usage.py"
    script.write_text(source, encoding="utf-8")
    # The venv holds eidlib as an editable install that mypy cannot follow: point it at the source tree,
    # and report errors in the user's file only, as mypy does for an installed package.
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), str(script)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False,
    )


def test_users_mypy_sees_real_types(tmp_path: Path) -> None:
    good = _mypy(tmp_path, USAGE)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = _mypy(tmp_path, USAGE + MISTAKES)
    assert bad.returncode == 1
    assert '"BeidCard" has no attribute "read_identiti"' in bad.stdout
    assert "Literal['signatur']" in bad.stdout  # neither a KeyRole nor one of its strings
    assert 'Argument "virtual" to "open_card" has incompatible type "float"' in bad.stdout
    assert bad.stdout.count("error:") == 3, bad.stdout


def _type_checking_imports() -> dict[str, str]:
    """name -> module of the imports under ``if TYPE_CHECKING:`` in eidlib/__init__.py."""
    tree = ast.parse((ROOT / "eidlib" / "__init__.py").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module is not None
                for alias in stmt.names:
                    assert alias.asname == alias.name, "an explicit re-export (X as X) for mypy --strict"
                    found[alias.name] = stmt.module
    return found


def test_lazy_names_and_typed_names_agree() -> None:
    exports = eidlib._EXPORTS
    assert _type_checking_imports() == exports
    for name in eidlib.__all__:
        assert getattr(eidlib, name) is not None


@pytest.mark.parametrize("name", ["open_card", "BeidCard", "Identity", "authenticate", "Token", "PinBlocked"])
def test_names_come_from_their_one_home(name: str) -> None:
    value = getattr(eidlib, name)
    assert value.__module__ == eidlib._EXPORTS[name]


def test_unknown_name() -> None:
    with pytest.raises(AttributeError):
        eidlib.no_such_name  # noqa: B018


def test_import_eidlib_is_cheap() -> None:
    code = (
        "import sys, eidlib; "
        "heavy = [m for m in ('eidlib.card', 'eidlib.emulator', 'eidlib.auth', 'cryptography', 'smartcard') "
        "if m in sys.modules]; print(eidlib.__version__); sys.exit(bool(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == eidlib.__version__


def test_version_matches_the_package_metadata() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == eidlib.__version__
