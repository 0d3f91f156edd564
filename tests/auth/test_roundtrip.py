"""End to end: ``authenticate()`` on the virtual cards → validator with the card's test root and a real
OpenSSL OCSP responder → user. Also replay, expiry, wrong origin, signature certificate, revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509

import eidlib
from eidlib.auth import (
    AuthToken,
    AuthTokenValidator,
    CertificateRevoked,
    MemoryChallengeStore,
    NonceExpired,
    NonceNotFound,
    RevocationCheckFailed,
    SignatureInvalid,
    WrongPurpose,
    authenticate,
    generate_nonce,
    signed_message,
)
from eidlib.auth.algorithms import ALGORITHMS
from eidlib.auth.challenge import ChallengeStore
from eidlib.auth.validator import ValidationPolicy
from eidlib.x509 import RevocationChecker
from tests.auth.independent import webeid_token_ok
from tests.auth.revocation import LOOPBACK, checker_for, revocation_services
from tests.support.redis import free_port

ORIGIN = "https://portal.example.be"
PROFILES = ("1.7", "1.8")
EXPECTED_ALG = {"1.7": "RS256", "1.8": "ES384"}


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def card(profile: str) -> Iterator[eidlib.BeidCard]:
    with eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as opened:
        yield opened


def _certs(card: Any) -> tuple[x509.Certificate, bytes]:
    certificates = card.read_certificates()
    assert certificates.authentication and certificates.root
    return x509.load_der_x509_certificate(certificates.authentication), certificates.root


def _validator(root: bytes, checker: RevocationChecker, store: ChallengeStore | None = None) -> AuthTokenValidator:
    policy = ValidationPolicy.create([root], origin=ORIGIN, revocation=checker)
    return AuthTokenValidator(policy=policy, challenge_store=store)


@pytest.mark.ocsp
def test_round_trip_with_real_ocsp(card: Any, profile: str) -> None:
    leaf, root = _certs(card)
    store = MemoryChallengeStore()
    with revocation_services(profile, leaf) as services:
        validator = _validator(root, services.checker, store)
        nonce = validator.issue_challenge("browser-1")
        token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
        assert token.algorithm == EXPECTED_ALG[profile]
        user = validator.validate_session(token.to_json(), "browser-1")
        assert services.responder.pids, "the OpenSSL responder was not asked"
        assert services.crl_server.hits == {"/root.crl": 1}
    assert user.national_number and len(user.national_number) == 11
    assert user.surname and user.given_names
    assert user.algorithm == EXPECTED_ALG[profile]
    assert webeid_token_ok(token.to_json(), ORIGIN, nonce)
    # Replay of the same token: the nonce is gone.
    with pytest.raises(NonceNotFound):
        validator.validate_session(token.to_json(), "browser-1")
    assert not card.pin_verified  # LOG OFF happened


@pytest.mark.ocsp
@pytest.mark.parametrize("status", ["R", "unknown"])
def test_revoked_and_unknown_are_rejected(card: Any, profile: str, status: str) -> None:
    leaf, root = _certs(card)
    with revocation_services(profile, leaf, status=status) as services:
        validator = _validator(root, services.checker)
        nonce = generate_nonce()
        token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
        with pytest.raises(CertificateRevoked) as info:
            validator.validate(token.to_json(), nonce)
    if status == "unknown":
        assert info.value.reason == "unknown"


@pytest.mark.ocsp
def test_revoked_intermediate_is_rejected(card: Any, profile: str) -> None:
    leaf, root = _certs(card)
    ca = card.read_certificates().ca
    with revocation_services(profile, leaf, revoke_ca=True) as services:
        validator = _validator(root, services.checker)
        nonce = generate_nonce()
        token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
        with pytest.raises(CertificateRevoked):
            validator.validate(token.to_json(), nonce)
        # With the Citizen CA itself as the anchor there is no intermediate to check.
        anchored = _validator(ca, services.checker)
        assert anchored.validate(token.to_json(), nonce).surname


@pytest.mark.ocsp
def test_crl_unreachable_fails_closed(card: Any, profile: str) -> None:
    leaf, root = _certs(card)
    with revocation_services(profile, leaf) as services:
        checker = checker_for(services.responder.url, f"http://127.0.0.1:{free_port()}/x.crl")
        validator = _validator(root, checker)
        nonce = generate_nonce()
        token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
        with pytest.raises(RevocationCheckFailed):
            validator.validate(token.to_json(), nonce)


def test_responder_down_fails_closed(card: Any) -> None:
    _, root = _certs(card)
    down = RevocationChecker(ocsp_url=f"http://127.0.0.1:{free_port()}/", ocsp_hosts=LOOPBACK, timeout=3.0)
    validator = _validator(root, down)
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
    with pytest.raises(RevocationCheckFailed):
        validator.validate(token.to_json(), nonce)


def test_default_ocsp_refuses_a_non_belgian_responder_host(card: Any) -> None:
    # The card's AIA points to 127.0.0.1, which the default allowlist does not contain (SSRF guard).
    _, root = _certs(card)
    validator = AuthTokenValidator(ORIGIN, [root])
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
    with pytest.raises(RevocationCheckFailed):
        validator.validate(token.to_json(), nonce)


def test_expired_nonce(card: Any) -> None:
    _, root = _certs(card)
    now = [1000.0]
    store = MemoryChallengeStore(ttl=300, clock=lambda: now[0])
    validator = AuthTokenValidator(ORIGIN, [root], check_revocation=False, challenge_store=store)
    nonce = validator.issue_challenge("s")
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
    now[0] += 301
    with pytest.raises(NonceExpired):
        validator.validate_session(token.to_json(), "s")
    with pytest.raises(NonceNotFound):
        validator.validate_session(token.to_json(), "s")


def test_token_for_another_session_or_origin(card: Any) -> None:
    _, root = _certs(card)
    validator = AuthTokenValidator(ORIGIN, [root], check_revocation=False)
    attacker_nonce = validator.issue_challenge("attacker")
    validator.issue_challenge("victim")
    token = authenticate("1234", challenge=attacker_nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
    with pytest.raises(SignatureInvalid):  # login CSRF: token made for another session's nonce
        validator.validate_session(token.to_json(), "victim")
    phishing = authenticate("1234", challenge=attacker_nonce, origin="https://portal-example.be", token=card,
                            format="web-eid:1.1")
    with pytest.raises(SignatureInvalid):
        validator.validate_session(phishing.to_json(), "attacker")


def test_signature_certificate_token_is_rejected(card: Any, profile: str) -> None:
    certificates = card.read_certificates()
    _, root = _certs(card)
    sign_cert = x509.load_der_x509_certificate(certificates.signature)
    alg = ALGORITHMS[EXPECTED_ALG[profile]]
    nonce = generate_nonce()
    message = signed_message(ORIGIN, nonce, alg)
    signature = card.sign(message, key="signature", hash=alg.hash, pin="1234")
    card.log_off()
    token = AuthToken(certificates.signature, alg.name, signature, "web-eid:1.1",
                      unverified_intermediate_certificates=(certificates.ca,))
    validator = AuthTokenValidator(ORIGIN, [root], check_revocation=False)
    with pytest.raises(WrongPurpose):
        validator.validate(token.to_json(), nonce)
    assert sign_cert.subject != x509.load_der_x509_certificate(certificates.authentication).subject


def test_validation_time_outside_certificate(card: Any) -> None:
    leaf, root = _certs(card)
    from eidlib.auth import CertificateExpired, CertificateNotYetValid

    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1").to_json()
    late = AuthTokenValidator(ORIGIN, [root], check_revocation=False,
                              now=leaf.not_valid_after_utc + dt.timedelta(seconds=1))
    with pytest.raises(CertificateExpired):
        late.validate(token, nonce)
    early = AuthTokenValidator(ORIGIN, [root], check_revocation=False,
                               now=leaf.not_valid_before_utc - dt.timedelta(seconds=1))
    with pytest.raises(CertificateNotYetValid):
        early.validate(token, nonce)


@pytest.mark.ocsp
@pytest.mark.parametrize("ttl", [None, 0.0])
def test_revocation_answers_are_cached_per_checker(card: Any, profile: str, ttl: float | None) -> None:
    """The checker's defaults cache GOOD OCSP answers (60 s) and CRLs until nextUpdate; ttl 0 asks every time."""
    leaf, root = _certs(card)
    with revocation_services(profile, leaf) as services:
        # The library defaults, only pointed at the loopback services (the real allowlist is Belgian hosts).
        options = {} if ttl is None else {"good_cache_ttl": ttl}
        checker = checker_for(services.responder.url, services.crl_server.url("/root.crl"), **options)
        validator = _validator(root, checker)
        for session in ("browser-1", "browser-2"):
            nonce = validator.issue_challenge(session)
            token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
            assert validator.validate_session(token.to_json(), session).national_number
        expected = 1 if ttl is None else 2
        assert len(services.responder.pids) == expected, "GOOD answers are reused only while the cache allows"
        assert services.crl_server.hits == {"/root.crl": 1}
