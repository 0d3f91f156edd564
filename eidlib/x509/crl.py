"""CRL revocation check, meant for intermediates (Citizen/Foreigner CA) as eID Viewer does.

A downloaded CRL is checked (issuer name, signature with the issuer's key, cRLSign, thisUpdate and
nextUpdate window) and cached until its nextUpdate. Every failure raises a
:class:`~eidlib.x509.errors.RevocationError`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection
from dataclasses import dataclass

from cryptography import x509

from eidlib.x509.certificate import X509_PARSE_ERRORS, CardCertificate, CertificateInput, as_utc, parse_certificate
from eidlib.x509.errors import (
    CertificateRevoked,
    CrlInvalid,
    CrlNoDistributionPoint,
    CrlUnavailable,
    CrlUrlNotAllowed,
    RevocationError,
)
from eidlib.x509.fetch import BELGIAN_CRL_HOSTS, FetchError, HttpClient, UrllibHttpClient, url_host_allowed

DEFAULT_TIMEOUT = 10.0
DEFAULT_SKEW = dt.timedelta(minutes=15)
_MAX_CRL = 64 * 1024 * 1024
_PEM_CRL = b"-----BEGIN X509 CRL-----"


@dataclass(frozen=True)
class CrlResult:
    """``serial_number`` is not on the CRL at ``url`` (valid ``this_update`` .. ``next_update``)."""

    serial_number: int
    url: str
    this_update: dt.datetime
    next_update: dt.datetime
    from_cache: bool


class CrlCache:
    """Verified CRLs keyed by (URL, issuer key), kept until their nextUpdate. Thread-safe."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, bytes], x509.CertificateRevocationList] = {}
        self._lock = threading.Lock()

    def get(self, url: str, issuer: x509.Certificate, now: dt.datetime) -> x509.CertificateRevocationList | None:
        """The cached CRL for ``url`` verified with ``issuer``'s key, if its nextUpdate is not past."""
        key = (url, _issuer_key(issuer))
        with self._lock:
            crl = self._entries.get(key)
            if crl is None:
                return None
            next_update = crl.next_update_utc
            if next_update is None or now > next_update:
                del self._entries[key]
                return None
            return crl

    def put(self, url: str, issuer: x509.Certificate, crl: x509.CertificateRevocationList) -> None:
        """Store a verified CRL."""
        with self._lock:
            self._entries[(url, _issuer_key(issuer))] = crl

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _issuer_key(issuer: x509.Certificate) -> bytes:
    return x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest


def _pick_url(cert: CardCertificate, crl_url: str | None) -> str:
    if crl_url is not None:
        return crl_url
    for url in cert.crl_urls:
        if url.lower().startswith(("http://", "https://")):
            return url
    raise CrlNoDistributionPoint(f"certificate {cert.subject!r} names no HTTP CRL distribution point")


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(_PEM_CRL):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"malformed CRL: {exc}") from exc


def _verify_crl(
    crl: x509.CertificateRevocationList, issuer: CardCertificate, at: dt.datetime, skew: dt.timedelta
) -> None:
    if crl.issuer != issuer.certificate.subject:
        raise CrlInvalid("the CRL was not issued by the certificate's issuer")
    if issuer.key_usage and "crl_sign" not in issuer.key_usage:
        raise CrlInvalid("the issuer's key usage does not allow CRL signing")
    try:
        valid = crl.is_signature_valid(issuer.certificate.public_key())  # type: ignore[arg-type]
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"cannot verify the CRL signature: {exc}") from exc
    if not valid:
        raise CrlInvalid("the CRL signature does not verify with the issuer's key")
    this_update = crl.last_update_utc
    next_update = crl.next_update_utc
    if this_update > at + skew:
        raise CrlInvalid(f"the CRL's thisUpdate {this_update.isoformat()} is in the future")
    if next_update is None:
        raise CrlInvalid("the CRL has no nextUpdate")
    if next_update < at - skew:
        raise CrlInvalid(f"the CRL is stale (nextUpdate {next_update.isoformat()})")


def _download(url: str, timeout: float, http: HttpClient | None) -> x509.CertificateRevocationList:
    client = http if http is not None else UrllibHttpClient(max_body=_MAX_CRL)
    try:
        answer = client.request("GET", url, timeout=timeout)
    except FetchError as exc:
        raise CrlUnavailable(f"CRL {url}: {exc}") from exc
    if answer.status != 200:
        raise CrlUnavailable(f"CRL {url}: HTTP {answer.status}")
    return _load_crl(answer.body)


def _reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        return None


def check_crl(
    cert: CertificateInput,
    issuer: CertificateInput,
    *,
    now: dt.datetime | None = None,
    crl_url: str | None = None,
    allowed_hosts: Collection[str] = BELGIAN_CRL_HOSTS,
    timeout: float = DEFAULT_TIMEOUT,
    http: HttpClient | None = None,
    cache: CrlCache | None = None,
    allowed_skew: dt.timedelta = DEFAULT_SKEW,
) -> CrlResult:
    """Check ``cert`` against its issuer's CRL; return only when it is not listed.

    ``crl_url`` overrides the certificate's CRL distribution point; its host must be in
    ``allowed_hosts`` either way. Raises :class:`CertificateRevoked` or a :class:`CrlError` subclass.
    """
    at = as_utc(now) if now is not None else dt.datetime.now(dt.timezone.utc)
    cert_card = parse_certificate(cert)
    issuer_card = parse_certificate(issuer)
    url = _pick_url(cert_card, crl_url)
    if not url_host_allowed(url, allowed_hosts):
        raise CrlUrlNotAllowed(f"CRL URL {url!r} is not in the allowed hosts")

    crl = cache.get(url, issuer_card.certificate, at) if cache is not None else None
    from_cache = crl is not None
    if crl is None:
        crl = _download(url, timeout, http)
        try:
            _verify_crl(crl, issuer_card, at, allowed_skew)
        except RevocationError:
            raise
        except X509_PARSE_ERRORS as exc:
            raise CrlInvalid(f"unusable CRL: {exc}") from exc
        if cache is not None:
            cache.put(url, issuer_card.certificate, crl)
    try:
        entry = crl.get_revoked_certificate_by_serial_number(cert_card.serial_number)
        if entry is not None:
            raise CertificateRevoked(
                cert_card.serial_number, revocation_time=entry.revocation_date_utc, reason=_reason(entry)
            )
        this_update, next_update = crl.last_update_utc, crl.next_update_utc
    except RevocationError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"malformed CRL entry: {exc}") from exc
    if next_update is None:  # _verify_crl refuses such CRLs; kept for the type checker
        raise CrlInvalid("the CRL has no nextUpdate")
    return CrlResult(
        serial_number=cert_card.serial_number,
        url=url,
        this_update=this_update,
        next_update=next_update,
        from_cache=from_cache,
    )
