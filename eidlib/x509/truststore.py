"""Trust anchors: the Belgian roots shipped with eidlib, or any set of certificates you choose."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Iterator
from importlib import resources

from cryptography import x509

from eidlib.x509.certificate import CardCertificate, CertificateInput, parse_certificate
from eidlib.x509.errors import CertificateError

_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def load_certificates(data: bytes) -> list[CardCertificate]:
    """Every certificate in ``data``: one or more PEM blocks, or a single DER certificate."""
    if _PEM_BEGIN not in data:
        return [parse_certificate(data)]
    certs: list[CardCertificate] = []
    start = data.find(_PEM_BEGIN)
    while start >= 0:
        end = data.find(_PEM_END, start)
        if end < 0:
            raise CertificateError("unterminated PEM certificate block")
        certs.append(parse_certificate(data[start : end + len(_PEM_END)]))
        start = data.find(_PEM_BEGIN, end)
    return certs


class TrustStore:
    """An immutable set of trust anchors (duplicates by DER are dropped, order kept).

    Anchors are matched by subject and key during path building, so two issues of one root
    (Belgium Root CA4 exists twice with one key) both work. Expired anchors stay in the store;
    chain validation refuses any path that ends in an anchor not valid at the validation time.
    """

    def __init__(self, certificates: Iterable[CertificateInput]) -> None:
        seen: set[bytes] = set()
        anchors: list[CardCertificate] = []
        for item in certificates:
            cert = parse_certificate(item)
            if cert.der not in seen:
                seen.add(cert.der)
                anchors.append(cert)
        self._anchors = tuple(anchors)

    @classmethod
    def belgium(cls) -> TrustStore:
        """The Belgian eID roots: Belgium Root CA, CA2 (expired), CA3, CA4 (both issues), CA6.

        Loaded from the package data once per process (the store is immutable).
        """
        return cls(_belgian_roots())

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> TrustStore:
        """Every ``*.pem``/``*.crt``/``*.cer``/``*.der`` file in ``path`` (not recursive)."""
        folder = os.fspath(path)
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            raise CertificateError(f"cannot read trust directory {folder}: {exc.strerror}") from exc
        certs: list[CardCertificate] = []
        for name in names:
            full = os.path.join(folder, name)
            if name.lower().endswith(_CERT_SUFFIXES) and os.path.isfile(full):
                certs += _read_file(full)
        if not certs:
            raise CertificateError(f"no certificates in trust directory {folder}")
        return cls(certs)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> TrustStore:
        """A certificate file (PEM with one or more blocks, or DER) or a directory of them."""
        if os.path.isdir(path):
            return cls.from_directory(path)
        return cls(_read_file(os.fspath(path)))

    @property
    def anchors(self) -> tuple[CardCertificate, ...]:
        """The trust anchors, in insertion order."""
        return self._anchors

    def x509_certificates(self) -> list[x509.Certificate]:
        """The anchors as ``cryptography`` certificates."""
        return [a.certificate for a in self._anchors]

    def valid_at(self, when: dt.datetime) -> tuple[CardCertificate, ...]:
        """The anchors valid at ``when``."""
        return tuple(a for a in self._anchors if a.is_valid_at(when))

    def issuers_of(self, cert: CertificateInput) -> tuple[CardCertificate, ...]:
        """Anchors whose subject is ``cert``'s issuer name."""
        target = parse_certificate(cert).certificate.issuer
        return tuple(a for a in self._anchors if a.certificate.subject == target)

    def __contains__(self, cert: object) -> bool:
        if not isinstance(cert, (CardCertificate, x509.Certificate, bytes, bytearray, memoryview, str)):
            return False
        try:
            der = parse_certificate(cert).der
        except CertificateError:
            return False
        return any(a.der == der for a in self._anchors)

    def __iter__(self) -> Iterator[CardCertificate]:
        return iter(self._anchors)

    def __len__(self) -> int:
        return len(self._anchors)

    def __repr__(self) -> str:
        return f"TrustStore({[a.common_name for a in self._anchors]!r})"


@functools.lru_cache(maxsize=1)
def _belgian_roots() -> tuple[CardCertificate, ...]:
    folder = resources.files("eidlib.x509").joinpath("roots")
    certs: list[CardCertificate] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(_CERT_SUFFIXES):
            certs += load_certificates(entry.read_bytes())
    return tuple(certs)


def _read_file(path: str) -> list[CardCertificate]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CertificateError(f"cannot read certificate file {path}: {exc.strerror}") from exc
    try:
        return load_certificates(data)
    except CertificateError as exc:
        raise CertificateError(f"{path}: {exc}") from exc
