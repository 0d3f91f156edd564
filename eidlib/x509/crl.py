"""CRLs, meant for intermediates (Citizen/Foreigner CA) as eID Viewer does: parse, verify, look up, cache.

A downloaded CRL is checked (issuer name, signature with the issuer's key, cRLSign, thisUpdate and
nextUpdate window) and cached until its nextUpdate. Downloading (allowlist, deadline) is
:class:`~eidlib.x509.revocation.RevocationChecker`'s job. Every failure raises a
:class:`~eidlib.x509.errors.RevocationError`.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from cryptography import x509

from eidlib.carddata.certificate import X509_PARSE_ERRORS
from eidlib.x509.certificate import CardCertificate
from eidlib.x509.errors import CertificateRevoked, CrlInvalid, RevocationError

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


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A DER or PEM CRL; :class:`CrlInvalid` when malformed."""
    try:
        if data.lstrip().startswith(_PEM_CRL):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"malformed CRL: {exc}") from exc


def verify_crl(
    crl: x509.CertificateRevocationList, issuer: CardCertificate, at: dt.datetime, skew: dt.timedelta
) -> None:
    """Issuer name, cRLSign, signature with ``issuer``'s key, thisUpdate/nextUpdate window."""
    try:
        _verify_crl(crl, issuer, at, skew)
    except RevocationError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"unusable CRL: {exc}") from exc


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


def _reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        return None


def crl_status(
    crl: x509.CertificateRevocationList, cert: CardCertificate, url: str, *, from_cache: bool
) -> CrlResult:
    """Raise :class:`CertificateRevoked` when ``cert`` is on the (verified) ``crl``; else the result."""
    try:
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            reason = _reason(entry)
            raise CertificateRevoked(cert.serial_number, revocation_time=entry.revocation_date_utc, reason=reason)
        this_update, next_update = crl.last_update_utc, crl.next_update_utc
    except RevocationError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise CrlInvalid(f"malformed CRL entry: {exc}") from exc
    if next_update is None:  # verify_crl refuses such CRLs; kept for the type checker
        raise CrlInvalid("the CRL has no nextUpdate")
    return CrlResult(
        serial_number=cert.serial_number, url=url, this_update=this_update, next_update=next_update,
        from_cache=from_cache,
    )
