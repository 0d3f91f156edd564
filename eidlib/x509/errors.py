"""Errors of the certificate and trust layer: parsing, chain validation, OCSP and CRL.

Every revocation failure is an error (fail closed): a caller that catches
:class:`RevocationError` knows the certificate must not be accepted.
"""

from __future__ import annotations

import datetime as dt

from eidlib.errors import CertificateError as CertificateError  # its home is below every layer raising it


class ChainError(CertificateError):
    """The certificate chain does not validate."""


class CertificateExpired(ChainError):
    """A certificate of the chain expired before the validation time."""

    def __init__(self, subject: str, not_after: dt.datetime, at: dt.datetime) -> None:
        self.subject = subject
        self.not_after = not_after
        self.at = at
        super().__init__(f"certificate {subject!r} expired on {not_after.isoformat()} (checked at {at.isoformat()})")


class CertificateNotYetValid(ChainError):
    """A certificate of the chain is not valid yet at the validation time."""

    def __init__(self, subject: str, not_before: dt.datetime, at: dt.datetime) -> None:
        self.subject = subject
        self.not_before = not_before
        self.at = at
        super().__init__(
            f"certificate {subject!r} is not valid before {not_before.isoformat()} (checked at {at.isoformat()})"
        )


class CertificateNotTrusted(ChainError):
    """No path leads from the certificate to a trust anchor."""


class WrongCertificatePurpose(ChainError):
    """The certificate's key usage or extended key usage does not allow the requested purpose."""


class MissingKeyUsage(WrongCertificatePurpose):
    """The certificate has no key usage extension, so it cannot be used as an end-entity certificate."""


class RevocationError(CertificateError):
    """A revocation check did not succeed; the certificate must be treated as not usable."""


class CertificateRevoked(RevocationError):
    """The certificate is revoked (or its status is unknown to the responder, which counts as revoked)."""

    def __init__(
        self,
        serial_number: int,
        *,
        revocation_time: dt.datetime | None = None,
        reason: str | None = None,
        unknown: bool = False,
    ) -> None:
        self.serial_number = serial_number
        self.revocation_time = revocation_time
        #: The CRL/OCSP reason name, or ``"unknown"`` for an UNKNOWN status.
        self.reason = "unknown" if unknown else reason
        self.unknown = unknown
        if unknown:
            text = f"certificate {serial_number:x}: status unknown to the responder (treated as revoked)"
        else:
            text = f"certificate {serial_number:x} is revoked"
            if revocation_time is not None:
                text += f" since {revocation_time.isoformat()}"
            if reason:
                text += f" ({reason})"
        super().__init__(text)


class OcspError(RevocationError):
    """The OCSP check failed (no answer, or an answer that cannot be trusted)."""


class OcspNoResponder(OcspError):
    """No OCSP responder URL: the certificate has no AIA OCSP entry and none was given."""


class OcspUrlNotAllowed(OcspError):
    """The responder URL's host is not in the allowlist (SSRF guard)."""


class OcspUnavailable(OcspError):
    """The responder could not be reached, timed out or answered with an HTTP error."""


class OcspResponseUnsuccessful(OcspError):
    """The responder answered with an unsuccessful OCSP status (malformedRequest, tryLater, ...)."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"OCSP responder answered {status}")


class OcspResponseInvalid(OcspError):
    """The OCSP response is malformed or fails a consistency check."""


class OcspResponderNotAuthorized(OcspResponseInvalid):
    """The response is not signed by the issuer or by a responder the issuer delegated (OCSPSigning)."""


class OcspSignatureInvalid(OcspResponseInvalid):
    """The response signature does not verify with the responder's key."""


class OcspResponseStale(OcspResponseInvalid):
    """thisUpdate/nextUpdate are outside the allowed window (too old, or in the future)."""


class OcspNonceMismatch(OcspResponseInvalid):
    """The response does not echo the request nonce (missing or different): possible replay."""


class CrlError(RevocationError):
    """The CRL check failed."""


class CrlNoDistributionPoint(CrlError):
    """The certificate has no HTTP CRL distribution point and no URL was given."""


class CrlUrlNotAllowed(CrlError):
    """The CRL URL's host is not in the allowlist (SSRF guard)."""


class CrlUnavailable(CrlError):
    """The CRL could not be downloaded."""


class CrlInvalid(CrlError):
    """The CRL is malformed, not issued by the issuer, badly signed or stale."""
