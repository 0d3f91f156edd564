"""The CLI's message catalogues: language from the locale, complete, and compiled from the .po files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eidlib.cli import i18n
from eidlib.cli.errors import describe
from eidlib.cli.pin_entry import tries_text
from eidlib.token.errors import PinBlocked

LOCALE = Path(i18n.__file__).parent / "locale"
CLI = Path(i18n.__file__).parent


@pytest.fixture(autouse=True)
def fresh_catalogue(monkeypatch: pytest.MonkeyPatch) -> object:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    i18n.reset()
    yield
    i18n.reset()


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "en"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "fr_BE.UTF-8"}, "fr"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_BE.UTF-8"}, "de"),
        ({"LANGUAGE": "it:fr", "LANG": "nl_BE.UTF-8"}, "fr"),
        ({"LANG": "it_IT.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
    ],
)
def test_language_comes_from_the_locale(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
                                        language: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert i18n.language() == language


@pytest.mark.parametrize(
    ("lang", "blocked", "two_tries"),
    [
        ("en_GB", "The PIN is blocked.", "2 tries left"),
        ("nl_BE", "De pincode is geblokkeerd.", "nog 2 pogingen"),
        ("fr_BE", "Le code PIN est bloqué.", "2 essais restants"),
        ("de_BE", "Die PIN ist gesperrt.", "noch 2 Versuche"),
    ],
)
def test_messages_in_four_languages(monkeypatch: pytest.MonkeyPatch, lang: str, blocked: str, two_tries: str) -> None:
    monkeypatch.setenv("LANG", f"{lang}.UTF-8")
    assert describe(PinBlocked()).message == blocked
    assert tries_text(2) == two_tries
    assert tries_text(1) != two_tries


def _msgids(po: str) -> set[str]:
    ids = set()
    for block in po.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if lines and lines[0].startswith("msgid "):
            ids.add(lines[0][len("msgid "):])
    return ids - {'""'}


def test_catalogues_cover_every_message_and_the_mo_files_are_current(tmp_path: Path) -> None:
    xgettext, msgfmt = shutil.which("xgettext"), shutil.which("msgfmt")
    assert xgettext and msgfmt, "gettext is in scripts/install-system-deps.sh test"
    pot = tmp_path / "eid.pot"
    sources = sorted(map(str, CLI.glob("*.py")))
    subprocess.run([xgettext, "--language=Python", "--keyword=_", "--keyword=N_", "--keyword=ngettext:1,2",
                    "--from-code=UTF-8", "--no-location", "--no-wrap", "-o", str(pot), *sources], check=True)
    wanted = _msgids(pot.read_text(encoding="utf-8"))
    assert len(wanted) > 100
    for language in i18n.LANGUAGES:
        po = LOCALE / language / "LC_MESSAGES" / "eid.po"
        missing = wanted - _msgids(po.read_text(encoding="utf-8"))
        assert not missing, f"{language}: messages without a translation: {sorted(missing)}"
        compiled = tmp_path / f"{language}.mo"
        subprocess.run([msgfmt, "--check", "-o", str(compiled), str(po)], check=True, capture_output=True)
        assert compiled.read_bytes() == (po.parent / "eid.mo").read_bytes(), f"run make catalogues ({language})"


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_translations_keep_every_placeholder(language: str) -> None:
    import gettext
    import re

    with open(LOCALE / language / "LC_MESSAGES" / "eid.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    po = (LOCALE / "en" / "LC_MESSAGES" / "eid.po").read_text(encoding="utf-8")
    checked = 0
    for raw in _msgids(po):
        msgid = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        translated = catalogue.gettext(msgid)
        assert translated, msgid
        assert sorted(re.findall(r"\{[^}]*\}", translated)) == sorted(re.findall(r"\{[^}]*\}", msgid)), msgid
        checked += 1
    assert checked > 100
