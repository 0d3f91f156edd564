"""The one place where :mod:`eidlib.tls` touches the rest of eidlib (token kernel, PIN rule, auth core).

Everything the TLS client and the client-certificate verifier need from the token, card and auth
layers is imported or wrapped here, so a move of those modules changes this file only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from cryptography import x509

from eidlib.auth.errors import AuthError, CertificateDecodeError, CertificateNotTrusted
from eidlib.auth.user import AuthenticatedUser
from eidlib.auth.validator import AuthTokenValidator
from eidlib.belpic.digestinfo import DIGEST_INFO_PREFIXES
from eidlib.card.errors import PinBlocked, PinError, PinFormatError, PinRequired, SecurityStatusNotSatisfied
from eidlib.card.pin import wipe
from eidlib.card.token import CardCertificates, HashName, PaddingName, Token

if TYPE_CHECKING:
    from eidlib.card.session import BeidCard

__all__ = [
    "DIGEST_INFO_PREFIXES",
    "TLS_ALGORITHM",
    "AuthError",
    "AuthenticatedUser",
    "CardCertificates",
    "CertificateDecodeError",
    "CertificateNotTrusted",
    "CertificateValidator",
    "HashName",
    "PaddingName",
    "PinBlocked",
    "PinError",
    "PinFormatError",
    "PinRequired",
    "SecurityStatusNotSatisfied",
    "Token",
    "exclusive",
    "load_der",
    "open_default_card",
    "wipe",
]

#: What :class:`AuthenticatedUser.algorithm` says for a TLS client-certificate login.
TLS_ALGORITHM = "tls-client-certificate"


def open_default_card() -> contextlib.AbstractContextManager[BeidCard]:
    """The first Belgian eID card on PC/SC (a context manager)."""
    from eidlib.card.session import open_card

    return open_card()


@contextlib.contextmanager
def exclusive(token: Token) -> Iterator[None]:
    """One card transaction around a login where the token offers it (the direct card path)."""
    transaction = getattr(token, "transaction", None)
    if callable(transaction):
        with transaction():
            yield
    else:
        yield


class CertificateValidator:
    """The Web eID validator's certificate checks, applied to a certificate a TLS layer received.

    Same anchors, policies, purpose (the non-repudiation certificate is refused), validity, chain,
    OCSP for the leaf (fail closed) and CRL for intermediates as :class:`AuthTokenValidator`; only the
    proof of possession differs (the TLS handshake's CertificateVerify instead of a signed nonce).
    """

    def __init__(self, validator: AuthTokenValidator) -> None:
        self._validator = validator

    def validate(self, leaf_der: bytes, intermediates: Sequence[bytes] = ()) -> AuthenticatedUser:
        """Validate ``leaf_der`` (with the intermediates the client sent) and return who it is."""
        # Until the shared core lands, this calls the validator's own steps in the validator's order.
        from eidlib.auth import validator as core

        v = self._validator
        leaf = core._load_certificate(leaf_der, "user certificate")
        core._check_purpose(leaf)
        v._check_policies(leaf)
        now = v._time()
        core._check_validity(leaf, now)
        chain = v._check_chain(leaf, [core._load_certificate(c, "intermediate certificate") for c in intermediates],
                               now)
        if v._check_revocation:
            v._check_ocsp(leaf, chain[1], now)
            for index in range(1, len(chain) - 1):
                v._check_crl(chain[index], chain[index + 1], now)
        return AuthenticatedUser.from_certificate(leaf, algorithm=TLS_ALGORITHM, validated_at=now)


def load_der(der: bytes) -> x509.Certificate:
    """A DER certificate, or :class:`CertificateDecodeError`."""
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateDecodeError("not a DER X.509 certificate") from exc


