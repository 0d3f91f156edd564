"""Server side: the client certificate a TLS layer received → the same checks as a Web eID token → who.

The certificate reaches the application in one of two ways:

* directly, from the application's own TLS server (the dev mode puts the DER in the WSGI environ key
  :data:`PEER_CERTIFICATE_KEY`, which no HTTP header can set);
* from a TLS-terminating proxy, in a header (nginx: ``proxy_set_header X-SSL-Client-Cert
  $ssl_client_escaped_cert;``, the URL-encoded PEM). The header is believed only when the request
  came from the configured proxy (:class:`ProxyTrust`); from anyone else it is ignored and logged.
"""

from __future__ import annotations

import ipaddress
import logging
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eidlib.tls.adapter import (
    AuthenticatedUser,
    AuthTokenValidator,
    CertificateValidator,
    NoAuthenticationCertificate,
    ValidationPolicy,
)
from eidlib.tls.errors import ClientCertificateHeaderError

_log = logging.getLogger(__name__)

#: WSGI environ key of the header nginx fills (``X-SSL-Client-Cert``).
DEFAULT_HEADER = "HTTP_X_SSL_CLIENT_CERT"
#: WSGI environ key the dev-mode TLS server sets to the peer's DER certificate.
PEER_CERTIFICATE_KEY = "eidlib.tls.peer_certificate"
#: A Belgian eID certificate is under 2 KB; the header is URL-encoded PEM (about 3x the DER).
MAX_HEADER_LENGTH = 16 * 1024
#: What Werkzeug reports as REMOTE_ADDR for a peer on a Unix socket (others give an empty string).
_UNIX_PEERS = frozenset({"", "<local>"})


class ProxyTrust:
    """Which peers may hand over a client certificate in a header.

    ``addresses``: IP addresses of the proxy (a TCP upstream); ``unix_socket``: trust peers on the
    application's Unix socket (nginx ``proxy_pass http://unix:/path``; only processes that may open
    that socket reach it). The peer is the WSGI ``REMOTE_ADDR`` the server took from the socket: do not
    let a middleware rewrite it from ``X-Forwarded-For`` in front of this check.
    """

    def __init__(self, addresses: Iterable[str] = (), *, unix_socket: bool = False) -> None:
        self._addresses = frozenset(str(ipaddress.ip_address(a)) for a in addresses)
        self._unix = unix_socket

    def trusts(self, environ: Mapping[str, Any]) -> bool:
        """Whether the request's peer is the configured proxy."""
        peer = str(environ.get("REMOTE_ADDR") or "")
        if peer in _UNIX_PEERS:
            return self._unix
        try:
            return str(ipaddress.ip_address(peer)) in self._addresses
        except ValueError:
            return False


def parse_escaped_certificate(value: str) -> bytes:
    """DER of nginx's ``$ssl_client_escaped_cert`` (URL-encoded PEM of one certificate)."""
    if len(value) > MAX_HEADER_LENGTH:
        raise ClientCertificateHeaderError("the client-certificate header is too long")
    try:
        pem = urllib.parse.unquote(value, errors="strict").strip().encode("ascii")
    except UnicodeError as exc:  # percent-escapes that are not UTF-8, or non-ASCII text: not a PEM
        raise ClientCertificateHeaderError("the client-certificate header is not ASCII PEM") from exc
    if pem.count(b"-----BEGIN CERTIFICATE-----") != 1 or not pem.endswith(b"-----END CERTIFICATE-----"):
        raise ClientCertificateHeaderError("the client-certificate header is not one PEM certificate")
    try:
        return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClientCertificateHeaderError("the client-certificate header holds no valid certificate") from exc


class ClientCertificateVerifier:
    """Validates TLS client certificates with the Web eID validator's core and policy.

    ``policy`` (a :class:`~eidlib.auth.ValidationPolicy`, or a token validator whose policy is used)
    carries the anchors, policies, clock and revocation checker (fail closed) exactly as for tokens.
    ``proxy`` says which peer may send the certificate header ``header`` (a WSGI environ key); without
    it headers are never believed. ``intermediates`` (DER) help build the path when the
    client sent only its leaf (nginx forwards the leaf alone).
    """

    def __init__(
        self,
        policy: ValidationPolicy | AuthTokenValidator,
        *,
        proxy: ProxyTrust | None = None,
        header: str = DEFAULT_HEADER,
        intermediates: Sequence[bytes] = (),
    ) -> None:
        self._core = CertificateValidator(policy)
        self._proxy = proxy
        self._header = header
        self._intermediates = tuple(intermediates)

    def verify(self, leaf_der: bytes, intermediates: Sequence[bytes] = ()) -> AuthenticatedUser:
        """Validate one certificate (DER) and what the client sent with it; raise an ``AuthError``."""
        return self._core.validate(leaf_der, tuple(intermediates) + self._intermediates)

    def certificate_from_environ(self, environ: Mapping[str, Any]) -> bytes | None:
        """The client certificate of a WSGI request (own TLS server or trusted proxy), or ``None``."""
        direct = environ.get(PEER_CERTIFICATE_KEY)
        if isinstance(direct, bytes) and direct:
            return direct
        value = environ.get(self._header)
        if not value:
            return None
        if self._proxy is None or not self._proxy.trusts(environ):
            _log.warning("client-certificate header from untrusted peer %r ignored",
                         str(environ.get("REMOTE_ADDR") or "")[:64])
            return None
        return parse_escaped_certificate(str(value))

    def verify_request(self, environ: Mapping[str, Any]) -> AuthenticatedUser:
        """Who presented the request's client certificate; :class:`NoAuthenticationCertificate` if none."""
        der = self.certificate_from_environ(environ)
        if der is None:
            raise NoAuthenticationCertificate("the request carries no client certificate")
        return self.verify(der)
