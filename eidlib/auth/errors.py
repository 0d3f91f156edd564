"""Errors of Web eID login: one class per failure, all subclasses of :class:`AuthError`.

The names mirror the Web eID validator's exceptions (auth-protocol spec §1.7). Show users a generic
message; log the class name and message for audit. No message ever contains a PIN.
"""

from __future__ import annotations

from eidlib.errors import EidError
from eidlib.x509 import errors as x509_errors


class AuthError(EidError):
    """Base class of every login failure (client or server side)."""


# --- client side: refused before the card is touched ----------------------------------------------


class InvalidOrigin(AuthError, ValueError):
    """The origin is not ``https://host[:port]`` (no path, query, fragment, user info)."""


class InvalidChallenge(AuthError, ValueError):
    """The challenge nonce is not 44–128 characters of the base64 alphabet."""


class NoAuthenticationCertificate(AuthError):
    """The token has no authentication certificate (some Kids-ID cards) or it is unusable."""


class UnsupportedFormat(AuthError, ValueError):
    """The requested or received token format is not a ``web-eid:1.x`` this library knows."""


# --- server side: token and certificate checks ----------------------------------------------------


class TokenParseError(AuthError):
    """The token is not well-formed (size, JSON, types, base64, format, algorithm name)."""


class UnsupportedTokenFormat(TokenParseError, UnsupportedFormat):
    """The token's ``format`` has an unknown major version or a newer minor version."""


class UnsupportedAlgorithm(TokenParseError):
    """The token's ``algorithm`` is not in the allowlist (``none``, empty, unknown...)."""


class AlgorithmMismatch(AuthError):
    """The algorithm does not fit the certificate key (type, curve or RSA size)."""


class SignatureInvalid(AuthError):
    """The signature does not verify over the configured origin and the stored nonce."""


# The certificate failures are the trust layer's errors (eidlib.x509) with AuthError mixed in: a
# caller catching x509.CertificateExpired or AuthError catches them, with the x509 attributes
# (subject, not_after, serial_number, reason...) intact.


class CertificateDecodeError(AuthError, x509_errors.CertificateError):
    """``unverifiedCertificate`` (or an intermediate) is not a DER X.509 certificate."""


class WrongPurpose(AuthError, x509_errors.WrongCertificatePurpose):
    """The certificate is not an authentication certificate (e.g. the non-repudiation one)."""


class MissingKeyUsage(WrongPurpose, x509_errors.MissingKeyUsage):
    """The user certificate has no key usage extension."""


class DisallowedPolicy(AuthError):
    """The certificate's policies are denied, or none of the required ones is present."""


class CertificateExpired(AuthError, x509_errors.CertificateExpired):
    """The user certificate (or a chain certificate) has expired at validation time."""


class CertificateNotYetValid(AuthError, x509_errors.CertificateNotYetValid):
    """The user certificate (or a chain certificate) is not valid yet at validation time."""


class CertificateNotTrusted(AuthError, x509_errors.CertificateNotTrusted):
    """No path from the user certificate to a configured trust anchor."""


class RevocationCheckFailed(AuthError, x509_errors.RevocationError):
    """The revocation status could not be established (responder down, bad response...): fail closed."""


class OcspResponderError(RevocationCheckFailed, x509_errors.OcspResponderNotAuthorized):
    """The OCSP response was signed by a responder that is not authorised for the issuer."""


class CertificateRevoked(AuthError, x509_errors.CertificateRevoked):
    """The responder or CRL says revoked (or unknown, which counts as revoked: ``reason == "unknown"``)."""


#: Trust-layer error class -> the login error raised for it (most specific first).
_FOR_X509: tuple[tuple[type[x509_errors.CertificateError], type[AuthError]], ...] = (
    (x509_errors.CertificateRevoked, CertificateRevoked),
    (x509_errors.OcspResponderNotAuthorized, OcspResponderError),
    (x509_errors.RevocationError, RevocationCheckFailed),
    (x509_errors.MissingKeyUsage, MissingKeyUsage),
    (x509_errors.WrongCertificatePurpose, WrongPurpose),
    (x509_errors.CertificateExpired, CertificateExpired),
    (x509_errors.CertificateNotYetValid, CertificateNotYetValid),
    (x509_errors.ChainError, CertificateNotTrusted),
    (x509_errors.CertificateError, CertificateDecodeError),
)


def as_auth_error(exc: x509_errors.CertificateError) -> AuthError:
    """The login error for a trust-layer error: same message and attributes, also an :class:`AuthError`.

    An error that already is an :class:`AuthError` is returned as it is.
    """
    if isinstance(exc, AuthError):
        return exc
    target = next(auth for base, auth in _FOR_X509 if isinstance(exc, base))
    # Built without __init__: the x509 constructors differ, the state is copied as it is.
    error = target.__new__(target, *exc.args)
    error.__dict__.update(vars(exc))
    return error


# --- challenge nonces -----------------------------------------------------------------------------


class ChallengeMissing(AuthError, ValueError):
    """The validator was given an empty challenge nonce."""


class NonceNotFound(AuthError):
    """No challenge was issued for this session, or it has already been used."""


class NonceExpired(AuthError):
    """The challenge was issued but its time to live has passed (it is deleted anyway)."""


class ChallengeStoreUnavailable(AuthError):
    """The challenge store (e.g. Redis) could not be reached: no login without it."""
