"""Signature verification: many random keys and messages, leading-zero r/s, lengths, key matching."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import ALGORITHMS, AlgorithmMismatch, SignatureInvalid, UnsupportedAlgorithm, signed_message
from eidlib.auth.algorithms import (
    algorithm_for_key,
    get_algorithm,
    raw_ecdsa_to_der,
    unverifiable_signature,
    verify_signature,
)
from tests.support.pki import rsa_key

CURVES = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
KEYS = {name: ec.generate_private_key(curve) for name, curve in CURVES.items()}
RSA_KEY = rsa_key()


def raw_sign(key: ec.EllipticCurvePrivateKey, message: bytes, alg: str) -> bytes:
    der = key.sign(message, ec.ECDSA(ALGORITHMS[alg].hash_algorithm))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CURVES)), st.integers(min_value=1, max_value=2**255), st.binary(max_size=200))
def test_random_ecdsa_signatures_verify(alg: str, scalar: int, message: bytes) -> None:
    key = ec.derive_private_key(scalar, CURVES[alg])
    signature = raw_sign(key, message, alg)
    verify_signature(ALGORITHMS[alg], key.public_key(), signature, message)
    with pytest.raises(SignatureInvalid):
        verify_signature(ALGORITHMS[alg], key.public_key(), signature, message + b"x")


@pytest.mark.parametrize("alg", sorted(CURVES))
def test_leading_zero_r_and_s(alg: str) -> None:
    """Sign until r and s each started with a zero byte at least once (about 1 in 256 per half)."""
    key = KEYS[alg]
    size = (key.curve.key_size + 7) // 8
    seen_r = seen_s = 0
    for i in range(6000):
        message = i.to_bytes(4, "big")
        signature = raw_sign(key, message, alg)
        r_zero, s_zero = signature[0] == 0, signature[size] == 0
        if r_zero or s_zero:
            verify_signature(ALGORITHMS[alg], key.public_key(), signature, message)
            seen_r += r_zero
            seen_s += s_zero
        if seen_r >= 2 and seen_s >= 2:
            break
    assert seen_r and seen_s


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=100), st.sampled_from(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]))
def test_rsa_signatures_verify(message: bytes, alg: str) -> None:
    key = rsa_key()
    algorithm = ALGORITHMS[alg]
    if algorithm.kind == "rsa-pss":
        pad: padding.AsymmetricPadding = padding.PSS(
            mgf=padding.MGF1(algorithm.hash_algorithm), salt_length=algorithm.digest_size
        )
    else:
        pad = padding.PKCS1v15()
    signature = key.sign(message, pad, algorithm.hash_algorithm)
    verify_signature(algorithm, key.public_key(), signature, message)
    other = "RS256" if alg != "RS256" else "PS256"
    with pytest.raises(SignatureInvalid):
        verify_signature(ALGORITHMS[other], key.public_key(), signature, message)


def test_der_and_wrong_lengths_are_refused() -> None:
    key = KEYS["ES384"]
    raw = raw_sign(key, b"m", "ES384")
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    for bad in (der, raw[:-1], raw + b"\x00", b"", raw[:48]):
        with pytest.raises(SignatureInvalid):
            verify_signature(ALGORITHMS["ES384"], key.public_key(), bad, b"m")
    with pytest.raises(SignatureInvalid):
        raw_ecdsa_to_der(b"\x00" * 96, key.public_key())


def test_key_matching() -> None:
    assert algorithm_for_key(KEYS["ES384"].public_key()).name == "ES384"
    assert algorithm_for_key(KEYS["ES256"].public_key()).name == "ES256"
    assert algorithm_for_key(KEYS["ES512"].public_key()).name == "ES512"
    assert algorithm_for_key(rsa_key().public_key()).name == "RS256"
    with pytest.raises(AlgorithmMismatch):
        algorithm_for_key(rsa_key(1024).public_key())
    with pytest.raises(AlgorithmMismatch):
        algorithm_for_key(ec.generate_private_key(ec.SECP256K1()).public_key())
    with pytest.raises(AlgorithmMismatch):
        verify_signature(ALGORITHMS["RS256"], rsa_key(1024).public_key(), b"\x00" * 128, b"m")
    with pytest.raises(AlgorithmMismatch):
        verify_signature(ALGORITHMS["ES256"], KEYS["ES384"].public_key(), b"\x00" * 64, b"m")
    for bad in ("none", "", "HS256", "es384", None, 384, "RS1"):
        with pytest.raises(UnsupportedAlgorithm):
            get_algorithm(bad)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60), st.sampled_from(sorted(ALGORITHMS)))
def test_signed_message_is_two_hashes(origin: str, nonce: str, alg: str) -> None:
    algorithm = ALGORITHMS[alg]
    h = getattr(hashlib, algorithm.hash)
    message = signed_message(origin, nonce, algorithm)
    assert message == h(origin.encode()).digest() + h(nonce.encode()).digest()
    assert len(message) == 2 * algorithm.digest_size


def test_field_boundary_is_fixed() -> None:
    alg = ALGORITHMS["ES384"]
    first = signed_message("https://example.com", ".eu1234", alg)
    assert first != signed_message("https://example.com.eu", "1234", alg)


def test_hash_objects() -> None:
    assert isinstance(ALGORITHMS["ES384"].hash_algorithm, hashes.SHA384)
    assert ALGORITHMS["RS512"].digest_size == 64


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([*sorted(CURVES), "RS256"]), st.binary(max_size=100))
def test_the_warm_up_signature_is_well_formed_and_verifies_nothing(alg: str, message: bytes) -> None:
    """What ``prepare_login`` runs the verification on: the right length, accepted as input, never valid."""
    key = RSA_KEY.public_key() if alg == "RS256" else KEYS[alg].public_key()
    signature = unverifiable_signature(key)
    size = (key.key_size + 7) // 8 if alg == "RS256" else 2 * ((key.curve.key_size + 7) // 8)  # type: ignore[union-attr]
    assert len(signature) == size
    with pytest.raises(SignatureInvalid, match="does not verify"):  # a verification that ran, not a length check
        verify_signature(ALGORITHMS[alg], key, signature, message)
