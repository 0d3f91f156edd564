"""CRLs for tests: build them with ``cryptography`` and serve them over loopback HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.ocsp import HttpReply, OcspTestServer, PrivateKey


def make_crl(
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    revoked: Iterable[int] = (),
    *,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    signing_key: PrivateKey | None = None,
) -> bytes:
    """A DER CRL of ``issuer`` listing ``revoked`` serials (revoked one day before ``this_update``).

    ``this_update`` defaults to five minutes ago, ``next_update`` to a day later.
    ``signing_key`` signs instead of ``issuer_key`` (for a bad-signature CRL).
    """
    start = this_update or dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=5)
    end = next_update or start + dt.timedelta(days=1)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(start)
        .next_update(end)
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for serial in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(start - dt.timedelta(days=1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    key = signing_key or issuer_key
    algorithm = hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


class CrlServer:
    """Serves ``routes`` (path -> CRL bytes) over GET on 127.0.0.1; other paths get 404.

    ``routes`` may be changed while running. ``url(path)`` gives the full URL; ``hits`` counts
    the requests per path. Use as a context manager.
    """

    def __init__(self, routes: Mapping[str, bytes] | None = None) -> None:
        self.routes: dict[str, bytes] = dict(routes or {})
        self.hits: dict[str, int] = {}
        self._server = OcspTestServer(self._handle)

    def _handle(self, method: str, path: str, body: bytes) -> HttpReply:
        self.hits[path] = self.hits.get(path, 0) + 1
        data = self.routes.get(path)
        if method != "GET" or data is None:
            return HttpReply(b"not found", status=404, content_type="text/plain")
        return HttpReply(data, content_type="application/pkix-crl")

    def url(self, path: str) -> str:
        """The URL of ``path`` (which starts with ``/``)."""
        return self._server.url.rstrip("/") + path

    def __enter__(self) -> CrlServer:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.stop()
