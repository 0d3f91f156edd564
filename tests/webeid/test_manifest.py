"""``eid webeid-host --install / --uninstall / --check`` in a temporary HOME and root, never the machine's."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.main import main
from eidlib.webeid.manifest import CHROME_ORIGINS, FIREFOX_EXTENSIONS, HOST_NAME, check, install, uninstall
from tests.cli.contract import checked
from tests.webeid.driver import frame, unframe

USER_PATHS = {
    "chromium": ".config/chromium/NativeMessagingHosts/eu.webeid.json",
    "chrome": ".config/google-chrome/NativeMessagingHosts/eu.webeid.json",
    "firefox": ".mozilla/native-messaging-hosts/eu.webeid.json",
}
SYSTEM_PATHS = {
    "chromium": "etc/chromium/native-messaging-hosts/eu.webeid.json",
    "chrome": "etc/opt/chrome/native-messaging-hosts/eu.webeid.json",
    "firefox": "usr/lib/mozilla/native-messaging-hosts/eu.webeid.json",
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return home


def test_user_install_writes_manifests_with_the_official_ids_and_a_working_launcher(home: Path) -> None:
    install()
    for browser, relative in USER_PATHS.items():
        manifest = json.loads((home / relative).read_text())
        assert manifest["name"] == HOST_NAME and manifest["type"] == "stdio"
        if browser == "firefox":
            assert manifest["allowed_extensions"] == ["{e68418bc-f2b0-4459-a9ea-3e72b6751b07}"]
        else:
            assert manifest["allowed_origins"] == [
                "chrome-extension://gnmckgbandlkacikdndelhfghdejfido/",
                "chrome-extension://ncibgoaomkmdpilpocfeponihegamlic/",
            ]
        launcher = Path(manifest["path"])
        assert launcher.is_absolute() and os.access(launcher, os.X_OK) and launcher.is_relative_to(home)
    # The launcher is what the browser starts: it must answer the version message and quit like the host.
    done = subprocess.run([manifest["path"], "chrome-extension://gnmckgbandlkacikdndelhfghdejfido/"],
                          input=frame({"command": "quit", "arguments": {}}), capture_output=True, timeout=60,
                          check=False)
    messages = unframe(done.stdout)
    assert "version" in messages[0] and messages[1:] == [{}]
    assert all(s.installed and s.problem is None for s in check(scopes=("user",)))


def test_system_install_under_a_root_and_uninstall(tmp_path: Path, home: Path) -> None:
    root = tmp_path / "root"
    install(("chromium", "firefox"), "system", root=root)
    assert (root / SYSTEM_PATHS["chromium"]).exists() and (root / SYSTEM_PATHS["firefox"]).exists()
    assert not (root / SYSTEM_PATHS["chrome"]).exists()
    status = {(s.location.browser, s.location.scope): s for s in check(scopes=("system",), root=root)}
    assert status["chromium", "system"].allowed == CHROME_ORIGINS
    assert status["firefox", "system"].allowed == FIREFOX_EXTENSIONS
    assert not status["chrome", "system"].installed
    removed = uninstall(("chromium",), "system", root=root)
    assert removed == [root / SYSTEM_PATHS["chromium"]]
    assert (root / "usr/local/lib/eidlib/webeid-host").exists()  # firefox still uses the launcher
    uninstall(("firefox",), "system", root=root)
    assert not (root / "usr/local/lib/eidlib/webeid-host").exists()
    assert not any(s.installed for s in check(scopes=("system",), root=root))


def test_cli_install_check_uninstall(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["webeid-host", "--install", "--browser", "chromium", "--user",
                 "--extension-id", "chrome-extension://aacgpbgbeehciecceadabgjhjjinnbam/"]) == 0
    manifest = json.loads((home / USER_PATHS["chromium"]).read_text())
    assert manifest["allowed_origins"][-1] == "chrome-extension://aacgpbgbeehciecceadabgjhjjinnbam/"
    assert not (home / USER_PATHS["firefox"]).exists()
    capsys.readouterr()
    assert main(["--json", "webeid-host", "--check", "--user"]) == 0
    document = checked(capsys.readouterr().out, "webeid-host")
    installed = {m["browser"] for m in document["manifests"] if m["installed"]}
    assert document["action"] == "check" and installed == {"chromium"}
    assert main(["webeid-host", "--check", "--user"]) == 0
    out = capsys.readouterr().out
    assert "chromium  user" in out and "installed, host" in out and "firefox   user" in out and "not installed" in out
    assert main(["webeid-host", "--uninstall", "--browser", "chromium"]) == 0
    assert not (home / USER_PATHS["chromium"]).exists()
    assert main(["webeid-host", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_check_reports_a_broken_manifest(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / USER_PATHS["chrome"]
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"name": HOST_NAME, "path": "/nonexistent/host", "allowed_origins": ["x"]}))
    assert main(["webeid-host", "--check", "--user", "--browser", "chrome"]) == ExitCode.INVALID
    assert "BROKEN" in capsys.readouterr().out
    path.write_text("{not json")
    assert main(["webeid-host", "--check", "--user", "--browser", "chrome", "--json"]) == ExitCode.INVALID
    (status,) = checked(capsys.readouterr().out, "webeid-host")["manifests"]
    assert status["installed"] and "unreadable" in status["problem"]


def test_install_into_an_unwritable_place_is_a_clear_error(tmp_path: Path, home: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["webeid-host", "--install", "--system", "--root", str(blocker)]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert not list(tmp_path.glob("**/.eu.webeid.json.*"))  # no half-written file left behind

