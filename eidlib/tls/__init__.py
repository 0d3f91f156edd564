"""TLS client-certificate login with the Belgian eID (the eID step of CSAM/FAS): client and server side.

Client — the card signs the TLS handshake (TLS 1.2 and 1.3; ECDSA on applet 1.8, RSA PKCS#1 v1.5 or
RSA-PSS on 1.7)::

    result = login("https://portal.example.be/auth/eid-tls/start", pin=bytearray(b"1234"))
    result.user["surname"]

    with EidSession(card, pin=ask_pin) as session:       # cookies + redirects, like requests
        session.get("https://portal.example.be/auth/eid-tls/start")

Server — the certificate the TLS layer (or nginx, in a header) received, validated like a Web eID
token's (same anchors, purpose, OCSP/CRL policy) into an :class:`~eidlib.auth.AuthenticatedUser`::

    verifier = ClientCertificateVerifier(ValidationPolicy(trust=TrustStore.belgium()),  # OCSP + CRL
                                         proxy=ProxyTrust(unix_socket=True))
    user = verifier.verify_request(wsgi_environ)

Use this where a site has a login host asking for the client certificate; use
:func:`eidlib.auth.authenticate` for sites speaking the Web eID token protocol.
"""

from __future__ import annotations

from eidlib.tls.clientcert import ClientCertificateVerifier, ProxyTrust, parse_escaped_certificate
from eidlib.tls.connection import TlsClient
from eidlib.tls.errors import (
    ClientCertificateHeaderError,
    HttpError,
    LoginFailed,
    NoCommonSignatureScheme,
    ServerCertificateError,
    TlsConnectionError,
    TlsError,
    TlsHandshakeError,
    UntrustedProxyHeader,
)
from eidlib.tls.http import HttpSession, Response
from eidlib.tls.login import EidSession, LoginResult, login
from eidlib.tls.servertrust import ServerTrust
from eidlib.tls.signer import TranscriptSigner

__all__ = [
    "ClientCertificateHeaderError",
    "ClientCertificateVerifier",
    "EidSession",
    "HttpError",
    "HttpSession",
    "LoginFailed",
    "LoginResult",
    "NoCommonSignatureScheme",
    "ProxyTrust",
    "Response",
    "ServerCertificateError",
    "ServerTrust",
    "TlsClient",
    "TlsConnectionError",
    "TlsError",
    "TlsHandshakeError",
    "TranscriptSigner",
    "UntrustedProxyHeader",
    "login",
    "parse_escaped_certificate",
]
