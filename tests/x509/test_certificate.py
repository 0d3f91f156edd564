"""parse_certificate: known answers from shared/vectors, input forms, garbage."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.errors import EidError
from eidlib.x509 import CertificateError, CertificateRole, HolderType, parse_certificate
from eidlib.x509.policies import BELGIAN_POLICIES, PolicyUsage, holder_type, lookup_policies
from tests.support.vectors import VECTORS

UTC = dt.timezone.utc
TESTCARD = VECTORS / "eid-mw" / "testcard_67063029659"
ALICE = VECTORS / "commons-eid" / "tests-alice"
WEBEID = VECTORS / "webeid"

# (file, role, national number, key type, key size, sha256 of DER) from shared/vectors/README.md.
INVENTORY = [
    ("commons-eid/consumer/test-eid-v17-ec/rrn-cert.der", CertificateRole.RRN, None, "ec", 384,
     "207ab7276c57d6fab6aa242e873f06e3f375df9e280e8aa1fb1531f6fb156c76"),
    ("commons-eid/consumer/test-rrn-cert.der", CertificateRole.RRN, None, "rsa", 1024,
     "ebef94fdffb0bf9b20baef46617577edf7077e3482101630efaec55c2cc5a879"),
    ("commons-eid/tests-alice/Alice_AuthentificationCertificate.tlv", CertificateRole.AUTHENTICATION,
     "71715100070", "rsa", 1024, "30cbe78c9b56214a6f3691834c9e3650a3841f0278645d2d58b3cdadadbcec2b"),
    ("commons-eid/tests-alice/Alice_CACertificate.tlv", CertificateRole.CA, None, "rsa", 2048,
     "8441645b978b54d8c43a0a97fe3b18dd70e983b77fb694ea3fa3357c1e8b5df8"),
    ("commons-eid/tests-alice/Alice_RRNCertificate.tlv", CertificateRole.RRN, None, "rsa", 1024,
     "ebef94fdffb0bf9b20baef46617577edf7077e3482101630efaec55c2cc5a879"),
    ("commons-eid/tests-alice/Alice_RootCertificate.tlv", CertificateRole.ROOT, None, "rsa", 2048,
     "df66239ed41e37a13a431a5272526ab99df472a18b6e8709b4d3aa2e12c54876"),
    ("commons-eid/tests-alice/Alice_SigningCertificate.tlv", CertificateRole.SIGNATURE, "71715100070", "rsa", 1024,
     "0ff40b252321145195a6d6c91d047d2d43f8b59f5848272130640a55342babef"),
    ("eid-mw/applet18_samples/BRCA6.pem", CertificateRole.ROOT, None, "ec", 384,
     "9c872bc979a7c09a58d4a274c199e5cb16cfa9b9618d98bc9a9988e984b8495c"),
    ("eid-mw/applet18_samples/CitizenCA202002.pem", CertificateRole.CA, None, "ec", 384,
     "782873e7081a18e42012c11c6445daa92fbd3ff9e8882b4ddda55d8ff8f7d6c1"),
    ("eid-mw/applet18_samples/ForeignerCA202001.pem", CertificateRole.CA, None, "ec", 384,
     "e1b9eb40b86a4844453af2f7908151a7bd26e1c50d367bbb1a179ab4c858d6c3"),
    ("eid-mw/roots/belgiumrca.der", CertificateRole.ROOT, None, "rsa", 2048,
     "7c7ed4240bb253bb35c376e12e00b027f1659df9d8267422a93eed75edc7adfb"),
    ("eid-mw/roots/belgiumrca.pem", CertificateRole.ROOT, None, "rsa", 2048,
     "7c7ed4240bb253bb35c376e12e00b027f1659df9d8267422a93eed75edc7adfb"),
    ("eid-mw/roots/belgiumrca2.pem", CertificateRole.ROOT, None, "rsa", 2048,
     "9f9744463be13714754e1a3becf98c08cc205e4ab32028f4e2830c4a1b2775b8"),
    ("eid-mw/roots/belgiumrca3.pem", CertificateRole.ROOT, None, "rsa", 4096,
     "a8d14e945e3e5156bcae5e39737cf6a1b1f51028bbbf982f50ce5f4c05568b4d"),
    ("eid-mw/roots/belgiumrca4.pem", CertificateRole.ROOT, None, "rsa", 4096,
     "c3fbf37259af0954eeea4282dd1c7226a54e7150f7c29a2c495ba34dbfe09ca0"),
    ("eid-mw/roots/belgiumrca4b.pem", CertificateRole.ROOT, None, "rsa", 4096,
     "702dd5c1a093cf0a9d71fadd9bf9a7c5857d89fb73b716e867228b3c2beb968f"),
    ("eid-mw/roots/belgiumrca6.pem", CertificateRole.ROOT, None, "ec", 384,
     "9c872bc979a7c09a58d4a274c199e5cb16cfa9b9618d98bc9a9988e984b8495c"),
    ("eid-mw/testcard_67063029659/cert_authentication.der", CertificateRole.AUTHENTICATION, "67063029659", "rsa",
     2048, "ffc51bf6ed5a2b63671e4e6bedd2a90cc14a611683615c071b67d426cef51b96"),
    ("eid-mw/testcard_67063029659/cert_citizenca.der", CertificateRole.CA, None, "rsa", 2048,
     "8189e5828658153d151f0a890c086eacf6d1ecf546e19a7c1bb3929a9671d7c6"),
    ("eid-mw/testcard_67063029659/cert_root.der", CertificateRole.ROOT, None, "rsa", 2048,
     "8adf4f88ecbef192695842a4d73eff5abce99244e3d40d43b4edd24743021f5a"),
    ("eid-mw/testcard_67063029659/cert_rrn.der", CertificateRole.RRN, None, "rsa", 2048,
     "3ade539e665f328a1e9e0fa081878ea2cf1d99e12ecce656169b34ed1094770c"),
    ("eid-mw/testcard_67063029659/cert_signing.der", CertificateRole.SIGNATURE, "67063029659", "rsa", 2048,
     "1e39894fc5b59f2ea775927a34f23dabb4d422d1f388acb84b992fa8c498ec2b"),
    ("webeid/authtoken_be_es384.user_cert.der", CertificateRole.AUTHENTICATION, "01050399864", "ec", 384,
     "96a4641b9f9b566fc3a89973216f6a207eaab729d441034e82503d27eee5006d"),
    ("webeid/authtoken_be_rs256.user_cert.der", CertificateRole.AUTHENTICATION, "01050399864", "rsa", 2048,
     "a018fe18eaca8e7670b215257b993ba8b2b12c927b50bb631556a57568a16f32"),
    ("webeid/eID_TEST_EC_Citizen_CA.pem", CertificateRole.CA, None, "ec", 384,
     "d1fa6d7e813234e84d11df11b23ed67fbd7f8cfdf113da3e6e916af41f3880b5"),
    ("webeid/eID_TEST_EC_Root_CA.pem", CertificateRole.ROOT, None, "ec", 384,
     "a7d05fea9b8f02445be98fb3e24608f85471974f019b3ad4a2c0c5ba8c336848"),
]


@pytest.mark.parametrize(("path", "role", "national_number", "key_type", "key_size", "sha256"), INVENTORY)
def test_inventory(
    path: str, role: CertificateRole, national_number: str | None, key_type: str, key_size: int, sha256: str
) -> None:
    cert = parse_certificate((VECTORS / path).read_bytes())
    assert cert.role is role
    assert cert.national_number == national_number
    assert cert.key_type == key_type
    assert cert.key_size == key_size
    assert cert.sha256_fingerprint == sha256
    assert cert.curve == ("secp384r1" if key_type == "ec" else None)


def test_webeid_es384_leaf_fields() -> None:
    cert = parse_certificate((WEBEID / "authtoken_be_es384.user_cert.der").read_bytes())
    assert cert.common_name == "Nora Specimen (Authentication)"
    assert cert.given_names == "Nora Angèle"
    assert cert.surname == "Specimen"
    assert cert.subject_serial_number == "01050399864"
    assert cert.not_before == dt.datetime(2020, 10, 22, 22, 0, tzinfo=UTC)
    assert cert.not_after == dt.datetime(2030, 10, 22, 22, 0, tzinfo=UTC)
    assert cert.policy_oids == ("2.16.56.12.1.1.2.2",)
    assert [p.usage for p in cert.policies] == [PolicyUsage.AUTHENTICATION]
    assert cert.holder_type is HolderType.CITIZEN
    assert cert.key_usage == frozenset({"digital_signature"})
    assert cert.extended_key_usage == ("1.3.6.1.5.5.7.3.2",)
    assert cert.ocsp_urls == ("http://eiddevcards.zetescards.be:8888",)
    assert not cert.is_ca
    assert cert.qc_statements == ()
    assert cert.serial_number == 0x100000000000F1EBF1FE000000018A61


def test_testcard_signing_certificate_is_qualified() -> None:
    cert = parse_certificate((TESTCARD / "cert_signing.der").read_bytes())
    assert cert.role is CertificateRole.SIGNATURE
    assert cert.common_name == "Martine Lampaert (Signature)"
    assert cert.given_names == "Martine Hilde"
    assert cert.surname == "Lampaert"
    assert cert.key_usage == frozenset({"content_commitment"})
    assert cert.qc_statements == ("0.4.0.1862.1.1",)
    assert cert.is_qualified
    assert cert.qc_statement_names == ("QcCompliance",)
    assert cert.policies[0].description == "Root CA4 citizen non-repudiation"
    assert cert.crl_urls == ("http://crl.eid.belgium.be/eidc201211.crl",)
    assert cert.ocsp_urls == ("http://ocsp.eid.belgium.be",)
    assert cert.ca_issuer_urls == ("http://certs.eid.belgium.be/belgiumrs3.crt",)


def test_citizen_ca_202002_fields() -> None:
    cert = parse_certificate((VECTORS / "eid-mw/applet18_samples/CitizenCA202002.pem").read_bytes())
    assert cert.role is CertificateRole.CA
    assert cert.common_name == "Citizen CA"
    assert cert.subject_serial_number == "202002"
    assert cert.national_number is None
    assert cert.path_length == 0
    assert cert.key_usage == frozenset({"key_cert_sign", "crl_sign"})
    assert set(cert.extended_key_usage) == {"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4"}
    assert cert.ocsp_urls == ("http://ocsp.eidpki.belgium.be/eid/brca6",)
    assert cert.crl_urls == ("http://crl.eidpki.belgium.be/eid/brca6.crl",)
    assert cert.ca_issuer_urls == ("http://crt.eidpki.belgium.be/eid/brca6.crt",)


def test_input_forms_agree() -> None:
    der = (WEBEID / "authtoken_be_rs256.user_cert.der").read_bytes()
    parsed = parse_certificate(der)
    pem = parsed.certificate.public_bytes(serialization.Encoding.PEM)
    assert parse_certificate(pem) == parsed
    assert parse_certificate(pem.decode()) == parsed
    assert parse_certificate(bytearray(der)) == parsed
    assert parse_certificate(memoryview(der)) == parsed
    assert parse_certificate(parsed.certificate) == parsed
    assert parse_certificate(parsed) is parsed
    assert parse_certificate(der + bytes(50)) == parsed  # card files are zero padded
    assert parse_certificate(b"Subject: text before\n" + pem) == parsed


def test_padded_card_file_keeps_exact_der() -> None:
    raw = (ALICE / "Alice_CACertificate.tlv").read_bytes()
    cert = parse_certificate(raw)
    assert len(raw) == 1042 and len(cert.der) == 992
    assert raw[: len(cert.der)] == cert.der


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x80",
        b"\x30\x85\x01\x02\x03\x04\x05",
        b"\x30\x03\x02\x01\x01",
        b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        "plain text",
    ],
)
def test_garbage_raises_certificate_error(data: bytes | str) -> None:
    with pytest.raises(CertificateError):
        parse_certificate(data)


def test_trailing_non_zero_bytes_rejected() -> None:
    der = (WEBEID / "authtoken_be_rs256.user_cert.der").read_bytes()
    with pytest.raises(CertificateError, match="trailing"):
        parse_certificate(der + b"\x00\x01")


def test_truncated_der_rejected() -> None:
    der = (WEBEID / "authtoken_be_rs256.user_cert.der").read_bytes()
    with pytest.raises(CertificateError, match="truncated"):
        parse_certificate(der[:-1])


def test_wrong_type_rejected() -> None:
    with pytest.raises(CertificateError):
        parse_certificate(42)  # type: ignore[arg-type]


def test_certificate_error_is_an_eid_error() -> None:
    assert issubclass(CertificateError, EidError)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_certificate_error(data: bytes) -> None:
    with contextlib.suppress(CertificateError):
        parse_certificate(data)


_SAMPLE = (WEBEID / "authtoken_be_es384.user_cert.der").read_bytes()


# Corrupting the serial can make it non-positive, which cryptography still parses with a warning.
@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")
@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(_SAMPLE) - 1), st.integers(min_value=1, max_value=255))
def test_corrupted_certificate_raises_only_certificate_error(position: int, flip: int) -> None:
    data = bytearray(_SAMPLE)
    data[position] ^= flip
    try:
        cert = parse_certificate(bytes(data))
    except CertificateError:
        return
    assert cert.der == bytes(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=len(_SAMPLE) - 1))
def test_truncations_raise_certificate_error(length: int) -> None:
    with pytest.raises(CertificateError):
        parse_certificate(_SAMPLE[:length])


def test_policy_table() -> None:
    assert BELGIAN_POLICIES["2.16.56.9.1.1.7.2"].description == "Root CA2 foreigner authentication"
    assert BELGIAN_POLICIES["2.16.56.10.1.1.2.1"].usage is PolicyUsage.NON_REPUDIATION
    assert BELGIAN_POLICIES["2.16.56.1.1.1.4"].usage is PolicyUsage.RRN
    assert holder_type(["1.2.3", "2.16.56.12.1.1.7.1"]) is HolderType.FOREIGNER
    assert holder_type(["1.2.3"]) is None
    assert lookup_policies(["1.2.3"]) == ()


_NAME_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_characters=",+\"\\<>;="),
    min_size=1, max_size=10,  # the CN must stay within 64 UTF-8 bytes
).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None)
@given(
    given_names=_NAME_TEXT,
    surname=_NAME_TEXT,
    national_number=st.from_regex(r"[0-9]{11}", fullmatch=True),
    kind=st.sampled_from(["auth", "sign"]),
)
def test_generated_leaf_fields_round_trip(given_names: str, surname: str, national_number: str, kind: str) -> None:
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    suffix = "Authentication" if kind == "auth" else "Signature"
    name = cx509.Name([
        cx509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        cx509.NameAttribute(NameOID.COMMON_NAME, f"{given_names} {surname} ({suffix})"),
        cx509.NameAttribute(NameOID.SURNAME, surname),
        cx509.NameAttribute(NameOID.GIVEN_NAME, given_names),
        cx509.NameAttribute(NameOID.SERIAL_NUMBER, national_number),
    ])
    ku = cx509.KeyUsage(kind == "auth", kind == "sign", False, False, False, False, False, False, False)
    cert = (
        cx509.CertificateBuilder().subject_name(name).issuer_name(_ISSUER_NAME).public_key(_KEY.public_key())
        .serial_number(1).not_valid_before(dt.datetime(2020, 1, 1)).not_valid_after(dt.datetime(2030, 1, 1))
        .add_extension(ku, critical=True).sign(_KEY, hashes.SHA256())
    )
    parsed = parse_certificate(cert.public_bytes(serialization.Encoding.DER))
    assert parsed.given_names == given_names
    assert parsed.surname == surname
    assert parsed.national_number == national_number
    assert parsed.role is (CertificateRole.AUTHENTICATION if kind == "auth" else CertificateRole.SIGNATURE)
    assert parsed.common_name == f"{given_names} {surname} ({suffix})"


def _make_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


_KEY = _make_key()
_ISSUER_NAME = parse_certificate((WEBEID / "eID_TEST_EC_Citizen_CA.pem").read_bytes()).certificate.subject


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_arbitrary_pem_wrapped_bytes_raise_only_certificate_error(before: bytes, body: bytes) -> None:
    import base64

    pem = before + b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(body) + b"-----END CERTIFICATE-----\n"
    with contextlib.suppress(CertificateError):
        parse_certificate(pem)
