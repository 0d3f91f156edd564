"""``web-eid:1.1`` tokens with ``unverifiedSigningCertificates``: round trip, and tampering refused."""

from __future__ import annotations

import base64
import dataclasses
import json
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

import eidlib
from eidlib.auth import AuthError, AuthTokenValidator, TokenParseError, authenticate
from eidlib.auth.signing_certificates import (
    SigningCertificateInvalid,
    signing_certificate_entry,
    supported_signature_algorithms,
)

ORIGIN = "https://portal.example.be"
NONCE = "A" * 43 + "="


@cache
def certificates(profile: str) -> eidlib.CardCertificates:
    with eidlib.open_card(virtual=profile) as card:  # type: ignore[arg-type]
        return card.read_certificates()


@cache
def token_1_1(profile: str) -> dict[str, Any]:
    with eidlib.open_card(virtual=profile) as card:  # type: ignore[arg-type]
        token = authenticate("1234", challenge=NONCE, origin=ORIGIN, token=card, format="web-eid:1.1")
        signing = card.read_certificates().signature
    assert signing
    return dataclasses.replace(token, unverified_signing_certificates=(signing_certificate_entry(signing),)).to_dict()


def validator(profile: str) -> AuthTokenValidator:
    certs = certificates(profile)
    assert certs.root
    return AuthTokenValidator(ORIGIN, [certs.root], check_revocation=False)


def with_signing(profile: str, **fields: Any) -> dict[str, Any]:
    token = json.loads(json.dumps(token_1_1(profile)))
    entry = token["unverifiedSigningCertificates"][0]
    for name, value in fields.items():
        if value is _DELETE:
            del entry[name]
        else:
            entry[name] = value
    return token


_DELETE = object()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_1_1_token_with_signing_certificate_round_trips(profile: str) -> None:
    token = token_1_1(profile)
    assert token["format"] == "web-eid:1.1" and token["appVersion"].startswith("https://pypi.org/project/eidlib/")
    assert validator(profile).validate(json.dumps(token), NONCE)
    expected = "ECC" if profile == "1.8" else "RSA"
    algorithms = token["unverifiedSigningCertificates"][0]["supportedSignatureAlgorithms"]
    assert {a["cryptoAlgorithm"] for a in algorithms} == {expected}


def _foreign_signing_certificate(profile: str) -> bytes:
    """Same subject, issuer name and authority key id as the real one, but signed by another key."""
    real = x509.load_der_x509_certificate(certificates(profile).signature or b"")
    key = ec.generate_private_key(ec.SECP384R1())
    builder = (
        x509.CertificateBuilder().subject_name(real.subject).issuer_name(real.issuer).public_key(key.public_key())
        .serial_number(real.serial_number).not_valid_before(real.not_valid_before_utc)
        .not_valid_after(real.not_valid_after_utc)
    )
    for extension in real.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(key, hashes.SHA384()).public_bytes(Encoding.DER)


def test_format_pattern_accepts_later_minor_versions() -> None:
    token = dict(token_1_1("1.8"), format="web-eid:1.5")
    assert validator("1.8").validate(json.dumps(token), NONCE)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"certificate": "auth"}, SigningCertificateInvalid),  # the authentication certificate: no non-repudiation
        ({"certificate": "other-card"}, SigningCertificateInvalid),  # another card's signing certificate
        ({"certificate": "forged"}, SigningCertificateInvalid),  # right names, wrong issuer key: chain fails
        ({"certificate": "ca"}, SigningCertificateInvalid),
        ({"certificate": _DELETE}, TokenParseError),
        ({"certificate": ""}, TokenParseError),
        ({"certificate": "@@@@"}, TokenParseError),
        ({"certificate": "AAAA\n"}, TokenParseError),
        ({"certificate": b64(b"\x30\x03\x02\x01\x00")}, SigningCertificateInvalid),
        ({"supportedSignatureAlgorithms": _DELETE}, TokenParseError),
        ({"supportedSignatureAlgorithms": []}, TokenParseError),
        ({"supportedSignatureAlgorithms": {}}, TokenParseError),
        ({"supportedSignatureAlgorithms": ["RSA"]}, TokenParseError),
        ({"supportedSignatureAlgorithms": [{"cryptoAlgorithm": "DSA", "hashFunction": "SHA-256",
                                            "paddingScheme": "NONE"}]}, TokenParseError),
        ({"supportedSignatureAlgorithms": [{"cryptoAlgorithm": "ECC", "hashFunction": "MD5",
                                            "paddingScheme": "NONE"}]}, TokenParseError),
        ({"supportedSignatureAlgorithms": [{"cryptoAlgorithm": "ECC", "hashFunction": "SHA-256",
                                            "paddingScheme": "OAEP"}]}, TokenParseError),
        ({"supportedSignatureAlgorithms": [{"cryptoAlgorithm": "ECC", "hashFunction": "SHA-256"}]}, TokenParseError),
        ({"intermediateCertificates": []}, TokenParseError),
        ({"intermediateCertificates": ["%%"]}, TokenParseError),
    ],
    ids=lambda v: json.dumps(v, default=str)[:60] if isinstance(v, dict) else v.__name__,
)
def test_single_field_tampering_of_the_signing_certificate_is_refused(
    fields: dict[str, Any], error: type[AuthError]
) -> None:
    replacements = {
        "auth": b64(certificates("1.8").authentication or b""),
        "other-card": b64(certificates("1.7").signature or b""),
        "forged": b64(_foreign_signing_certificate("1.8")),
        "ca": b64(certificates("1.8").ca or b""),
    }
    resolved = {k: replacements.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    with pytest.raises(error):
        validator("1.8").validate(json.dumps(with_signing("1.8", **resolved)), NONCE)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"unverifiedSigningCertificates": []}, TokenParseError),
        ({"unverifiedSigningCertificates": {}}, TokenParseError),
        ({"unverifiedSigningCertificates": ["x"]}, TokenParseError),
        ({"unverifiedSigningCertificates": "many"}, TokenParseError),
        ({"format": "web-eid:1.0"}, TokenParseError),  # signing certificates need 1.1
        ({"format": "web-eid:1"}, TokenParseError),
    ],
)
def test_signing_certificate_list_tampering_is_refused(change: dict[str, Any], error: type[AuthError]) -> None:
    token = dict(token_1_1("1.8"), **change)
    with pytest.raises(error):
        validator("1.8").validate(json.dumps(token), NONCE)


def test_too_many_signing_certificates_are_refused() -> None:
    token = token_1_1("1.8")
    entry = token["unverifiedSigningCertificates"][0]
    with pytest.raises(TokenParseError):
        validator("1.8").validate(json.dumps(dict(token, unverifiedSigningCertificates=[entry] * 5)), NONCE)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_byte_change_in_the_signing_certificate_is_refused(data: st.DataObject) -> None:
    der = bytearray(certificates("1.8").signature or b"")
    index = data.draw(st.integers(0, len(der) - 1), label="index")
    der[index] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(AuthError):
        validator("1.8").validate(json.dumps(with_signing("1.8", certificate=b64(bytes(der)))), NONCE)


def test_supported_algorithms_follow_the_key() -> None:
    ec_names = {(a.crypto_algorithm, a.padding_scheme) for a in supported_signature_algorithms(
        certificates("1.8").signature or b"")}
    rsa_names = {(a.crypto_algorithm, a.padding_scheme) for a in supported_signature_algorithms(
        certificates("1.7").signature or b"")}
    assert ec_names == {("ECC", "NONE")} and rsa_names == {("RSA", "PKCS1.5")}
