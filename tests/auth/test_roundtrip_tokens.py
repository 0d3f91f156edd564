"""``authenticate()`` through the real stacks a user has: pcscd + vpcd virtual cards (both applets)
and OpenSC's PKCS#11 module on the 1.7 card, each with OpenSSL's OCSP responder and a CRL server."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import eidlib
from eidlib.auth import AuthTokenValidator, NonceNotFound, authenticate
from eidlib.auth.validator import ValidationPolicy
from eidlib.emulator.pki import TestPki
from tests.auth.independent import webeid_token_ok
from tests.auth.revocation import revocation_services

ORIGIN = "https://portal.example.be"
OPENSC_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def _login(token: Any, root: bytes, profile: str | None, *, pin: str = "1234", ocsp: bool = True) -> None:
    validator = AuthTokenValidator(ORIGIN, [root], check_revocation=False)
    nonce = validator.issue_challenge("session")
    auth_token = authenticate(pin, challenge=nonce, origin=ORIGIN, token=token, format="web-eid:1.1")
    assert webeid_token_ok(auth_token.to_json(), ORIGIN, nonce)
    leaf = x509.load_der_x509_certificate(auth_token.unverified_certificate)
    if ocsp and profile is not None:
        with revocation_services(profile, leaf) as services:
            policy = ValidationPolicy.create([root], origin=ORIGIN, revocation=services.checker)
            validator = AuthTokenValidator(policy=policy, challenge_store=validator.challenges)
            user = validator.validate_session(auth_token.to_json(), "session")
    else:
        user = validator.validate_session(auth_token.to_json(), "session")
    assert user.certificate.public_bytes(encoding=Encoding.DER) == auth_token.unverified_certificate
    assert user.national_number
    with pytest.raises(NonceNotFound):
        validator.validate_session(auth_token.to_json(), "session")


def _pki_root(profile: str) -> bytes:
    return TestPki.load(profile=profile).root.cert_der()  # type: ignore[arg-type]




@pytest.mark.ocsp
@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_through_pcscd(pcsc_cards: Any, profile: str) -> None:
    reader = pcsc_cards.reader_17 if profile == "1.7" else pcsc_cards.reader_18
    with eidlib.open_card(reader=reader) as card:
        _login(card, _pki_root(profile), profile)
        assert not card.pin_verified


@pytest.mark.opensc
@pytest.mark.ocsp
def test_through_opensc_pkcs11(pcsc_cards: Any) -> None:
    from eidlib.pkcs11 import open_token

    with open_token(OPENSC_MODULE, token_label=None, reader=pcsc_cards.reader_17) as token:
        _login(token, _pki_root("1.7"), "1.7")
