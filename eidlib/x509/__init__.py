"""Certificates and trust: parsing Belgian eID certificates, trust anchors, chains, OCSP and CRL.

Typical server-side use::

    chain = validate_chain(leaf_der, [ca_der], trust=TrustStore.belgium())
    checker = RevocationChecker()                 # Belgian hosts, deadlines, caches, nonce policy
    checker.check_chain(chain)                    # OCSP for the leaf + CRL for intermediates, or raise
"""

from __future__ import annotations

from eidlib.x509.certificate import (
    CardCertificate,
    CertificateInput,
    CertificateRole,
    parse_certificate,
)
from eidlib.x509.chain import ValidatedChain, validate_chain
from eidlib.x509.crl import CrlCache, CrlResult
from eidlib.x509.errors import (
    CertificateError,
    CertificateExpired,
    CertificateNotTrusted,
    CertificateNotYetValid,
    CertificateRevoked,
    ChainError,
    CrlError,
    CrlInvalid,
    CrlNoDistributionPoint,
    CrlUnavailable,
    CrlUrlNotAllowed,
    MissingKeyUsage,
    OcspError,
    OcspNonceMismatch,
    OcspNoResponder,
    OcspResponderNotAuthorized,
    OcspResponseInvalid,
    OcspResponseStale,
    OcspResponseUnsuccessful,
    OcspSignatureInvalid,
    OcspUnavailable,
    OcspUrlNotAllowed,
    RevocationError,
    WrongCertificatePurpose,
)
from eidlib.x509.fetch import (
    BELGIAN_CRL_HOSTS,
    BELGIAN_OCSP_HOSTS,
    DeadlineHttpClient,
    FetchError,
    HttpClient,
    HttpResponse,
)
from eidlib.x509.ocsp import NoncePolicy, OcspCache, OcspResult
from eidlib.x509.policies import BELGIAN_POLICIES, BelgianPolicy, HolderType, PolicyUsage
from eidlib.x509.purpose import Purpose, check_purpose, check_validity
from eidlib.x509.revocation import RevocationChecker, RevocationReport
from eidlib.x509.truststore import TrustStore
from eidlib.x509.verdict import CertificateVerdict, certificate_verdicts

__all__ = [
    "BELGIAN_CRL_HOSTS",
    "BELGIAN_OCSP_HOSTS",
    "BELGIAN_POLICIES",
    "BelgianPolicy",
    "CardCertificate",
    "CertificateError",
    "CertificateExpired",
    "CertificateInput",
    "CertificateNotTrusted",
    "CertificateNotYetValid",
    "CertificateRevoked",
    "CertificateRole",
    "CertificateVerdict",
    "ChainError",
    "CrlCache",
    "CrlError",
    "CrlInvalid",
    "CrlNoDistributionPoint",
    "CrlResult",
    "CrlUnavailable",
    "CrlUrlNotAllowed",
    "DeadlineHttpClient",
    "FetchError",
    "HolderType",
    "HttpClient",
    "HttpResponse",
    "MissingKeyUsage",
    "NoncePolicy",
    "OcspCache",
    "OcspError",
    "OcspNoResponder",
    "OcspNonceMismatch",
    "OcspResponderNotAuthorized",
    "OcspResponseInvalid",
    "OcspResponseStale",
    "OcspResponseUnsuccessful",
    "OcspResult",
    "OcspSignatureInvalid",
    "OcspUnavailable",
    "OcspUrlNotAllowed",
    "PolicyUsage",
    "Purpose",
    "RevocationChecker",
    "RevocationError",
    "RevocationReport",
    "TrustStore",
    "ValidatedChain",
    "WrongCertificatePurpose",
    "certificate_verdicts",
    "check_purpose",
    "check_validity",
    "parse_certificate",
    "validate_chain",
]
