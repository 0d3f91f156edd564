"""Validator checks on a PKI built in the test: purpose, key usage, EKU, configuration, fuzzing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eidlib.auth import (
    AuthError,
    AuthToken,
    AuthTokenValidator,
    CertificateDecodeError,
    CertificateNotTrusted,
    CertificateRevoked,
    ChallengeFlow,
    MissingKeyUsage,
    NonceNotFound,
    OcspResponderError,
    RevocationCheckFailed,
    TokenParseError,
    WrongPurpose,
    authenticate,
    generate_nonce,
    validate_authentication_certificate,
)
from eidlib.auth.validator import ValidationPolicy
from eidlib.carddata import certificate as outside
from eidlib.emulator.pki import issue as issue_certificate
from eidlib.x509 import errors as x509_errors
from eidlib.x509.chain import ValidatedChain
from tests.auth.softcard import SoftCard, default_pki, issue_leaf, soft_card
from tests.auth.webeid_vectors import CITIZEN_CA, ES384, ORIGIN, VALIDATION_TIME
from tests.support.pki import Issued, issue, new_key

SITE = "https://portal.example.be"


def _token_for(card: SoftCard) -> tuple[str, str]:
    nonce = generate_nonce()
    return authenticate("1234", challenge=nonce, origin=SITE, token=card).to_json(), nonce


def _validator(ca: Issued, **options: Any) -> AuthTokenValidator:
    options.setdefault("revocation", None)
    return AuthTokenValidator(policy=ValidationPolicy.create([ca.der], origin=SITE, **options))


def _card_with(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> SoftCard:
    return SoftCard(auth_key=key, auth_cert=cert)


def test_leaf_without_eku_is_accepted_like_web_eid() -> None:
    _, ca = default_pki()
    key = ec.generate_private_key(ec.SECP384R1())
    card = _card_with(issue_leaf(ca, key, eku=False), key)
    token, nonce = _token_for(card)
    assert _validator(ca).validate(token, nonce).surname == "Specimen"


def _custom_leaf(ca: Issued, key: ec.EllipticCurvePrivateKey, *, ku: x509.KeyUsage | None,
                 eku: list[x509.ObjectIdentifier] | None) -> x509.Certificate:
    return issue_certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "X (Authentication)")]), key.public_key(), ca,
        serial=x509.random_serial_number(), not_before=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        not_after=dt.datetime(2034, 1, 1, tzinfo=dt.timezone.utc), usage=ku, eku=eku or (),
    )


def _ku(digital_signature: bool, non_repudiation: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature, non_repudiation, False, False, False, False, False, False, False)


@pytest.mark.parametrize(
    ("ku", "eku", "error"),
    [
        (None, None, MissingKeyUsage),
        (_ku(False, True), None, WrongPurpose),
        (_ku(True, True), None, WrongPurpose),
        (_ku(True, False), [ExtendedKeyUsageOID.EMAIL_PROTECTION], WrongPurpose),
        (_ku(True, False), [ExtendedKeyUsageOID.SERVER_AUTH], WrongPurpose),
    ],
)
def test_purpose_checks(ku: x509.KeyUsage | None, eku: list[x509.ObjectIdentifier] | None,
                        error: type[AuthError]) -> None:
    _, ca = default_pki()
    key = ec.generate_private_key(ec.SECP384R1())
    card = _card_with(_custom_leaf(ca, key, ku=ku, eku=eku), key)
    token, nonce = _token_for(card)
    with pytest.raises(error):
        _validator(ca).validate(token, nonce)


def test_certificate_from_another_ca_is_not_trusted() -> None:
    _, ca = default_pki()
    other_root = issue("root", "Other Root", key=new_key("p384"))
    other_ca = issue("ca", "Other CA", other_root, key=new_key("p384"))
    key = ec.generate_private_key(ec.SECP384R1())
    card = _card_with(issue_leaf(other_ca, key), key)
    token, nonce = _token_for(card)
    with pytest.raises(CertificateNotTrusted):
        _validator(ca).validate(token, nonce)
    # A self-issued leaf configured as its own "anchor" is no chain either.
    with pytest.raises(CertificateNotTrusted):
        AuthTokenValidator(SITE, [card.auth_cert], check_revocation=False).validate(token, nonce)  # type: ignore[list-item]


class _Raiser:
    """A revocation policy whose every check raises ``exc``."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def check_chain(self, chain: ValidatedChain, *, now: dt.datetime | None = None) -> None:
        raise self.exc


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (x509_errors.CertificateRevoked(1, reason="keyCompromise"), CertificateRevoked),
        (x509_errors.CertificateRevoked(1, unknown=True), CertificateRevoked),
        (x509_errors.OcspUnavailable("down"), RevocationCheckFailed),
        (x509_errors.OcspResponseStale("old"), RevocationCheckFailed),
        (x509_errors.OcspNonceMismatch("replay"), RevocationCheckFailed),
        (x509_errors.OcspResponderNotAuthorized("rogue"), OcspResponderError),
        (x509_errors.OcspUrlNotAllowed("ssrf"), RevocationCheckFailed),
    ],
)
def test_ocsp_failures_map_and_fail_closed(raised: Exception, expected: type[AuthError]) -> None:
    card, _, ca = soft_card("ec")
    token, nonce = _token_for(card)
    with pytest.raises(expected) as info:
        _validator(ca, revocation=_Raiser(raised)).validate(token, nonce)
    if isinstance(raised, x509_errors.CertificateRevoked) and raised.unknown:
        assert info.value.reason == "unknown"  # type: ignore[attr-defined]


def test_ocsp_checker_gets_leaf_and_issuer_and_time() -> None:
    card, _, ca = soft_card("ec")
    token, nonce = _token_for(card)
    seen: list[tuple[x509.Certificate, x509.Certificate, dt.datetime | None]] = []

    class Recorder:
        def check_chain(self, chain: ValidatedChain, *, now: dt.datetime | None = None) -> None:
            seen.append((chain.leaf.certificate, chain.issuer.certificate, now))

    moment = dt.datetime(2025, 5, 5, tzinfo=dt.timezone.utc)
    _validator(ca, revocation=Recorder(), now=moment).validate(token, nonce)
    ((leaf, issuer, now),) = seen
    assert leaf == card.auth_cert and issuer == ca.cert and now == moment


def test_configuration_errors() -> None:
    with pytest.raises(ValueError):
        AuthTokenValidator(SITE, [])
    with pytest.raises(ValueError):
        AuthTokenValidator(SITE, [b"not a certificate"])
    naive = AuthTokenValidator(ORIGIN, [CITIZEN_CA], check_revocation=False, now=VALIDATION_TIME.replace(tzinfo=None))
    assert naive.validate(ES384.text, ES384.nonce)


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    base = ES384.data
    cert = base64.b64decode(str(base["unverifiedCertificate"]))

    def flip_cert(positions: list[int]) -> dict[str, Any]:
        raw = bytearray(cert)
        for p in positions:
            raw[p % len(raw)] ^= 0xFF
        return {**base, "unverifiedCertificate": base64.b64encode(bytes(raw)).decode()}

    def truncate_cert(n: int) -> dict[str, Any]:
        return {**base, "unverifiedCertificate": base64.b64encode(cert[: n % len(cert) + 1]).decode()}

    return st.one_of(
        st.lists(st.integers(0, 10_000), min_size=1, max_size=4).map(flip_cert),
        st.integers(0, 10_000).map(truncate_cert),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_fuzzed_certificates_raise_only_auth_errors(token: dict[str, Any]) -> None:
    validator = AuthTokenValidator(ORIGIN, [CITIZEN_CA], check_revocation=False, now=VALIDATION_TIME)
    if token["unverifiedCertificate"] == ES384.data["unverifiedCertificate"]:  # flips cancelled out
        assert validator.validate(json.dumps(token), ES384.nonce)
        return
    with pytest.raises(AuthError):
        validator.validate(json.dumps(token), ES384.nonce)


def test_token_object_round_trips_through_validator() -> None:
    token = AuthToken.from_json(ES384.text)
    validator = AuthTokenValidator(ORIGIN, [CITIZEN_CA], check_revocation=False, now=VALIDATION_TIME)
    assert validator.validate(token.to_dict(), ES384.nonce).national_number == "01050399864"
    assert validator.validate(token.to_json(), ES384.nonce).national_number == "01050399864"


def test_chain_cache_is_used_and_respects_validity(monkeypatch: pytest.MonkeyPatch) -> None:
    from eidlib.auth import CertificateExpired
    from eidlib.auth import validator as validator_module
    from tests.auth.softcard import END

    _, ca = default_pki()
    key = ec.generate_private_key(ec.SECP384R1())
    card = _card_with(issue_leaf(ca, key, not_after=END + dt.timedelta(days=400)), key)  # outlives the CA
    token, nonce = _token_for(card)
    calls: list[int] = []
    real = validator_module.validate_chain  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(validator_module, "validate_chain", counting)
    now = [dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)]
    v = _validator(ca, now=lambda: now[0])
    for _ in range(3):
        assert v.validate(token, nonce)
    assert len(calls) == 1
    now[0] = END + dt.timedelta(days=200)  # leaf still valid, its CA expired: the cache must not answer
    with pytest.raises(CertificateExpired):
        v.validate(token, nonce)
    assert len(calls) == 2
    uncached = _validator(ca, chain_cache_size=0)
    for _ in range(2):
        uncached.validate(token, nonce)
    assert len(calls) == 4


def test_validator_is_thread_safe() -> None:
    import threading

    policy = ValidationPolicy.create([CITIZEN_CA], origin=ORIGIN, revocation=None, now=VALIDATION_TIME,
                                     chain_cache_size=1)
    validator = AuthTokenValidator(policy=policy)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(15):
                assert validator.validate(ES384.text, ES384.nonce).national_number == "01050399864"
        except BaseException as exc:  # collected and re-raised in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --------------------------------------------------------------------------- issue 12.3 / 12.10


def _with_version_3(der: bytes) -> bytes:
    """The certificate with its version field changed from 2 (v3) to 3, which X.509 does not define."""
    v3 = bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2
    index = der.index(v3)
    return der[:index] + bytes.fromhex("a003020103") + der[index + len(v3):]


def test_certificate_with_invalid_version_is_a_typed_error() -> None:
    """cryptography's InvalidVersion is not a ValueError: it must still become CertificateDecodeError."""
    card, _, ca = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=SITE, token=card).to_dict()
    der = base64.b64decode(token["unverifiedCertificate"])
    token["unverifiedCertificate"] = base64.b64encode(_with_version_3(der)).decode()
    with pytest.raises(CertificateDecodeError, match="user certificate"):
        _validator(ca).validate(json.dumps(token), nonce)
    with pytest.raises(x509_errors.CertificateError):
        validate_authentication_certificate([_with_version_3(der)], policy=_validator(ca).policy)


def test_dict_token_has_the_text_token_limit() -> None:
    card, _, ca = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=SITE, token=card).to_dict()
    assert _validator(ca).validate(token, nonce)
    token["padding"] = "x" * 12_000  # unknown fields are ignored, but count towards the size
    with pytest.raises(TokenParseError, match="too long"):
        _validator(ca).validate(token, nonce)
    with pytest.raises(TokenParseError):
        _validator(ca).validate(json.dumps(token), nonce)


# --------------------------------------------------------------------------- shared certificate core


def test_certificate_core_for_a_tls_chain() -> None:
    """validate_authentication_certificate takes a chain (as a TLS server has it) and gives the user."""
    card, root, ca = soft_card("ec")
    assert card.auth_cert is not None
    leaf_der = card.auth_cert.public_bytes(Encoding.DER)
    policy = ValidationPolicy.create([root.der], revocation=None)
    user = validate_authentication_certificate([leaf_der, ca.der], policy=policy, algorithm="tls")
    assert user.national_number == "71715100070" and user.algorithm == "tls"
    with pytest.raises(CertificateNotTrusted):
        validate_authentication_certificate([leaf_der], policy=policy)  # the CA is missing
    assert card.sign_cert is not None
    with pytest.raises(WrongPurpose):
        validate_authentication_certificate([card.sign_cert, ca.der], policy=policy)


def test_certificate_errors_are_the_trust_layer_errors() -> None:
    """Auth's certificate errors are x509's (catch either), with the x509 attributes kept."""
    pairs = [
        (CertificateNotTrusted, x509_errors.CertificateNotTrusted),
        (WrongPurpose, x509_errors.WrongCertificatePurpose),
        (MissingKeyUsage, x509_errors.MissingKeyUsage),
        (CertificateRevoked, x509_errors.CertificateRevoked),
        (RevocationCheckFailed, x509_errors.RevocationError),
        (OcspResponderError, x509_errors.OcspResponderNotAuthorized),
        (CertificateDecodeError, x509_errors.CertificateError),
    ]
    for auth_class, x509_class in pairs:
        assert issubclass(auth_class, x509_class) and issubclass(auth_class, AuthError)
    _, ca = default_pki()
    key = ec.generate_private_key(ec.SECP384R1())
    late = dt.datetime(2040, 1, 1, tzinfo=dt.timezone.utc)
    card = _card_with(issue_leaf(ca, key), key)
    token, nonce = _token_for(card)
    from eidlib.auth import CertificateExpired

    with pytest.raises(x509_errors.CertificateExpired) as info:
        _validator(ca, now=late).validate(token, nonce)
    assert isinstance(info.value, CertificateExpired)
    assert info.value.at == late and info.value.not_after < late


def test_challenge_flow_begin_complete() -> None:
    card, _, ca = soft_card("ec")
    validator = _validator(ca)
    flow = ChallengeFlow(validator)
    challenge = flow.authenticate_begin("pre-login-1")
    token = authenticate("1234", challenge=challenge.nonce, origin=SITE, token=card).to_json()
    assert flow.authenticate_complete("pre-login-1", token).surname == "Specimen"
    with pytest.raises(NonceNotFound):  # single use
        flow.authenticate_complete("pre-login-1", token)
    # validate() itself never touches a store: the same token and nonce still validate.
    assert validator.validate(token, challenge.nonce)


def test_leaf_is_parsed_once_per_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """One DER parse of the user certificate per validate(): purpose, chain, revocation and user share it."""
    card, _, ca = soft_card("ec")
    assert card.auth_cert is not None
    leaf_der = card.auth_cert.public_bytes(Encoding.DER)
    token, nonce = _token_for(card)
    seen: list[ValidatedChain] = []

    class Recorder:
        def check_chain(self, chain: ValidatedChain, *, now: dt.datetime | None = None) -> None:
            seen.append(chain)

    validator = _validator(ca, revocation=Recorder(), chain_cache_size=0)
    real = x509.load_der_x509_certificate
    parses: list[bytes] = []

    def counting(data: bytes, *args: Any) -> x509.Certificate:
        parses.append(bytes(data))
        return real(data, *args)

    monkeypatch.setattr(x509, "load_der_x509_certificate", counting)
    outside._parse.cache_clear()  # the login that made the token parsed the same bytes already
    outside._public_key.cache_clear()
    user = validator.validate(token, nonce)
    assert parses.count(leaf_der) == 1
    assert seen[0].leaf.certificate is user.certificate
