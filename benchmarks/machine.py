"""What the figures were measured on: CPU, cores, Python and the versions of the stack."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _tool_version(command: list[str]) -> str:
    """The first version number a tool prints, or ``"not found"``."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    match = _VERSION.search(done.stdout + done.stderr)
    return match.group(1) if match else "unknown"


def _load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_info() -> dict[str, str]:
    """CPU model, cores, load, OS, Python and the versions of cryptography, pyscard, PyKCS11,
    pcscd, OpenSC and SoftHSM2."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "load_average": _load_average(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "eidlib": _package("eidlib"),
        "cryptography": _package("cryptography"),
        "pyscard": _package("pyscard"),
        "PyKCS11": _package("PyKCS11"),
        "pcscd": _tool_version(["pcscd", "--version"]),
        "opensc": _tool_version(["opensc-tool", "--info"]),
        "softhsm2": _tool_version(["softhsm2-util", "--version"]),
    }
