"""Headful Chromium under Xvfb with OpenSC in its NSS database, for the login-host browser test.

Chromium runs in a private mount namespace (``unshare -m``) over a copy of ``/etc/chromium``, so the
machine's configuration is never changed. Either the user confirms the certificate in Chromium's "Select a
certificate" dialog (the whole journey), or the copy carries the ``AutoSelectCertificateForUrls`` policy
that picks it for the login host (the direct login test).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#: A directory: the journey's step screenshots go there (``EIDLIB_PORTAL_SCREENSHOTS=docs/portal``).
SHOTS_VARIABLE = "EIDLIB_PORTAL_SCREENSHOTS"
#: Tells the Chromium run to confirm the certificate in Chromium's dialog.
CONFIRM_VARIABLE = "EIDLIB_CONFIRM_CERTIFICATE"
#: Tells the Chromium run where Xvfb keeps its screen.
FRAMEBUFFER_VARIABLE = "EIDLIB_XVFB_FRAMEBUFFER"
REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def xvfb(fbdir: Path | None = None) -> Iterator[str]:
    """A private X display (the number Xvfb picks itself); stopped by PID. With ``fbdir`` the screen is
    also kept in ``fbdir/Xvfb_screen0`` (an XWD image: screenshots that include native dialogs)."""
    read_end, write_end = os.pipe()
    extra = ["-fbdir", str(fbdir)] if fbdir is not None else []
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0",
                                "1280x1024x24", *extra], pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def nss_home(home: Path, server_ca: Path) -> None:
    """An NSS database under ``home`` loading OpenSC's module and trusting the test server CA."""
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True)
    run = {"check": True, "capture_output": True, "timeout": 60}
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], **run)  # type: ignore[call-overload]
    subprocess.run(["modutil", "-dbdir", f"sql:{db}", "-add", "OpenSC", "-libfile", OPENSC, "-force"],
                   **run)  # type: ignore[call-overload]
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "eidlib test server CA", "-t", "C,,", "-i",
                    str(server_ca)], **run)  # type: ignore[call-overload]


def policy_copy(workdir: Path, login_origin: str, *, auto_select: bool = True) -> Path:
    """A copy of /etc/chromium; with ``auto_select`` the managed policy that picks the eID certificate for
    the login host (else the user confirms it in Chromium's "Select a certificate" dialog)."""
    etc = workdir / "etc-chromium"
    if Path("/etc/chromium").is_dir():
        shutil.copytree("/etc/chromium", etc, symlinks=True)
    managed = etc / "policies" / "managed"
    managed.mkdir(parents=True, exist_ok=True)
    if auto_select:
        rule = json.dumps({"pattern": login_origin, "filter": {}})
        (managed / "eidlib-test.json").write_text(json.dumps({"AutoSelectCertificateForUrls": [rule]}))
    return etc


def chromium_login(workdir: Path, *, url: str, login_origin: str, expect: str, pin: str, server_ca: Path,
                   resolver_rules: str, opensc_conf: Path, timeout: float = 120.0, portal: str = "",
                   confirm_certificate: bool = False) -> dict[str, object]:
    """Run ``tests.tls.chromium_login`` in a private mount namespace; return its JSON result.

    With ``portal`` the run starts at that portal's language page and walks to the login host's link;
    with ``confirm_certificate`` the certificate is confirmed in Chromium's dialog (no policy picks it).
    """
    home = workdir / "home"
    nss_home(home, server_ca)
    etc = policy_copy(workdir, login_origin, auto_select=not confirm_certificate)
    shots = os.environ.get(SHOTS_VARIABLE)  # step screenshots only when asked for (README images)
    with xvfb(workdir if shots else None) as display:
        env = dict(os.environ, HOME=str(home), DISPLAY=display, OPENSC_CONF=str(opensc_conf),
                   PYTHONPATH=str(REPO))
        if confirm_certificate:
            env[CONFIRM_VARIABLE] = "1"
        if shots:
            env[FRAMEBUFFER_VARIABLE] = str(workdir / "Xvfb_screen0")
            env[SHOTS_VARIABLE] = str(Path(shots).resolve())
        script = (f'mount --bind "{etc}" /etc/chromium && exec "{sys.executable}" -m tests.tls.chromium_login '
                  '"$@"')
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", url, expect, pin,
             resolver_rules, *([portal] if portal else [])],
            capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO, check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"the Chromium run printed no result: {done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(lines[-1])
    return result
