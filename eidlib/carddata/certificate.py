"""The one door for certificate bytes from outside (card, token, TLS peer, PKCS#11 module).

It sits with the card-data parsers (the RRN certificate is card data), below the token kernel and
the trust layer, so that every layer parses outside certificates the same strict way and raises the
same typed error.
"""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning

from eidlib.errors import CertificateError

__all__ = ["X509_PARSE_ERRORS", "load_der_certificate"]

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


def load_der_certificate(data: bytes | bytearray | memoryview, *, what: str = "certificate") -> x509.Certificate:
    """Strictly parse exactly one DER certificate received from outside (token, card, TLS peer, module).

    This is the one door for outside certificate bytes: every ``cryptography`` parse failure
    (``ValueError``, ``InvalidVersion``, duplicate or malformed extensions...) and a non-positive
    serial number (RFC 5280; ``cryptography`` only warns) raise :class:`CertificateError` naming
    ``what``. The extensions are decoded here so a malformed one fails now, not later.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            cert = x509.load_der_x509_certificate(bytes(data))
            cert.extensions  # noqa: B018 - decode the extensions now so malformed ones fail here
    except _STRICT_PARSE_ERRORS as exc:
        raise CertificateError(f"{what} is not a valid DER X.509 certificate: {exc}") from exc
    return cert
