"""Certificates and trust: parsing Belgian eID certificates, trust anchors, chains, OCSP and CRL.

Typical server-side use::

    chain = validate_chain(leaf_der, [ca_der], trust=TrustStore.belgium())
    check_ocsp(chain.leaf, chain.issuer)          # raises unless the responder says GOOD
    check_chain_revocation(chain)                 # or: OCSP for the leaf + CRL for intermediates
"""

from __future__ import annotations

from eidlib.x509.certificate import (
    CardCertificate,
    CertificateInput,
    CertificateRole,
    parse_certificate,
)
from eidlib.x509.chain import Purpose, ValidatedChain, validate_chain
from eidlib.x509.crl import CrlCache, CrlResult, check_crl
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
    FetchError,
    HttpClient,
    HttpResponse,
    UrllibHttpClient,
)
from eidlib.x509.ocsp import OcspCache, OcspResult, check_ocsp
from eidlib.x509.policies import BELGIAN_POLICIES, BelgianPolicy, HolderType, PolicyUsage
from eidlib.x509.revocation import RevocationReport, check_chain_revocation
from eidlib.x509.truststore import TrustStore

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
    "ChainError",
    "CrlCache",
    "CrlError",
    "CrlInvalid",
    "CrlNoDistributionPoint",
    "CrlResult",
    "CrlUnavailable",
    "CrlUrlNotAllowed",
    "FetchError",
    "HolderType",
    "HttpClient",
    "HttpResponse",
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
    "RevocationError",
    "RevocationReport",
    "TrustStore",
    "UrllibHttpClient",
    "ValidatedChain",
    "WrongCertificatePurpose",
    "check_chain_revocation",
    "check_crl",
    "check_ocsp",
    "parse_certificate",
    "validate_chain",
]
