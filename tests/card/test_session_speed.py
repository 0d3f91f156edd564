"""The signing hot path uses the fewest round trips the card allows (timings live in benchmarks/)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.token.ecdsa import ecdsa_raw_to_der
from tests.card.virtual_cards import PIN, session


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_repeat_authentication_signature_is_mse_pso_get_response(profile: str) -> None:
    with session(profile) as (card, vc):
        card.verify_pin(PIN)
        card.sign(b"warm-up")
        digest = hashlib.sha256(b"hot path").digest() if profile == "1.7" else hashlib.sha384(b"hot path").digest()
        for _ in range(5):
            before = vc.apdu_count
            signature = card.sign(digest, prehashed=True)
            sent = vc.apdu_count - before
            assert sent == 3, f"{sent} APDUs for one authentication signature"
        public = vc.image.authentication_key.public_key()  # type: ignore[union-attr]
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(ecdsa_raw_to_der(signature), digest, ec.ECDSA(utils.Prehashed(hashes.SHA384())))


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_verify_then_sign_in_one_transaction_needs_one_mse(profile: str) -> None:
    """MSE(82) → VERIFY → PSO: the SE set before VERIFY serves the signature (spec §9)."""
    with session(profile, recording=True) as (card, _vc):
        card.read_certificates()  # as every login does first (on 1.7 they tell the keys' algorithm)
        start = len(card.transport.exchanges)  # type: ignore[attr-defined]
        with card.transaction():
            card.verify_pin(PIN)
            card.sign(b"login")
        sent = [c[1] for c, _ in card.transport.exchanges[start:] if c[1] != 0xA4]  # type: ignore[attr-defined]
        assert sent == [0x22, 0x20, 0x2A, 0xC0]
        # Outside a transaction another application could have changed the SE: MSE again.
        start = len(card.transport.exchanges)  # type: ignore[attr-defined]
        card.sign(b"again")
        assert [c[1] for c, _ in card.transport.exchanges[start:]] == [0x22, 0x2A, 0xC0]  # type: ignore[attr-defined]


def test_login_is_status_mse_verify_pso_get_response_log_off() -> None:
    from eidlib.auth import authenticate

    with session("1.8", recording=True) as (card, _vc):
        card.read_certificates()  # cached: a login on a known card reads nothing again
        start = len(card.transport.exchanges)  # type: ignore[attr-defined]
        authenticate(PIN, challenge="A" * 44, origin="https://portal.example", token=card)
        sent = [c[1] for c, _ in card.transport.exchanges[start:] if c[1] != 0xA4]  # type: ignore[attr-defined]
        assert sent == [0xE4, 0x22, 0x20, 0x2A, 0xC0, 0xE6]
