"""The one door for certificate bytes from outside (card, token, TLS peer, PKCS#11 module).

It sits with the card-data parsers (the RRN certificate is card data), below the token kernel and
the trust layer, so that every layer parses outside certificates the same strict way and raises the
same typed error.
"""

from __future__ import annotations

import functools
import threading
import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.utils import CryptographyDeprecationWarning

from eidlib.errors import CertificateError

__all__ = ["X509_PARSE_ERRORS", "certificate_public_key", "load_der_certificate"]

#: What ``cryptography`` raises for malformed X.509 input (some are plain ``Exception`` subclasses).
X509_PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.InvalidVersion,
    x509.UnsupportedGeneralNameType,
    x509.AttributeNotFound,
)
_STRICT_PARSE_ERRORS: tuple[type[Exception], ...] = (*X509_PARSE_ERRORS, CryptographyDeprecationWarning)


#: Parsed certificates are immutable, so one parse serves every caller of a process: a login parses the
#: card's certificate for the PIN dialog, the signature size and the self-check. Bounded: peers' and
#: tokens' certificates from outside only ever push older entries out.
_CACHE_SIZE = 64
#: ``warnings.catch_warnings`` swaps process-wide filters, so two threads must not parse at once.
_parse_lock = threading.Lock()


def load_der_certificate(data: bytes | bytearray | memoryview, *, what: str = "certificate") -> x509.Certificate:
    """Strictly parse exactly one DER certificate received from outside (token, card, TLS peer, module).

    This is the one door for outside certificate bytes: every ``cryptography`` parse failure
    (``ValueError``, ``InvalidVersion``, duplicate or malformed extensions...) and a non-positive
    serial number (RFC 5280; ``cryptography`` only warns) raise :class:`CertificateError` naming
    ``what``. The extensions are decoded here so a malformed one fails now, not later. The same bytes
    give the same (immutable) object again without a second parse; failures are never remembered.
    """
    try:
        return _parse(bytes(data))
    except _STRICT_PARSE_ERRORS as exc:
        raise CertificateError(f"{what} is not a valid DER X.509 certificate: {exc}") from exc


def certificate_public_key(
    data: bytes | bytearray | memoryview, *, what: str = "certificate"
) -> CertificatePublicKeyTypes:
    """The public key of a certificate parsed by :func:`load_der_certificate`, loaded once per DER.

    Loading a key costs more than parsing the certificate (an EC point is decoded and checked), and
    the first use of a key object prepares what its later verifications reuse.
    """
    try:
        return _public_key(bytes(data))
    except _STRICT_PARSE_ERRORS as exc:
        raise CertificateError(f"{what} has no usable public key: {exc}") from exc


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _parse(der: bytes) -> x509.Certificate:
    with _parse_lock, warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        cert = x509.load_der_x509_certificate(der)
        cert.extensions  # noqa: B018 - decode the extensions now so malformed ones fail here
    return cert


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _public_key(der: bytes) -> CertificatePublicKeyTypes:
    return _parse(der).public_key()
