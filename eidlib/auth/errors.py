"""Errors of Web eID login: one class per failure, all subclasses of :class:`AuthError`.

The names mirror the Web eID validator's exceptions (auth-protocol spec §1.7). Show users a generic
message; log the class name and message for audit. No message ever contains a PIN.
"""

from __future__ import annotations

from eidlib.errors import EidError


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


class CertificateDecodeError(AuthError):
    """``unverifiedCertificate`` (or an intermediate) is not a DER X.509 certificate."""


class MissingKeyUsage(AuthError):
    """The user certificate has no key usage extension."""


class WrongPurpose(AuthError):
    """The certificate is not an authentication certificate (e.g. the non-repudiation one)."""


class DisallowedPolicy(AuthError):
    """The certificate's policies are denied, or none of the required ones is present."""


class CertificateExpired(AuthError):
    """The user certificate (or a chain certificate) has expired at validation time."""


class CertificateNotYetValid(AuthError):
    """The user certificate (or a chain certificate) is not valid yet at validation time."""


class CertificateNotTrusted(AuthError):
    """No path from the user certificate to a configured trust anchor."""


class RevocationCheckFailed(AuthError):
    """The revocation status could not be established (responder down, bad response...): fail closed."""


class OcspResponderError(RevocationCheckFailed):
    """The OCSP response was signed by a responder that is not authorised for the issuer."""


class CertificateRevoked(AuthError):
    """The responder says revoked (or unknown, which counts as revoked). ``reason`` when given."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        self.reason = reason
        super().__init__(message)


# --- challenge nonces -----------------------------------------------------------------------------


class ChallengeMissing(AuthError, ValueError):
    """The validator was given an empty challenge nonce."""


class NonceNotFound(AuthError):
    """No challenge was issued for this session, or it has already been used."""


class NonceExpired(AuthError):
    """The challenge was issued but its time to live has passed (it is deleted anyway)."""


class ChallengeStoreUnavailable(AuthError):
    """The challenge store (e.g. Redis) could not be reached: no login without it."""
