"""Web eID login for the Belgian eID: the client (:func:`authenticate`), the token
(:class:`AuthToken`), the server-side :class:`AuthTokenValidator` and challenge stores.

Server::

    policy = ValidationPolicy(origin="https://portal.example.be", trust=TrustStore.belgium(),
                              revocation=RevocationChecker())   # OCSP + CRL, Belgian hosts
    validator = AuthTokenValidator(policy=policy)                # validate(token, nonce) is pure
    flow = ChallengeFlow(validator, RedisChallengeStore(redis_client))
    nonce = flow.authenticate_begin(browser_session_id).nonce    # send to the client
    user = flow.authenticate_complete(browser_session_id, token_json)  # nonce taken out first
    # -> rotate the session id, start the idle clock; user.national_number, user.level == 500

Client::

    token = authenticate(pin, challenge=nonce, origin="https://portal.example.be")
    post(token.to_json())

Every failure is an :class:`AuthError` subclass named after the check that failed.
"""

from __future__ import annotations

from eidlib.auth.algorithms import ALGORITHMS, signed_message, verify_signature
from eidlib.auth.challenge import Challenge, ChallengeFlow, ChallengeStore, MemoryChallengeStore, RedisChallengeStore
from eidlib.auth.client import authenticate
from eidlib.auth.errors import (
    AlgorithmMismatch,
    AuthError,
    CertificateDecodeError,
    CertificateExpired,
    CertificateNotTrusted,
    CertificateNotYetValid,
    CertificateRevoked,
    ChallengeMissing,
    ChallengeStoreUnavailable,
    DisallowedPolicy,
    InvalidChallenge,
    InvalidOrigin,
    MissingKeyUsage,
    NoAuthenticationCertificate,
    NonceExpired,
    NonceNotFound,
    OcspResponderError,
    RevocationCheckFailed,
    SignatureInvalid,
    TokenParseError,
    UnsupportedAlgorithm,
    UnsupportedFormat,
    UnsupportedTokenFormat,
    WrongPurpose,
)
from eidlib.auth.nonce import check_nonce, generate_nonce
from eidlib.auth.origin import normalize_origin
from eidlib.auth.token import AuthToken, parse_format
from eidlib.auth.user import AuthenticatedUser
from eidlib.auth.validator import (
    BELGIAN_AUTH_POLICIES,
    DEFAULT_DISALLOWED_POLICIES,
    AuthTokenValidator,
    Revocation,
    ValidationPolicy,
    validate_authentication_certificate,
)

__all__ = [
    "ALGORITHMS",
    "BELGIAN_AUTH_POLICIES",
    "DEFAULT_DISALLOWED_POLICIES",
    "AlgorithmMismatch",
    "AuthError",
    "AuthToken",
    "AuthTokenValidator",
    "AuthenticatedUser",
    "CertificateDecodeError",
    "CertificateExpired",
    "CertificateNotTrusted",
    "CertificateNotYetValid",
    "CertificateRevoked",
    "Challenge",
    "ChallengeFlow",
    "ChallengeMissing",
    "ChallengeStore",
    "ChallengeStoreUnavailable",
    "DisallowedPolicy",
    "InvalidChallenge",
    "InvalidOrigin",
    "MemoryChallengeStore",
    "MissingKeyUsage",
    "NoAuthenticationCertificate",
    "NonceExpired",
    "NonceNotFound",
    "OcspResponderError",
    "RedisChallengeStore",
    "Revocation",
    "RevocationCheckFailed",
    "SignatureInvalid",
    "TokenParseError",
    "UnsupportedAlgorithm",
    "UnsupportedFormat",
    "UnsupportedTokenFormat",
    "ValidationPolicy",
    "WrongPurpose",
    "authenticate",
    "check_nonce",
    "generate_nonce",
    "normalize_origin",
    "parse_format",
    "signed_message",
    "validate_authentication_certificate",
    "verify_signature",
]
