"""The one place where :mod:`eidlib.tls` touches the rest of eidlib (token kernel, PIN rule, auth core).

Everything the TLS client and the client-certificate verifier need from the token and auth layers is
imported or wrapped here, so a move of those modules changes this file only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from eidlib.auth.errors import AuthError, NoAuthenticationCertificate
from eidlib.auth.user import AuthenticatedUser
from eidlib.auth.validator import AuthTokenValidator, ValidationPolicy, validate_authentication_certificate
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.carddata.certificate import load_der_certificate
from eidlib.token.errors import PinBlocked, PinError, PinFormatError, PinRequired, SecurityStatusNotSatisfied
from eidlib.token.pin import check_pin, wipe
from eidlib.token.protocol import CardCertificates, Token

__all__ = [
    "DIGEST_INFO_PREFIXES",
    "TLS_ALGORITHM",
    "AuthError",
    "AuthTokenValidator",
    "AuthenticatedUser",
    "CardCertificates",
    "CertificateValidator",
    "NoAuthenticationCertificate",
    "PinBlocked",
    "PinError",
    "PinFormatError",
    "PinRequired",
    "SecurityStatusNotSatisfied",
    "Token",
    "ValidationPolicy",
    "check_pin",
    "load_der_certificate",
    "open_default_card",
    "wipe",
]

#: What :class:`AuthenticatedUser.algorithm` says for a TLS client-certificate login.
TLS_ALGORITHM = "tls-client-certificate"

#: PKCS#1 v1.5 DigestInfo prefixes of the hashes TLS signs with.
DIGEST_INFO_PREFIXES: dict[str, bytes] = {
    h.value: h.digest_info for h in (HashAlgorithm.SHA256, HashAlgorithm.SHA384, HashAlgorithm.SHA512)
}


def open_default_card() -> contextlib.AbstractContextManager[Token]:
    """The first Belgian eID card on PC/SC (a context manager)."""
    from eidlib.opener import open_card

    return open_card()


class CertificateValidator:
    """The Web eID validator's certificate core (:func:`validate_authentication_certificate`), for a
    certificate a TLS layer received: same anchors, policies, purpose (the non-repudiation certificate
    is refused), validity, chain and revocation policy; only the proof of possession differs (the
    handshake's CertificateVerify instead of a signed nonce).
    """

    def __init__(self, policy: ValidationPolicy | AuthTokenValidator) -> None:
        self.policy = policy.policy if isinstance(policy, AuthTokenValidator) else policy

    def validate(self, leaf_der: bytes, intermediates: Sequence[bytes] = ()) -> AuthenticatedUser:
        """Validate ``leaf_der`` (with untrusted intermediates) and return who it is."""
        return validate_authentication_certificate([leaf_der, *intermediates], policy=self.policy,
                                                   algorithm=TLS_ALGORITHM)
