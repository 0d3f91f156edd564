"""Verification of the server's certificate: a path to the configured or system anchors, and the host name.

Done with ``cryptography``'s RFC 5280 / CA/B path builder (:mod:`cryptography.x509.verification`), at the
moment the server's Certificate message arrives, so a server that fails it never sees the card's
certificate or signature.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from eidlib.tls.adapter import load_der_certificate
from eidlib.tls.errors import ServerCertificateError

#: Where Debian keeps the system's CA bundle (used when ``ssl`` reports no default file).
DEBIAN_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class ServerTrust:
    """The anchors a server certificate must chain to (``cryptography`` certificates, PEM or DER bytes)."""

    def __init__(self, anchors: Iterable[x509.Certificate | bytes]) -> None:
        self._anchors = [_load(a) for a in anchors]
        if not self._anchors:
            raise ServerCertificateError("no trust anchors for the server certificate")
        self._store = Store(self._anchors)

    @classmethod
    def system(cls) -> ServerTrust:
        """The operating system's CA bundle."""
        path = ssl.get_default_verify_paths().cafile
        bundle = Path(path) if path else DEBIAN_BUNDLE
        return cls.from_pem_file(bundle)

    @classmethod
    def from_pem_file(cls, path: str | Path) -> ServerTrust:
        """Every certificate of a PEM file (a CA bundle or a single test CA)."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ServerCertificateError(f"cannot read the CA file {path}: {exc.strerror}") from exc
        try:
            with warnings.catch_warnings():
                # System bundles still hold a few old roots with non-positive serials: usable anchors.
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                return cls(x509.load_pem_x509_certificates(data))
        except ValueError as exc:
            raise ServerCertificateError(f"{path} holds no valid PEM certificate") from exc

    def verify(self, chain: Sequence[bytes], host: str, *, now: dt.datetime | None = None) -> x509.Certificate:
        """Check the server's DER chain (leaf first) for ``host``; return the leaf or raise."""
        if not chain:
            raise ServerCertificateError("the server sent no certificate")
        try:
            leaf = load_der_certificate(chain[0])
            intermediates = [load_der_certificate(c) for c in chain[1:]]
        except ValueError as exc:
            raise ServerCertificateError("the server's certificate cannot be parsed") from exc
        builder = PolicyBuilder().store(self._store)
        if now is not None:
            builder = builder.time(now)
        try:
            verifier = builder.build_server_verifier(_subject(host))
            verifier.verify(leaf, intermediates)
        except (VerificationError, ValueError) as exc:
            raise ServerCertificateError(f"the server certificate is not valid for {host}: {exc}") from exc
        return leaf


def _subject(host: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _load(anchor: x509.Certificate | bytes) -> x509.Certificate:
    if isinstance(anchor, x509.Certificate):
        return anchor
    try:
        if anchor.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(anchor)
        return load_der_certificate(anchor)
    except ValueError as exc:
        raise ServerCertificateError("a trust anchor is not a PEM or DER certificate") from exc
