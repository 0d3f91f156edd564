"""Known answers: the real Belgian Web eID tokens validate, and every single-field tampering fails typed."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

from eidlib.auth import (
    ALGORITHMS,
    BELGIAN_AUTH_POLICIES,
    AlgorithmMismatch,
    AuthError,
    AuthTokenValidator,
    CertificateDecodeError,
    CertificateExpired,
    CertificateNotTrusted,
    CertificateNotYetValid,
    ChallengeMissing,
    DisallowedPolicy,
    InvalidOrigin,
    SignatureInvalid,
    TokenParseError,
    UnsupportedAlgorithm,
    UnsupportedTokenFormat,
    WrongPurpose,
    signed_message,
)
from eidlib.auth.validator import ValidationPolicy
from eidlib.x509.truststore import TrustStore
from tests.auth.webeid_vectors import ALL, CITIZEN_CA, ES384, ORIGIN, ROOT_CA, RS256, VALIDATION_TIME, Vector

ids = [v.algorithm for v in ALL]


def validator(**overrides: Any) -> AuthTokenValidator:
    options: dict[str, Any] = {"revocation": None, "now": VALIDATION_TIME}
    options.update(overrides)
    trusted = options.pop("trusted", [CITIZEN_CA])
    origin = options.pop("origin", ORIGIN)
    for name in ("allowed_policies", "disallowed_policies"):
        if name in options:
            options[name] = frozenset(options[name])
    return AuthTokenValidator(policy=ValidationPolicy.create(trusted, origin=origin, **options))


def tampered(vector: Vector, **fields: Any) -> str:
    data = vector.data
    for key, value in fields.items():
        if value is _DELETE:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


_DELETE = object()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_signed_data_is_the_collector_value(vector: Vector) -> None:
    assert signed_message(ORIGIN, vector.nonce, ALGORITHMS[vector.algorithm]) == vector.signed_data


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_real_token_validates(vector: Vector) -> None:
    user = validator().validate(vector.text, vector.nonce)
    assert user.national_number == "01050399864"
    assert user.given_names == "Nora Angèle"
    assert user.surname == "Specimen"
    assert user.common_name == "Nora Specimen (Authentication)"
    assert user.country == "BE"
    assert user.algorithm == vector.algorithm
    assert user.auth_method == "eid" and user.level == 500
    assert user.certificate.public_bytes(encoding=Encoding.DER) == vector.user_cert
    assert user.validated_at == VALIDATION_TIME
    assert user.to_dict()["national_number"] == "01050399864"




@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_validates_as_dict_and_bytes_and_with_root_anchor(vector: Vector) -> None:
    assert validator().validate(vector.data, vector.nonce).national_number == "01050399864"
    assert validator().validate(vector.text.encode(), vector.nonce).surname == "Specimen"
    # Root as anchor works when the token (1.1) carries the Citizen CA as an intermediate candidate.
    ca_der = TrustStore([CITIZEN_CA]).x509_certificates()[0].public_bytes(Encoding.DER)
    text = tampered(vector, format="web-eid:1.1", unverifiedIntermediateCertificates=[b64(ca_der)])
    assert validator(trusted=[ROOT_CA]).validate(text, vector.nonce).surname == "Specimen"
    assert validator(trusted=TrustStore([ROOT_CA, CITIZEN_CA])).validate(vector.text, vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_unknown_fields_and_app_version_are_ignored(vector: Vector) -> None:
    text = tampered(vector, appVersion="https://evil.example/9.9", action="whatever", extra={"x": 1})
    assert validator().validate(text, vector.nonce).national_number == "01050399864"


# --- origin and nonce ------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", ALL, ids=ids)
@pytest.mark.parametrize(
    "origin",
    ["https://ria.ee", "https://47f0-46-131-86-189.ngrok-free.app:8443", "https://ngrok-free.app"],
)
def test_other_origin_fails(vector: Vector, origin: str) -> None:
    with pytest.raises(SignatureInvalid):
        validator(origin=origin).validate(vector.text, vector.nonce)


@pytest.mark.parametrize(
    "origin",
    [ORIGIN + "/", ORIGIN + "/login", ORIGIN + "?a=1", ORIGIN + "#x", "http://47f0-46-131-86-189.ngrok-free.app",
     ORIGIN.upper(), ORIGIN + ":443", "", "ftp://x"],
)
def test_non_canonical_configured_origin_is_refused(origin: str) -> None:
    with pytest.raises(InvalidOrigin):
        validator(origin=origin)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_other_nonce_fails(vector: Vector) -> None:
    other = RS256.nonce if vector is ES384 else ES384.nonce
    with pytest.raises(SignatureInvalid):
        validator().validate(vector.text, other)
    decoded_form = base64.b64decode(vector.nonce).hex()
    with pytest.raises(SignatureInvalid):
        validator().validate(vector.text, decoded_form)
    with pytest.raises(ChallengeMissing):
        validator().validate(vector.text, "")


# --- time and trust --------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_time_window(vector: Vector) -> None:
    with pytest.raises(CertificateNotYetValid):
        validator(now=vector.not_before - dt.timedelta(seconds=1)).validate(vector.text, vector.nonce)
    with pytest.raises(CertificateExpired):
        validator(now=vector.not_after + dt.timedelta(seconds=1)).validate(vector.text, vector.nonce)
    assert validator(now=lambda: vector.not_before + dt.timedelta(days=1)).validate(vector.text, vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_untrusted_anchor_fails(vector: Vector) -> None:
    from tests.support.vectors import VECTORS

    rca6 = (VECTORS / "eid-mw" / "roots" / "belgiumrca6.pem").read_bytes()
    with pytest.raises(CertificateNotTrusted):
        validator(trusted=[rca6]).validate(vector.text, vector.nonce)
    # The root alone is not enough when the token does not carry the intermediate.
    with pytest.raises(CertificateNotTrusted):
        validator(trusted=[ROOT_CA]).validate(vector.text, vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_policies(vector: Vector) -> None:
    assert validator(allowed_policies=BELGIAN_AUTH_POLICIES).validate(vector.text, vector.nonce)
    with pytest.raises(DisallowedPolicy):
        validator(allowed_policies={"2.16.56.9.1.1.2.2"}).validate(vector.text, vector.nonce)
    with pytest.raises(DisallowedPolicy):
        validator(disallowed_policies={"2.16.56.12.1.1.2.2"}).validate(vector.text, vector.nonce)


# --- single-field tampering ------------------------------------------------------------------------


def _flip(text: str, index: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return b64(bytes(raw))


@pytest.mark.parametrize("vector", ALL, ids=ids)
@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"unverifiedCertificate": _DELETE}, TokenParseError),
        ({"unverifiedCertificate": ""}, TokenParseError),
        ({"unverifiedCertificate": 5}, TokenParseError),
        ({"unverifiedCertificate": ["MIIB"]}, TokenParseError),
        ({"unverifiedCertificate": "not base64!"}, TokenParseError),
        ({"unverifiedCertificate": b64(b"\x30\x03\x02\x01\x00")}, CertificateDecodeError),
        ({"algorithm": _DELETE}, TokenParseError),
        ({"algorithm": ""}, TokenParseError),
        ({"algorithm": "none"}, UnsupportedAlgorithm),
        ({"algorithm": "HS256"}, UnsupportedAlgorithm),
        ({"algorithm": 256}, TokenParseError),
        ({"signature": _DELETE}, TokenParseError),
        ({"signature": ""}, TokenParseError),
        ({"signature": "@@@@"}, TokenParseError),
        ({"signature": b64(b"\x00" * 96)}, SignatureInvalid),
        ({"format": _DELETE}, UnsupportedTokenFormat),
        ({"format": "web-eid:2"}, UnsupportedTokenFormat),
        ({"format": "web-eid:10"}, UnsupportedTokenFormat),
        ({"format": "web-eid:1.x"}, UnsupportedTokenFormat),
        ({"format": "web-eid:1.0 "}, UnsupportedTokenFormat),
        ({"format": "webeid:1.0"}, UnsupportedTokenFormat),
        ({"format": 1.0}, UnsupportedTokenFormat),
        ({"unverifiedIntermediateCertificates": []}, TokenParseError),
    ],
)
def test_field_tampering(vector: Vector, fields: dict[str, Any], error: type[AuthError]) -> None:
    with pytest.raises(error):
        validator().validate(tampered(vector, **fields), vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_every_signature_byte_flip_fails(vector: Vector) -> None:
    sig = vector.data["signature"]
    assert isinstance(sig, str)
    v = validator()
    for index in range(0, vector.signature_length, 7):
        with pytest.raises(SignatureInvalid):
            v.validate(tampered(vector, signature=_flip(sig, index)), vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_signature_length_must_be_exact(vector: Vector) -> None:
    raw = base64.b64decode(str(vector.data["signature"]))
    for bad in (raw[:-1], raw + b"\x00", b"\x00" + raw, raw[1:]):
        with pytest.raises(SignatureInvalid):
            validator().validate(tampered(vector, signature=b64(bad)), vector.nonce)


def test_der_encoded_ecdsa_is_refused_where_raw_is_expected() -> None:
    raw = base64.b64decode(str(ES384.data["signature"]))
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    with pytest.raises(SignatureInvalid):
        validator().validate(tampered(ES384, signature=b64(der)), ES384.nonce)


@pytest.mark.parametrize(
    ("vector", "algorithm", "error"),
    [
        (ES384, "ES256", AlgorithmMismatch),
        (ES384, "ES512", AlgorithmMismatch),
        (ES384, "RS256", AlgorithmMismatch),
        (ES384, "PS384", AlgorithmMismatch),
        (ES384, "es384", UnsupportedAlgorithm),
        (RS256, "ES384", AlgorithmMismatch),
        (RS256, "RS384", SignatureInvalid),
        (RS256, "RS512", SignatureInvalid),
        (RS256, "PS256", SignatureInvalid),
    ],
)
def test_algorithm_confusion(vector: Vector, algorithm: str, error: type[AuthError]) -> None:
    with pytest.raises(error):
        validator().validate(tampered(vector, algorithm=algorithm), vector.nonce)


def test_swapped_certificates_fail() -> None:
    # The ES384 signature with the RSA certificate, and vice versa.
    with pytest.raises(AlgorithmMismatch):
        validator().validate(tampered(ES384, unverifiedCertificate=b64(RS256.user_cert)), ES384.nonce)
    with pytest.raises(AlgorithmMismatch):
        validator().validate(tampered(RS256, unverifiedCertificate=b64(ES384.user_cert)), RS256.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_certificate_signature_tampering_breaks_the_chain(vector: Vector) -> None:
    cert = bytearray(vector.user_cert)
    cert[-3] ^= 0x01  # inside the CA's signature over the certificate
    with pytest.raises((CertificateNotTrusted, CertificateDecodeError)):
        validator().validate(tampered(vector, unverifiedCertificate=b64(bytes(cert))), vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_ca_certificate_as_user_certificate_is_wrong_purpose(vector: Vector) -> None:
    ca_der = TrustStore([CITIZEN_CA]).x509_certificates()[0].public_bytes(Encoding.DER)
    with pytest.raises(WrongPurpose):
        validator().validate(tampered(vector, unverifiedCertificate=b64(ca_der)), vector.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_every_single_character_change_is_rejected(vector: Vector) -> None:
    """Change one character of each security-relevant field value; nothing may validate."""
    v = validator()
    for field in ("unverifiedCertificate", "algorithm", "signature", "format"):
        value = str(vector.data[field])
        for index in range(0, len(value), max(1, len(value) // 12)):
            replacement = "B" if value[index] != "B" else "C"
            changed = value[:index] + replacement + value[index + 1:]
            with pytest.raises(AuthError):
                v.validate(tampered(vector, **{field: changed}), vector.nonce)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 99,
        "[" + "1," * 60 + "1]",
        '{"format": "web-eid:1.0"' + " " * 200 + "}",
        json.dumps({"pad": "x" * 31000}),
        ES384.text.replace('"format"', '"format": "web-eid:1.0", "format"', 1),
        ES384.text[:-1],
        '{"a": NaN' + " " * 100 + "}",
    ],
    ids=["empty", "short", "array", "missing", "long", "duplicate", "truncated", "nan"],
)
def test_malformed_token_text(text: str) -> None:
    with pytest.raises(TokenParseError):
        validator().validate(text, ES384.nonce)


@pytest.mark.parametrize("vector", ALL, ids=ids)
@pytest.mark.parametrize("serial", [0, -5])
def test_non_positive_serial_is_refused(vector: Vector, serial: int) -> None:
    """RFC 5280 forbids it; cryptography only warns, the validator refuses it outright."""
    from asn1crypto import x509 as asn1_x509

    cert = asn1_x509.Certificate.load(vector.user_cert)
    tbs = cert["tbs_certificate"].copy()
    tbs["serial_number"] = serial
    forged = asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": cert["signature_algorithm"],
         "signature_value": cert["signature_value"]}
    ).dump()
    with pytest.raises(CertificateDecodeError):
        validator().validate(tampered(vector, unverifiedCertificate=b64(forged)), vector.nonce)
