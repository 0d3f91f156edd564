"""The real ``openssl cms -verify`` binary, as a verifier of the CMS signatures eidlib makes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def openssl_verify(
    tmp_path: Path, signature: bytes, content: Path, root_pem: bytes, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``openssl cms -verify`` of a detached DER signature over ``content``, trusting ``root_pem``."""
    sig = tmp_path / "sig.p7s"
    sig.write_bytes(signature)
    root = tmp_path / "root.pem"
    root.write_bytes(root_pem)
    return subprocess.run(
        [OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(sig), "-content", str(content),
         "-CAfile", str(root), "-out", "/dev/null", *extra],
        capture_output=True, text=True, timeout=30, check=False,
    )
