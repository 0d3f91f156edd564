"""The portal + eID login host for the virtual cards, assembled (used by ``tlsstack`` and the tests)."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask

from eidlib.auth import AuthTokenValidator, ValidationPolicy
from eidlib.auth.validator import Revocation
from eidlib.emulator.pki import TestPki
from eidlib.tls import ClientCertificateVerifier, ProxyTrust
from examples.portal.app import create_app
from examples.portal.loginhost import EidTlsLogin, Handoff, create_login_host
from examples.portal.serverpki import LOGIN_HOST, PORTAL_HOST, make_server_pki
from examples.portal.tlsstack import (
    BELGIAN_CA_NAMES,
    Nginx,
    ServedApp,
    belgian_roots_pem,
    dev_tls_context,
    free_port,
    render_nginx_conf,
    serve,
)


@dataclass
class Demo:
    """URLs and parts of a running portal + login host."""

    portal_url: str
    login_url: str
    server_ca: Path
    handoff: Handoff
    login_app: Flask
    portal_app: Flask
    nginx: Nginx | None
    login_port: int
    portal_port: int

    @property
    def start_url(self) -> str:
        """Where a browser (or ``eid login``) starts the eID TLS login."""
        return f"{self.portal_url}/auth/eid-tls/start?lang=en"


def _pem(der: bytes) -> bytes:
    return ssl.DER_cert_to_PEM_cert(der).encode()


def write_client_ca_files(prefix: Path) -> tuple[Path, Path]:
    """``prefix/ca-names.pem`` (the Belgian citizen CAs + the virtual cards' CAs, for the CertificateRequest)
    and ``prefix/roots.pem`` (the Belgian roots + the virtual cards' roots) for the login host's nginx."""
    pkis = [TestPki.load(profile="1.7"), TestPki.load(profile="1.8")]
    ca_names = prefix / "ca-names.pem"
    ca_names.write_bytes(BELGIAN_CA_NAMES.read_bytes() + b"".join(
        _pem(p.citizen_ca.certificate.public_bytes(serialization.Encoding.DER)) for p in pkis))
    roots_file = prefix / "roots.pem"
    roots_file.write_bytes(belgian_roots_pem() + b"".join(
        _pem(p.root.certificate.public_bytes(serialization.Encoding.DER)) for p in pkis))
    return ca_names, roots_file


@contextlib.contextmanager
def build_demo(
    prefix: Path,
    *,
    dev: bool = False,
    login_protocols: str = "TLSv1.2",
    revocation: Revocation | None = None,
) -> Iterator[Demo]:
    """Start everything under ``prefix``; stop it on exit. Trust: the virtual cards' test PKIs;
    ``revocation`` (e.g. a :class:`~eidlib.x509.RevocationChecker` for loopback responders), none by default."""
    prefix = prefix.resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    pkis = [TestPki.load(profile="1.7"), TestPki.load(profile="1.8")]
    roots = [p.root.certificate for p in pkis]
    cas = [p.citizen_ca.certificate.public_bytes(serialization.Encoding.DER) for p in pkis]
    files = make_server_pki(prefix / "server")
    portal_port, login_port = free_port(), free_port()
    portal_url, login_url = f"https://{PORTAL_HOST}:{portal_port}", f"https://{LOGIN_HOST}:{login_port}"

    verifier = ClientCertificateVerifier(
        ValidationPolicy.create(roots, revocation=revocation),
        proxy=ProxyTrust(unix_socket=True), intermediates=cas,
    )
    handoff = Handoff()
    login_app = create_login_host(verifier, handoff, portal_url)
    portal_app = create_app(validator=AuthTokenValidator(portal_url, roots, check_revocation=False),
                            login_host_url=f"{portal_url}/auth/eid-tls/start")
    portal_app.register_blueprint(EidTlsLogin(handoff, f"{login_url}/eid").blueprint(
        portal_app.extensions["eidportal"]))
    served: list[ServedApp] = []
    nginx: Nginx | None = None
    try:
        if dev:
            portal_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            portal_tls.load_cert_chain(files.cert, files.key)
            served.append(serve(portal_app, port=portal_port, ssl_context=portal_tls))
            served.append(serve(login_app, port=login_port,
                                ssl_context=dev_tls_context(files.cert, files.key, cas)))
        else:
            ca_names, roots_file = write_client_ca_files(prefix)
            portal_socket, login_socket = prefix / "portal.sock", prefix / "login.sock"
            served.append(serve(portal_app, unix_socket=portal_socket))
            served.append(serve(login_app, unix_socket=login_socket))
            conf = render_nginx_conf(
                prefix, portal_port=portal_port, login_port=login_port, server_cert=files.cert,
                server_key=files.key, ca_names=ca_names, roots=roots_file, portal_socket=portal_socket,
                login_socket=login_socket,
                login_protocols=login_protocols, global_directives="user root;" if _is_root() else "",
            )
            nginx = Nginx(prefix, conf)
            nginx.start([portal_port, login_port])
        yield Demo(portal_url, login_url, files.ca, handoff, login_app, portal_app, nginx, login_port, portal_port)
    finally:
        if nginx is not None:
            nginx.stop()
        for app in served:
            app.stop()


def _is_root() -> bool:
    import os

    return os.geteuid() == 0
