"""The signing hot path uses the fewest round trips the card allows (timings live in benchmarks/)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.card.ecdsa import ecdsa_raw_to_der
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
