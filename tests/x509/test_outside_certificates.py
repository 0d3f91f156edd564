"""Issue 12 item 3: every parse of certificate bytes from outside goes through one strict loader.

``cryptography`` raises ``x509.InvalidVersion`` (not a ``ValueError``) for a certificate whose version
field is not v1/v2/v3; the loader, the RRN certificate of the integrity check and the login
material of ``authenticate()`` must all turn that into their typed error.
"""

from __future__ import annotations

import sys
import threading
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import NoAuthenticationCertificate, authenticate, generate_nonce
from eidlib.carddata import IntegrityError, verify_integrity
from eidlib.carddata.certificate import certificate_public_key, load_der_certificate
from eidlib.token.protocol import CardCertificates
from eidlib.x509 import CertificateError
from tests.auth.softcard import soft_card
from tests.support.pki import make_pki

_PKI = make_pki()
_V3 = bytes.fromhex("a003020102")  # [0] EXPLICIT version INTEGER 2 (v3)


def with_version(der: bytes, value: int) -> bytes:
    """``der`` with the version INTEGER set to ``value`` (the signature no longer matters: parsing fails first)."""
    index = der.index(_V3)
    return der[:index] + bytes.fromhex("a0030201") + bytes([value]) + der[index + len(_V3):]


def test_invalid_version_is_refused_typed() -> None:
    bad = with_version(_PKI.auth.der, 3)
    with pytest.raises(x509.InvalidVersion):
        x509.load_der_x509_certificate(bad)  # what the library must not let through
    assert not issubclass(x509.InvalidVersion, ValueError)
    with pytest.raises(CertificateError, match="RRN certificate"):
        load_der_certificate(bad, what="RRN certificate")
    assert load_der_certificate(_PKI.auth.der).serial_number == _PKI.auth.cert.serial_number


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=255))
def test_corrupted_certificates_raise_only_certificate_error(position: int, flip: int) -> None:
    data = bytearray(_PKI.auth.der)
    data[position % len(data)] ^= flip
    try:
        load_der_certificate(bytes(data))
    except CertificateError:
        return


def test_integrity_check_with_a_bad_version_rrn_certificate() -> None:
    rrn = with_version(_PKI.root.der, 3)
    with pytest.raises(IntegrityError) as info:
        verify_integrity(identity=b"\x01\x01x", identity_signature=b"s", address=b"\x01\x01x",
                         address_signature=b"s", rrn_certificate=rrn)
    assert info.value.file == "rrn_certificate"


def test_login_material_with_a_bad_version_certificate() -> None:
    card, _, _ = soft_card("ec")
    assert card.auth_cert is not None
    bad = with_version(card.auth_cert.public_bytes(serialization.Encoding.DER), 3)

    class BadCard(type(card)):  # type: ignore[misc]
        def read_certificates(self) -> CardCertificates:
            return CardCertificates(authentication=bad, signature=None, ca=None, root=None)

    broken = BadCard(auth_key=card.auth_key, auth_cert=card.auth_cert)
    with pytest.raises(NoAuthenticationCertificate):
        authenticate(bytearray(b"1234"), challenge=generate_nonce(), origin="https://portal.example.be",
                     token=broken)


def test_one_parse_serves_every_caller_and_failures_are_not_remembered() -> None:
    der = _PKI.auth.der
    first = load_der_certificate(der)
    assert load_der_certificate(bytearray(der)) is first and load_der_certificate(memoryview(der)) is first
    bad = with_version(der, 3)
    for _ in range(2):  # a refused input is refused again, not served from anywhere
        with pytest.raises(CertificateError):
            load_der_certificate(bad)
    key = certificate_public_key(der)
    assert certificate_public_key(bytearray(der)) is key
    assert key.public_numbers() == first.public_key().public_numbers()  # type: ignore[union-attr]
    with pytest.raises(CertificateError, match="the RRN certificate"):
        certificate_public_key(bad, what="the RRN certificate")


def test_parsing_from_several_threads_leaves_the_warning_filters_as_they_were() -> None:
    """``warnings.catch_warnings`` swaps process-wide state: parses in threads must not tangle it."""
    before = list(warnings.filters)
    certificates = [make_pki().auth.der for _ in range(4)]
    errors: list[BaseException] = []

    def parse(der: bytes) -> None:
        for index in range(40):
            try:
                load_der_certificate(der[:-1] + bytes([index]))  # a new input each time: no cache hit
            except BaseException as exc:  # pragma: no cover - what the test is for
                errors.append(exc)

    threads = [threading.Thread(target=parse, args=(der,)) for der in certificates * 2]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can, to meet the race
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    assert list(warnings.filters) == before
