"""Where PKCS#11 modules for the Belgian eID live, and finding one when the caller names none.

Order: the ``EIDLIB_PKCS11_MODULE`` environment variable, then the official module (libbeidpkcs11,
eid-mw) at its usual install paths, then OpenSC's module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from eidlib.pkcs11.errors import Pkcs11ModuleNotFound

#: Environment variable naming the module to use; wins over every install path.
MODULE_ENV = "EIDLIB_PKCS11_MODULE"

_LINUX_LIBDIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib/arm-linux-gnueabihf",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
)

#: Candidate paths per platform family, official module first, then OpenSC.
INSTALL_PATHS: Mapping[str, tuple[str, ...]] = {
    "linux": (
        *(f"{d}/libbeidpkcs11.so.0" for d in _LINUX_LIBDIRS),
        *(f"{d}/libbeidpkcs11.so" for d in _LINUX_LIBDIRS),
        *(f"{d}/opensc-pkcs11.so" for d in _LINUX_LIBDIRS),
        *(f"{d}/pkcs11/opensc-pkcs11.so" for d in _LINUX_LIBDIRS),
    ),
    "darwin": (
        "/Library/Belgium Identity Card/Pkcs11/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
        "/usr/local/lib/libbeidpkcs11.dylib",
        "/Library/OpenSC/lib/opensc-pkcs11.so",
        "/opt/homebrew/lib/opensc-pkcs11.so",
        "/usr/local/lib/opensc-pkcs11.so",
    ),
    "win32": (
        r"C:\Windows\System32\beidpkcs11.dll",
        r"C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll",
        r"C:\Program Files (x86)\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll",
    ),
}


def candidate_paths(platform: str | None = None) -> tuple[str, ...]:
    """The install paths tried for ``platform`` (``sys.platform`` by default), in order."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return INSTALL_PATHS["linux"]
    if platform == "darwin":
        return INSTALL_PATHS["darwin"]
    if platform in ("win32", "cygwin"):
        return INSTALL_PATHS["win32"]
    return ()


def find_module(
    *,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    exists: Callable[[str], bool] = os.path.isfile,
) -> str:
    """The path of the PKCS#11 module to use; raises :class:`Pkcs11ModuleNotFound` listing what was tried.

    A path in ``EIDLIB_PKCS11_MODULE`` is used as given (a missing file is reported, not skipped over:
    the user asked for that one).
    """
    environ = os.environ if environ is None else environ
    named = environ.get(MODULE_ENV, "").strip()
    if named:
        if exists(named):
            return named
        raise Pkcs11ModuleNotFound([f"{named} (from {MODULE_ENV})"])
    tried = candidate_paths(platform)
    for path in tried:
        if exists(path):
            return path
    raise Pkcs11ModuleNotFound(tried)
