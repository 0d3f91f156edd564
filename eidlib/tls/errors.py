"""Errors of the TLS client-certificate login (client and server side)."""

from __future__ import annotations

from eidlib.errors import EidError


class TlsError(EidError):
    """A TLS connection or login over TLS failed (the message says why)."""


class TlsHandshakeError(TlsError):
    """The TLS handshake did not complete (alert received or sent, protocol error, closed socket)."""


class ServerCertificateError(TlsHandshakeError):
    """The server's certificate is not trusted or does not name the host; the card was not used."""


class NoCommonSignatureScheme(TlsHandshakeError):
    """The server's CertificateRequest allows no signature scheme the card's key can produce."""


class TlsConnectionError(TlsError):
    """The server could not be reached or the connection broke (network error, timeout)."""


class HttpError(TlsError):
    """An HTTP exchange over the eID TLS session failed (bad response, too many redirects, ...)."""


class LoginFailed(TlsError):
    """The login host answered, but nobody was logged in (the portal gave no session)."""


class UntrustedProxyHeader(TlsError):
    """A client-certificate header arrived from a peer that is not the configured proxy."""


class ClientCertificateHeaderError(TlsError, ValueError):
    """The proxy's client-certificate header cannot be parsed as a PEM certificate."""
