"""Native messaging manifests for Chromium, Chrome and Firefox: install, uninstall, check.

A manifest ``eu.webeid.json`` names the host program (absolute path) and the extensions allowed to
start it: the official Web eID extension ids of the Chrome Web Store / unpacked build for
Chromium-based browsers, the add-on id for Firefox. The program is a small launcher script written
next to it by :func:`install` (a manifest cannot pass arguments), which runs ``python -m eidlib.cli.main webeid-host``
with the interpreter eidlib is installed in. Every file is written atomically.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from eidlib.webeid.errors import WebEidHostError

HOST_NAME = "eu.webeid"
#: Extension ids web-eid-app allows (Chrome Web Store id and the id of the official unpacked build).
CHROME_ORIGINS = (
    "chrome-extension://gnmckgbandlkacikdndelhfghdejfido/",
    "chrome-extension://ncibgoaomkmdpilpocfeponihegamlic/",
)
FIREFOX_EXTENSIONS = ("{e68418bc-f2b0-4459-a9ea-3e72b6751b07}",)

Browser = Literal["chromium", "chrome", "firefox"]
Scope = Literal["user", "system"]
BROWSERS: tuple[Browser, ...] = ("chromium", "chrome", "firefox")

#: Manifest folders: per user (under $HOME) and system wide.
_USER_DIRS: dict[str, str] = {
    "chromium": ".config/chromium/NativeMessagingHosts",
    "chrome": ".config/google-chrome/NativeMessagingHosts",
    "firefox": ".mozilla/native-messaging-hosts",
}
_SYSTEM_DIRS: dict[str, str] = {
    "chromium": "etc/chromium/native-messaging-hosts",
    "chrome": "etc/opt/chrome/native-messaging-hosts",
    "firefox": "usr/lib/mozilla/native-messaging-hosts",
}
#: Where the launcher goes: per user under $XDG_DATA_HOME (default ~/.local/share), or system wide.
_SYSTEM_LAUNCHER = "usr/local/lib/eidlib/webeid-host"


class ManifestError(WebEidHostError):
    """A manifest or launcher could not be written, removed or read."""


@dataclass(frozen=True)
class Location:
    """Where one browser's manifest lives for one scope."""

    browser: Browser
    scope: Scope
    path: Path


@dataclass(frozen=True)
class ManifestStatus:
    """What :func:`check` found at one location."""

    location: Location
    installed: bool
    host_path: str | None = None
    host_executable: bool = False
    allowed: tuple[str, ...] = ()
    problem: str | None = None


def manifest_dir(browser: Browser, scope: Scope, *, home: Path | None = None, root: Path = Path("/")) -> Path:
    """The folder holding ``browser``'s native messaging manifests for ``scope``."""
    if scope == "user":
        return (home or Path.home()) / _USER_DIRS[browser]
    return root / _SYSTEM_DIRS[browser]


def launcher_path(scope: Scope, *, home: Path | None = None, root: Path = Path("/")) -> Path:
    """Where :func:`install` puts the launcher script for ``scope``."""
    if scope == "user":
        data_home = os.environ.get("XDG_DATA_HOME")
        base = Path(data_home) if data_home and home is None else (home or Path.home()) / ".local/share"
        return base / "eidlib/webeid-host"
    return root / _SYSTEM_LAUNCHER


def manifest_for(browser: Browser, host_path: Path, *, extra_origins: Iterable[str] = ()) -> dict[str, Any]:
    """The manifest object for ``browser`` (Chromium/Chrome: ``allowed_origins``; Firefox:
    ``allowed_extensions``), allowing the official extension plus ``extra_origins``."""
    manifest: dict[str, Any] = {
        "name": HOST_NAME,
        "description": "Web eID native application (eidlib, Belgian eID)",
        "path": str(host_path),
        "type": "stdio",
    }
    if browser == "firefox":
        manifest["allowed_extensions"] = [*FIREFOX_EXTENSIONS, *extra_origins]
    else:
        manifest["allowed_origins"] = [*CHROME_ORIGINS, *extra_origins]
    return manifest


def write_manifest(directory: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``directory/eu.webeid.json`` atomically; returns its path."""
    path = directory / f"{HOST_NAME}.json"
    _write_atomic(path, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"), mode=0o644)
    return path


def write_launcher(path: Path, *, python: str | None = None, arguments: Iterable[str] = ()) -> Path:
    """Write an executable ``/bin/sh`` launcher that runs ``python -m eidlib.cli.main webeid-host``."""
    words = [python or sys.executable, "-m", "eidlib.cli.main", "webeid-host", *arguments]
    script = "#!/bin/sh\nexec " + " ".join(_sh_quote(w) for w in words) + ' "$@"\n'
    _write_atomic(path, script.encode("utf-8"), mode=0o755)
    return path


def install(
    browsers: Iterable[Browser] = BROWSERS,
    scope: Scope = "user",
    *,
    home: Path | None = None,
    root: Path = Path("/"),
    extra_origins: Iterable[str] = (),
) -> list[Path]:
    """Write the launcher and one manifest per browser; returns the files written."""
    launcher = write_launcher(launcher_path(scope, home=home, root=root))
    written = [launcher]
    extras = tuple(extra_origins)
    for browser in browsers:
        directory = manifest_dir(browser, scope, home=home, root=root)
        written.append(write_manifest(directory, manifest_for(browser, launcher, extra_origins=extras)))
    return written


def uninstall(
    browsers: Iterable[Browser] = BROWSERS, scope: Scope = "user", *, home: Path | None = None, root: Path = Path("/")
) -> list[Path]:
    """Remove the manifests (and the launcher when no browser of the scope uses it any more)."""
    removed: list[Path] = []
    for browser in browsers:
        path = manifest_dir(browser, scope, home=home, root=root) / f"{HOST_NAME}.json"
        if _remove(path):
            removed.append(path)
    launcher = launcher_path(scope, home=home, root=root)
    still_used = any(
        (manifest_dir(b, scope, home=home, root=root) / f"{HOST_NAME}.json").exists() for b in BROWSERS
    )
    if not still_used and _remove(launcher):
        removed.append(launcher)
    return removed


def check(
    browsers: Iterable[Browser] = BROWSERS,
    scopes: Iterable[Scope] = ("user", "system"),
    *,
    home: Path | None = None,
    root: Path = Path("/"),
) -> list[ManifestStatus]:
    """What is installed where, for every browser and scope asked."""
    out: list[ManifestStatus] = []
    for scope in scopes:
        for browser in browsers:
            path = manifest_dir(browser, scope, home=home, root=root) / f"{HOST_NAME}.json"
            out.append(_status(Location(browser, scope, path)))
    return out


def _status(location: Location) -> ManifestStatus:
    if not location.path.exists():
        return ManifestStatus(location, installed=False)
    try:
        data = json.loads(location.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return ManifestStatus(location, installed=True, problem=f"unreadable manifest: {exc}")
    if not isinstance(data, dict) or data.get("name") != HOST_NAME or not isinstance(data.get("path"), str):
        return ManifestStatus(location, installed=True, problem="not a eu.webeid manifest")
    host = str(data["path"])
    key = "allowed_extensions" if location.browser == "firefox" else "allowed_origins"
    allowed = tuple(str(v) for v in data.get(key, ()) if isinstance(v, str))
    executable = os.path.isabs(host) and os.access(host, os.X_OK)
    problem = None if executable else "the host program is missing or not executable"
    if not allowed:
        problem = f"no {key}"
    return ManifestStatus(location, True, host, executable, allowed, problem)


def _write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:
        raise ManifestError(f"cannot write {path}: {exc.strerror}") from exc


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ManifestError(f"cannot remove {path}: {exc.strerror}") from exc
    return True


def _sh_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"
