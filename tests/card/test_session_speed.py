"""The signing hot path: eidlib's overhead stays within 15% of a bare ``cryptography`` signature."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from tests.card.virtual_cards import PIN, session


def _best(fn: Callable[[], object], rounds: int = 25, inner: int = 8) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - start) / inner)
    return best


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_authentication_signature_overhead(profile: str) -> None:
    with session(profile) as (card, vc):
        card.verify_pin(PIN)
        key = vc.image.authentication_key
        if profile == "1.7":
            digest = hashlib.sha256(b"hot path").digest()
            assert isinstance(key, rsa.RSAPrivateKey)

            def bare() -> object:
                return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        else:
            digest = hashlib.sha384(b"hot path").digest()
            assert isinstance(key, ec.EllipticCurvePrivateKey)

            def bare() -> object:
                return key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA384())))

        def through_eidlib() -> object:
            return card.sign(digest, prehashed=True)

        for _ in range(3):  # measure again before failing: the machine is shared
            baseline = _best(bare)
            measured = _best(through_eidlib)
            if measured <= baseline * 1.15:
                break
        assert measured <= baseline * 1.15, f"{measured * 1e6:.0f} us vs bare {baseline * 1e6:.0f} us"
