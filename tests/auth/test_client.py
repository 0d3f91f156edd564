"""``authenticate()`` against a software card: the steps of spec §7.1, PIN rules, token format."""

from __future__ import annotations

import base64
import hashlib
import json
import string

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import (
    AuthToken,
    AuthTokenValidator,
    InvalidChallenge,
    InvalidOrigin,
    NoAuthenticationCertificate,
    SignatureInvalid,
    UnsupportedFormat,
    authenticate,
    generate_nonce,
)
from eidlib.token.errors import PinBlocked, PinFormatError, WrongPin
from tests.auth.independent import webeid_token_ok
from tests.auth.softcard import SoftCard, default_pki, soft_card

ORIGIN = "https://portal.example.be"


def _validator(root_or_ca: bytes) -> AuthTokenValidator:
    return AuthTokenValidator(ORIGIN, [root_or_ca], check_revocation=False)


@pytest.mark.parametrize(("kind", "alg", "sig_len"), [("ec", "ES384", 96), ("rsa", "RS256", 256)])
def test_round_trip(kind: str, alg: str, sig_len: int) -> None:
    card, _root, ca = soft_card(kind)
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card)
    assert token.algorithm == alg and len(token.signature) == sig_len
    assert card.calls == ["read_certificates", "pin_tries_left", "verify_pin", "sign:authentication", "log_off"]
    assert not card.verified
    # What the card signed: H(H(origin) || H(nonce)), derived locally.
    h = hashlib.sha384 if alg == "ES384" else hashlib.sha256
    assert card.signed == [h(h(ORIGIN.encode()).digest() + h(nonce.encode()).digest()).digest()]
    user = _validator(ca.der).validate(token.to_json(), nonce)
    assert user.national_number == "71715100070" and user.given_names == "Alice Anne"
    assert webeid_token_ok(token.to_json(), ORIGIN, nonce)
    assert not webeid_token_ok(token.to_json(), "https://evil.example", nonce)


def test_token_json_is_the_web_eid_format() -> None:
    card, _, _ = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card)
    data = json.loads(token.to_json())
    assert set(data) == {"unverifiedCertificate", "algorithm", "signature", "format", "appVersion"}
    assert data["format"] == "web-eid:1.0"
    assert data["appVersion"].startswith("https://")
    assert base64.b64decode(data["unverifiedCertificate"]) == card.read_certificates().authentication
    assert len(base64.b64decode(data["signature"])) == 96  # raw r||s, not DER
    assert AuthToken.from_json(token.to_json()) == token
    assert AuthToken.from_dict(token.to_dict()) == token


def test_format_1_1_carries_the_card_ca_and_validates_against_the_root() -> None:
    card, root, ca = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin=ORIGIN, token=card, format="web-eid:1.1")
    data = token.to_dict()
    assert data["format"] == "web-eid:1.1"
    assert [base64.b64decode(c) for c in data["unverifiedIntermediateCertificates"]] == [ca.der]
    assert _validator(root.der).validate(token.to_json(), nonce).surname == "Specimen"
    assert webeid_token_ok(token.to_json(), ORIGIN, nonce)


def test_origin_is_normalised_before_signing() -> None:
    card, _, ca = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin="HTTPS://Portal.Example.BE:443", token=card)
    assert _validator(ca.der).validate(token.to_json(), nonce)


def test_idn_origin_is_signed_as_punycode() -> None:
    card, _, ca = soft_card("ec")
    nonce = generate_nonce()
    token = authenticate("1234", challenge=nonce, origin="https://päike.ee", token=card)
    v = AuthTokenValidator("https://xn--pike-loa.ee", [ca.der], check_revocation=False)
    assert v.validate(token.to_json(), nonce)
    assert webeid_token_ok(token.to_json(), "https://xn--pike-loa.ee", nonce)


@pytest.mark.parametrize(
    ("pin", "origin", "challenge", "error"),
    [
        ("1234", "http://portal.example.be", None, InvalidOrigin),
        ("1234", ORIGIN + "/", None, InvalidOrigin),
        ("1234", ORIGIN + "/login?x", None, InvalidOrigin),
        ("1234", ORIGIN, "short", InvalidChallenge),
        ("1234", ORIGIN, "A" * 129, InvalidChallenge),
        ("1234", ORIGIN, "é" * 44, InvalidChallenge),
        ("123", ORIGIN, None, PinFormatError),
        ("1234567890123", ORIGIN, None, PinFormatError),
        ("12a4", ORIGIN, None, PinFormatError),
        ("１２３４", ORIGIN, None, PinFormatError),
    ],
)
def test_bad_input_never_touches_the_card(
    pin: str, origin: str, challenge: str | None, error: type[Exception]
) -> None:
    card, _, _ = soft_card("ec")
    with pytest.raises(error):
        authenticate(pin, challenge=challenge or generate_nonce(), origin=origin, token=card)
    assert card.calls == []
    assert card.tries_left == 3


def test_unknown_format_is_refused_before_the_card() -> None:
    card, _, _ = soft_card("ec")
    with pytest.raises(UnsupportedFormat):
        authenticate("1234", challenge=generate_nonce(), origin=ORIGIN, token=card, format="web-eid:2.0")
    assert card.calls == []


def test_blocked_pin_stops_before_verify() -> None:
    card, _, _ = soft_card("ec")
    card.tries_left = 0
    with pytest.raises(PinBlocked):
        authenticate("1234", challenge=generate_nonce(), origin=ORIGIN, token=card)
    assert "verify_pin" not in card.calls
    assert not any(c.startswith("sign") for c in card.calls)


def test_wrong_pin_is_not_retried_and_logs_off() -> None:
    card, _, _ = soft_card("ec")
    with pytest.raises(WrongPin) as info:
        authenticate("9999", challenge=generate_nonce(), origin=ORIGIN, token=card)
    assert info.value.tries_left == 2
    assert card.calls.count("verify_pin") == 1
    assert card.calls[-1] == "log_off"
    assert "9999" not in str(info.value)


def test_bytearray_pin_is_wiped() -> None:
    card, _, _ = soft_card("ec")
    pin = bytearray(b"1234")
    authenticate(pin, challenge=generate_nonce(), origin=ORIGIN, token=card)
    assert pin == bytearray(4)
    bad = bytearray(b"12")
    with pytest.raises(PinFormatError):
        authenticate(bad, challenge=generate_nonce(), origin=ORIGIN, token=card)
    assert bad == bytearray(2)


def test_card_without_authentication_certificate() -> None:
    card, _, _ = soft_card("ec")
    card.auth_cert = None
    with pytest.raises(NoAuthenticationCertificate):
        authenticate("1234", challenge=generate_nonce(), origin=ORIGIN, token=card)
    assert "verify_pin" not in card.calls


def test_format_1_1_without_ca_certificate() -> None:
    card, _, _ = soft_card("ec")
    card.ca_cert = None
    with pytest.raises(NoAuthenticationCertificate):
        authenticate("1234", challenge=generate_nonce(), origin=ORIGIN, token=card, format="web-eid:1.1")


def test_card_signing_garbage_is_caught_and_logged_off() -> None:
    card, _, _ = soft_card("ec")

    class Liar(SoftCard):
        def sign(self, data: bytes, **kwargs: object) -> bytes:
            super().sign(data, **kwargs)  # type: ignore[arg-type]
            return b"\x01" * 96

    liar = Liar(auth_key=card.auth_key, auth_cert=card.auth_cert)
    from eidlib.auth import AuthError

    with pytest.raises(AuthError):
        authenticate("1234", challenge=generate_nonce(), origin=ORIGIN, token=liar)
    assert liar.calls[-1] == "log_off"


def test_pin_pad_passes_none_to_the_card() -> None:
    card, _, ca = soft_card("ec")
    seen: list[str | None] = []

    class PinPad(SoftCard):
        def verify_pin(self, pin: str | None) -> None:
            seen.append(pin)
            self.calls.append("verify_pin")
            self.verified = True

    pad = PinPad(auth_key=card.auth_key, auth_cert=card.auth_cert)
    nonce = generate_nonce()
    token = authenticate(None, challenge=nonce, origin=ORIGIN, token=pad)
    assert seen == [None]
    assert _validator(ca.der).validate(token.to_json(), nonce)


def test_default_token_is_not_needed_for_key_export() -> None:
    # Sanity: the soft PKI's CA is what the validator anchors on.
    _, ca = default_pki()
    assert ca.cert.public_bytes(serialization.Encoding.DER) == ca.der


_EC_CARD = soft_card("ec")
_HOSTS = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)
_NONCES = st.text(alphabet=string.ascii_letters + string.digits + "+/", min_size=44, max_size=128)


@settings(max_examples=40, deadline=None)
@given(_HOSTS, st.one_of(st.none(), st.integers(1, 65535)), _NONCES, _NONCES)
def test_round_trip_property(host: str, port: int | None, nonce: str, other_nonce: str) -> None:
    card, _root, ca = _EC_CARD
    origin = f"https://{host}" + (f":{port}" if port and port != 443 else "")
    token = authenticate("1234", challenge=nonce, origin=origin, token=card).to_json()
    validator = AuthTokenValidator(origin, [ca.der], check_revocation=False)
    assert validator.validate(token, nonce).national_number == "71715100070"
    assert webeid_token_ok(token, origin, nonce)
    if other_nonce != nonce:
        with pytest.raises(SignatureInvalid):
            validator.validate(token, other_nonce)
