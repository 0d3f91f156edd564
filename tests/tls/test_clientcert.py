"""Server side: a client certificate (direct or from nginx's header) → the Web eID validator's checks → user."""

from __future__ import annotations

import datetime as dt
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

import eidlib
from eidlib.auth import (
    CertificateExpired,
    CertificateNotTrusted,
    CertificateRevoked,
    NoAuthenticationCertificate,
    RevocationCheckFailed,
    ValidationPolicy,
    WrongPurpose,
)
from eidlib.tls import ClientCertificateHeaderError, ClientCertificateVerifier, ProxyTrust, parse_escaped_certificate
from eidlib.tls.clientcert import PEER_CERTIFICATE_KEY
from tests.auth.revocation import checker_for, revocation_services
from tests.support.pki import make_pki
from tests.support.redis import free_port

ORIGIN = "https://login.portal.test"


@pytest.fixture(params=["1.7", "1.8"])
def card(request: pytest.FixtureRequest) -> Iterator[eidlib.BeidCard]:
    with eidlib.open_card(virtual=request.param) as opened:
        yield opened


def _escaped(der: bytes) -> str:
    """What nginx puts in ``$ssl_client_escaped_cert``: the PEM, URL-encoded."""
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()
    return urllib.parse.quote(pem, safe="")


def _policy(root: bytes, revocation: Any = None, **options: Any) -> ValidationPolicy:
    return ValidationPolicy.create([root], revocation=revocation, **options)


@pytest.mark.ocsp
def test_card_certificate_with_real_ocsp_gives_the_user(card: eidlib.BeidCard) -> None:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root and certificates.ca
    leaf = x509.load_der_x509_certificate(certificates.authentication)
    with revocation_services(card.applet_version[:3], leaf) as services:
        verifier = ClientCertificateVerifier(_policy(certificates.root, services.checker),
                                             intermediates=[certificates.ca])
        user = verifier.verify(certificates.authentication)
    assert user.national_number == leaf.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value
    assert (user.auth_method, user.level) == ("eid", 500)


@pytest.mark.ocsp
def test_revoked_certificate_is_refused(card: eidlib.BeidCard) -> None:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root and certificates.ca
    leaf = x509.load_der_x509_certificate(certificates.authentication)
    with revocation_services(card.applet_version[:3], leaf, status="R") as services:
        verifier = ClientCertificateVerifier(_policy(certificates.root, services.checker),
                                             intermediates=[certificates.ca])
        with pytest.raises(CertificateRevoked):
            verifier.verify(certificates.authentication)


def test_ocsp_down_fails_closed(card: eidlib.BeidCard) -> None:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root and certificates.ca
    down = checker_for(f"http://127.0.0.1:{free_port()}/", f"http://127.0.0.1:{free_port()}/root.crl", timeout=3.0)
    verifier = ClientCertificateVerifier(_policy(certificates.root, down), intermediates=[certificates.ca])
    with pytest.raises(RevocationCheckFailed):
        verifier.verify(certificates.authentication)


def test_signature_certificate_is_refused(card: eidlib.BeidCard) -> None:
    certificates = card.read_certificates()
    assert certificates.signature and certificates.root and certificates.ca
    verifier = ClientCertificateVerifier(_policy(certificates.root),
                                         intermediates=[certificates.ca])
    with pytest.raises(WrongPurpose):
        verifier.verify(certificates.signature)


def test_expired_and_foreign_certificates_are_refused(card: eidlib.BeidCard) -> None:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root and certificates.ca
    leaf = x509.load_der_x509_certificate(certificates.authentication)
    late = _policy(certificates.root, now=leaf.not_valid_after_utc + dt.timedelta(days=1))
    with pytest.raises(CertificateExpired):
        ClientCertificateVerifier(late, intermediates=[certificates.ca]).verify(certificates.authentication)
    foreign = make_pki()  # an unrelated root -> CA -> authentication certificate
    verifier = ClientCertificateVerifier(_policy(certificates.root),
                                         intermediates=[certificates.ca, foreign.ca.der])
    with pytest.raises(CertificateNotTrusted):
        verifier.verify(foreign.auth.der)


def test_header_is_believed_only_from_the_proxy(card: eidlib.BeidCard, caplog: pytest.LogCaptureFixture) -> None:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root and certificates.ca
    validator = _policy(certificates.root)
    verifier = ClientCertificateVerifier(validator, proxy=ProxyTrust(["127.0.0.1"]), intermediates=[certificates.ca])
    header = {"HTTP_X_SSL_CLIENT_CERT": _escaped(certificates.authentication)}
    assert verifier.verify_request({**header, "REMOTE_ADDR": "127.0.0.1"}).level == 500
    with caplog.at_level(logging.WARNING, logger="eidlib.tls.clientcert"), pytest.raises(NoAuthenticationCertificate):
        verifier.verify_request({**header, "REMOTE_ADDR": "127.0.0.9"})
    assert "untrusted peer '127.0.0.9'" in caplog.text
    unix = ClientCertificateVerifier(validator, proxy=ProxyTrust(unix_socket=True), intermediates=[certificates.ca])
    assert unix.verify_request({**header, "REMOTE_ADDR": "<local>"}).level == 500
    with pytest.raises(NoAuthenticationCertificate):
        unix.verify_request({**header, "REMOTE_ADDR": "127.0.0.1"})
    nobody = ClientCertificateVerifier(validator, intermediates=[certificates.ca])
    with pytest.raises(NoAuthenticationCertificate):
        nobody.verify_request({**header, "REMOTE_ADDR": "127.0.0.1"})
    # The dev server's own TLS layer sets a non-header key: believed whoever the peer is.
    assert nobody.verify_request({PEER_CERTIFICATE_KEY: certificates.authentication}).level == 500


def test_escaped_header_round_trip(card: eidlib.BeidCard) -> None:
    der = card.read_certificates().authentication
    assert der
    assert parse_escaped_certificate(_escaped(der)) == der
    with pytest.raises(ClientCertificateHeaderError):
        parse_escaped_certificate(_escaped(der) * 2)


@given(st.text(max_size=300))
def test_header_parser_gives_der_or_a_typed_error(value: str) -> None:
    try:
        der = parse_escaped_certificate(value)
    except ClientCertificateHeaderError:
        return
    x509.load_der_x509_certificate(der)


def test_overlong_header_is_refused() -> None:
    with pytest.raises(ClientCertificateHeaderError, match="too long"):
        parse_escaped_certificate("A" * 20000)
