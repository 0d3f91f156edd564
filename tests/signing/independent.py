"""Independent verifiers: poppler's pdfsig (NSS), ``openssl cms -verify`` and ``openssl ts -verify``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.signing.world import SigningWorld


@dataclass(frozen=True)
class PdfsigResult:
    """pdfsig's text, split per signature."""

    output: str
    signatures: tuple[str, ...]

    def valid_and_trusted(self, index: int = 0) -> bool:
        """Signature ``index`` reads "Signature is Valid." and "Certificate is Trusted."."""
        block = self.signatures[index]
        return "Signature Validation: Signature is Valid." in block and "Certificate is Trusted." in block


def pdfsig(world: SigningWorld, pdf: bytes, directory: Path) -> PdfsigResult:
    """Run pdfsig with the world's NSS database while its OCSP responder runs (see browser-and-tls.md)."""
    path = directory / "pdfsig-input.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", "-nssdir", world.nss_dir, str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    text = done.stdout + done.stderr
    blocks = tuple(part for part in text.split("Signature #")[1:])
    return PdfsigResult(text, blocks)


def openssl_cms_verify(world: SigningWorld, signature: Path, content: Path) -> subprocess.CompletedProcess[str]:
    """``openssl cms -verify`` of a detached DER signature over ``content`` with the world's root."""
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature), "-content", str(content),
         "-CAfile", str(world.root_pem_path), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, timeout=60, check=False,
    )


def openssl_ts_verify(world: SigningWorld, token: Path, digest: bytes) -> subprocess.CompletedProcess[str]:
    """``openssl ts -verify`` of a DER TimeStampToken (a CMS ContentInfo) over ``digest``."""
    return subprocess.run(
        ["openssl", "ts", "-verify", "-token_in", "-in", str(token), "-digest", digest.hex(),
         "-CAfile", str(world.root_pem_path), "-untrusted", str(world.tsa.directory / "tsa.pem")],
        capture_output=True, text=True, timeout=60, check=False,
    )
