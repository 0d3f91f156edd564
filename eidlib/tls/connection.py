"""A mutually authenticated TLS 1.2/1.3 connection whose CertificateVerify the card signs (tlslite-ng).

Python's :mod:`ssl` needs the private key in a file, so the handshake runs in tlslite-ng, a pure-Python
TLS 1.2/1.3 implementation whose key objects can delegate the signature (:mod:`eidlib.tls.keys`). The
record layer uses ``cryptography``'s AEAD ciphers where tlslite-ng finds them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eidlib.errors import EidError
from eidlib.tls.adapter import CardCertificates, SecurityStatusNotSatisfied, load_der_certificate
from eidlib.tls.backend import X509, AlertDescription, HandshakeSettings, TLSConnection, X509CertChain
from eidlib.tls.backend import TLSError as _TlsliteError
from eidlib.tls.errors import ServerCertificateError, TlsConnectionError, TlsError, TlsHandshakeError
from eidlib.tls.keys import CURVE_HASHES, CardEcdsaKey, CardRsaKey
from eidlib.tls.servertrust import ServerTrust
from eidlib.tls.signer import TranscriptSigner

#: TLS versions by name, as tlslite-ng spells them.
VERSIONS = {"1.2": (3, 3), "1.3": (3, 4)}
DEFAULT_TIMEOUT = 30.0


class _CheckedConnection(TLSConnection):  # type: ignore[misc]
    """tlslite's client connection with the server chain verified as soon as it arrives."""

    def __init__(self, sock: socket.socket, trust: ServerTrust, host: str) -> None:
        super().__init__(sock)
        self._trust = trust
        self._host = host
        self.server_problem: ServerCertificateError | None = None
        self.server_certificate: x509.Certificate | None = None

    def _clientGetKeyFromChain(self, certificate: Any, settings: Any, tack_ext: Any = None) -> Iterator[Any]:
        # tlslite calls this for the server's Certificate message in TLS 1.2 and 1.3, before the
        # client sends its own certificate and CertificateVerify.
        chain = certificate.cert_chain
        ders = [bytes(c.bytes) for c in chain.x509List] if chain is not None else []
        try:
            self.server_certificate = self._trust.verify(ders, self._host)
        except ServerCertificateError as exc:
            self.server_problem = exc
            yield from self._sendError(AlertDescription.bad_certificate, str(exc))
        yield from super()._clientGetKeyFromChain(certificate, settings, tack_ext)


class TlsClient:
    """Opens TLS connections; when a server asks for a client certificate, the card signs the handshake.

    ``signer`` is ``None`` for a client without a card (a server asking for a certificate then gets
    none). ``trust`` checks the server (``ServerTrust.system()`` by default). ``versions`` are the TLS
    versions offered ("1.2", "1.3"). ``resolve`` maps host names to the addresses to connect to (like
    curl's ``--resolve``); the name is still what the server certificate must match.
    """

    def __init__(
        self,
        signer: TranscriptSigner | None,
        trust: ServerTrust | None = None,
        *,
        versions: Sequence[str] = ("1.2", "1.3"),
        timeout: float = DEFAULT_TIMEOUT,
        resolve: Mapping[str, str] | None = None,
    ) -> None:
        unknown = [v for v in versions if v not in VERSIONS]
        if unknown or not versions:
            raise TlsError(f"TLS versions must be among {sorted(VERSIONS)}, got {list(versions)}")
        self._signer = signer
        self._trust = trust if trust is not None else ServerTrust.system()
        self._versions = sorted(VERSIONS[v] for v in versions)
        self._timeout = timeout
        self._resolve = dict(resolve or {})
        self._chain: tuple[X509CertChain, Any, x509.Certificate] | None = None
        #: One entry per completed handshake: (host, TLS version "1.2"/"1.3", whether the card signed).
        self.handshakes: list[tuple[str, str, bool]] = []

    @property
    def signer(self) -> TranscriptSigner | None:
        """The card-side signer (``None`` without a card)."""
        return self._signer

    @property
    def certificate(self) -> x509.Certificate | None:
        """The card's authentication certificate, once a server asked for it."""
        return self._chain[2] if self._chain is not None else None

    def connect(self, host: str, port: int = 443) -> TLSConnection:
        """A connected, handshaken TLS connection to ``host:port`` (socket-like: ``sendall``, ``makefile``)."""
        try:
            sock = socket.create_connection((self._resolve.get(host, host), port), timeout=self._timeout)
        except OSError as exc:
            raise TlsConnectionError(f"cannot connect to {host}:{port}: {exc}") from exc
        connection = _CheckedConnection(sock, self._trust, host)
        try:
            cert_chain, key = self._client_credentials()
            signed_before = self._signer.signatures if self._signer is not None else 0
            connection.handshakeClientCert(cert_chain, key, settings=self._settings(key), serverName=host)
        except _TlsliteError as exc:
            connection.sock.close()
            if connection.server_problem is not None:
                raise connection.server_problem from None
            raise TlsHandshakeError(f"TLS handshake with {host}:{port} failed: {exc}") from exc
        except OSError as exc:
            connection.sock.close()
            raise TlsConnectionError(f"TLS handshake with {host}:{port} broke: {exc}") from exc
        except BaseException:
            connection.sock.close()
            raise
        signed = self._signer is not None and self._signer.signatures > signed_before
        version = next(name for name, number in VERSIONS.items() if number == tuple(connection.version))
        self.handshakes.append((host, version, signed))
        return connection

    def _client_credentials(self) -> tuple[X509CertChain | None, Any]:
        if self._signer is None:
            return None, None
        if self._chain is None:
            self._chain = _credentials(self._signer)
        return self._chain[0], self._chain[1]

    def _settings(self, key: Any) -> HandshakeSettings:
        settings = HandshakeSettings()
        settings.minVersion = self._versions[0]
        settings.maxVersion = self._versions[-1]
        # The card signs SHA-256 RSA (PKCS#1 v1.5 first for TLS 1.2; TLS 1.3 allows PSS only) and ECDSA
        # with its curve's hash; the lists also say which server signatures are accepted.
        settings.rsaSchemes = ["pkcs1", "pss"]
        settings.rsaSigHashes = ["sha256", "sha384", "sha512"]
        curve_hash = key.hash_name if isinstance(key, CardEcdsaKey) else "sha384"
        settings.ecdsaSigHashes = [curve_hash] + [h for h in ("sha256", "sha384", "sha512") if h != curve_hash]
        settings.more_sig_schemes = []
        settings.sendFallbackSCSV = False
        # tlslite-ng 0.8 compresses the client's TLS 1.3 Certificate when its *own* ClientHello offered
        # compression, whatever the server said (OpenSSL then aborts with unexpected_message): off.
        settings.certificate_compression_send = []
        settings.certificate_compression_receive = []
        return settings.validate()


def _credentials(signer: TranscriptSigner) -> tuple[X509CertChain, Any, x509.Certificate]:
    """The client chain (authentication certificate + its CA) and the card-backed key object."""
    try:
        certificates: CardCertificates = signer.token.read_certificates()
    except SecurityStatusNotSatisfied:
        # OpenSC shows applet 1.7 certificates only after C_Login: the login's one PIN entry comes first.
        signer.unlock()
        certificates = signer.token.read_certificates()
    if not certificates.authentication:
        raise TlsError("the card has no authentication certificate")
    try:
        leaf = load_der_certificate(certificates.authentication)
        public_key = leaf.public_key()
    except ValueError as exc:
        raise TlsError("the card's authentication certificate cannot be parsed") from exc
    key: Any
    if isinstance(public_key, rsa.RSAPublicKey):
        key = CardRsaKey(public_key, signer)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in CURVE_HASHES:
            raise TlsError(f"curve {public_key.curve.name} is not usable for TLS")
        key = CardEcdsaKey(public_key, signer)
    else:
        raise TlsError("the card's authentication key is neither RSA nor ECDSA")
    ders = [certificates.authentication] + ([certificates.ca] if certificates.ca else [])
    chain = []
    for der in ders:
        parsed = X509()
        try:
            parsed.parseBinary(bytearray(der))
        except (SyntaxError, ValueError, EidError) as exc:
            raise TlsError("the card's certificate chain cannot be encoded for TLS") from exc
        chain.append(parsed)
    return X509CertChain(chain), key, leaf
