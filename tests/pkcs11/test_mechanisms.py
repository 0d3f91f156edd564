"""Mechanism choice and DigestInfo encoding, without a module."""

from __future__ import annotations

import hashlib
from itertools import product

import PyKCS11
import pytest
from asn1crypto import algos
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.carddata.errors import CardDataError
from eidlib.pkcs11.mechanisms import (
    HASHES,
    HashSpec,
    KeyKind,
    digest_info,
    hash_spec,
    mechanism_name,
    plan_signature,
    raw_ecdsa_signature,
)
from eidlib.token.errors import InvalidDigest, NotSupported

#: What the official module offers on a 1.7 card and on a 1.8 card (spec §7.3), SoftHSM 2.6 and OpenSC-like.
OFFICIAL_17 = frozenset({
    PyKCS11.CKM_RSA_PKCS, PyKCS11.CKM_SHA1_RSA_PKCS, PyKCS11.CKM_SHA256_RSA_PKCS, PyKCS11.CKM_SHA384_RSA_PKCS,
    PyKCS11.CKM_SHA512_RSA_PKCS, PyKCS11.CKM_SHA1_RSA_PKCS_PSS, PyKCS11.CKM_SHA256_RSA_PKCS_PSS,
})
OFFICIAL_18 = frozenset({
    PyKCS11.CKM_ECDSA, PyKCS11.CKM_ECDSA_SHA256, PyKCS11.CKM_ECDSA_SHA384, PyKCS11.CKM_ECDSA_SHA512,
})
RAW_ONLY = frozenset({PyKCS11.CKM_RSA_PKCS, PyKCS11.CKM_ECDSA})


@pytest.mark.parametrize("name", sorted(HASHES))
def test_digest_info_matches_asn1(name: str) -> None:
    spec = HASHES[name]  # type: ignore[index]
    digest = hashlib.new(name, b"abc").digest()
    encoded = digest_info(spec, digest)
    parsed = algos.DigestInfo.load(encoded)
    assert parsed["digest_algorithm"]["algorithm"].native == name
    assert parsed["digest"].native == digest
    assert parsed.dump(force=True) == encoded


@settings(max_examples=50)
@given(st.sampled_from(sorted(HASHES)), st.binary(max_size=100))
def test_digest_info_length_is_checked(name: str, digest: bytes) -> None:
    spec = HASHES[name]  # type: ignore[index]
    if len(digest) == spec.size:
        assert digest_info(spec, digest).endswith(digest)
    else:
        with pytest.raises(InvalidDigest):
            digest_info(spec, digest)


def test_official_17_lets_the_module_hash() -> None:
    plan = plan_signature(KeyKind.RSA, hash_spec("sha256"), "pkcs1v15", prehashed=False, available=OFFICIAL_17)
    assert plan.mechanism == PyKCS11.CKM_SHA256_RSA_PKCS and plan.module_hashes
    assert plan.sign_input(b"data", prehashed=False) == b"data"
    pss = plan_signature(KeyKind.RSA, hash_spec("sha256"), "pss", prehashed=False, available=OFFICIAL_17)
    assert pss.mechanism == PyKCS11.CKM_SHA256_RSA_PKCS_PSS and pss.pss


def test_official_17_has_no_raw_pss() -> None:
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.RSA, hash_spec("sha384"), "pss", prehashed=False, available=OFFICIAL_17)
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.RSA, hash_spec("sha256"), "pss", prehashed=True, available=OFFICIAL_17)


def test_prehashed_rsa_uses_digestinfo() -> None:
    digest = hashlib.sha384(b"x").digest()
    plan = plan_signature(KeyKind.RSA, hash_spec("sha384"), "pkcs1v15", prehashed=True, available=OFFICIAL_17)
    assert plan.mechanism == PyKCS11.CKM_RSA_PKCS and plan.digest_info
    assert plan.sign_input(digest, prehashed=True) == HASHES["sha384"].digest_info_prefix + digest


def test_official_18_ecdsa() -> None:
    plan = plan_signature(KeyKind.EC, hash_spec("sha384"), "pkcs1v15", prehashed=False, available=OFFICIAL_18)
    assert plan.mechanism == PyKCS11.CKM_ECDSA_SHA384
    sha3 = plan_signature(KeyKind.EC, hash_spec("sha3_384"), "pkcs1v15", prehashed=False, available=OFFICIAL_18)
    assert sha3.mechanism == PyKCS11.CKM_ECDSA and not sha3.module_hashes
    assert sha3.sign_input(b"m", prehashed=False) == hashlib.sha3_384(b"m").digest()


def _expected_mechanism(
    kind: KeyKind, spec: HashSpec, pad: str, prehashed: bool, available: frozenset[int]
) -> int | None:
    """The mechanism the plan must use, written from the preference rule in the module docstring; None = refused."""
    if kind is KeyKind.EC:
        if pad != "pkcs1v15":
            return None
        combined, raw = spec.ecdsa_mechanism, PyKCS11.CKM_ECDSA
    elif pad == "pss":
        combined, raw = spec.rsa_pss_mechanism, PyKCS11.CKM_RSA_PKCS_PSS
    else:
        combined, raw = spec.rsa_mechanism, PyKCS11.CKM_RSA_PKCS
    if not prehashed and combined in available:
        return combined
    return raw if raw in available else None


@pytest.mark.parametrize(
    ("kind", "hash_name", "pad", "prehashed"),
    list(product(KeyKind, sorted(HASHES), ["pkcs1v15", "pss"], [False, True])),
)
def test_plans_are_consistent(kind: KeyKind, hash_name: str, pad: str, prehashed: bool) -> None:
    spec = hash_spec(hash_name)
    offered = {
        "official 1.7": OFFICIAL_17,
        "official 1.8": OFFICIAL_18,
        "raw only": RAW_ONLY,
        "raw only + raw PSS": RAW_ONLY | {PyKCS11.CKM_RSA_PKCS_PSS},
        "nothing": frozenset(),
    }
    planned = 0
    for label, available in offered.items():
        expected = _expected_mechanism(kind, spec, pad, prehashed, available)
        if expected is None:
            with pytest.raises(NotSupported):
                plan_signature(kind, spec, pad, prehashed=prehashed, available=available)  # type: ignore[arg-type]
            continue
        plan = plan_signature(kind, spec, pad, prehashed=prehashed, available=available)  # type: ignore[arg-type]
        planned += 1
        assert plan.mechanism == expected, label
        assert not (prehashed and plan.module_hashes), "a digest is never hashed again"
        raw_mechanisms = (PyKCS11.CKM_ECDSA, PyKCS11.CKM_RSA_PKCS, PyKCS11.CKM_RSA_PKCS_PSS)
        assert plan.module_hashes == (expected not in raw_mechanisms)
        assert plan.pss == (pad == "pss")
        assert plan.digest_info == (kind is KeyKind.RSA and pad == "pkcs1v15" and not plan.module_hashes)
        data = spec.digest(b"payload") if prehashed else b"payload"
        signed = plan.sign_input(data, prehashed=prehashed)
        if plan.module_hashes:
            assert signed == data
        elif plan.digest_info:
            assert signed == spec.digest_info_prefix + spec.digest(b"payload")
        else:
            assert signed == spec.digest(b"payload")
        assert plan.native().to_native() is not None
        assert mechanism_name(plan.mechanism).startswith("CKM_")
    # Every combination but ECDSA with PSS has some module that can make it.
    assert planned > 0 or (kind is KeyKind.EC and pad == "pss")


def test_ec_with_pss_or_nothing_offered() -> None:
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.EC, hash_spec("sha384"), "pss", prehashed=False, available=OFFICIAL_18)
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.EC, hash_spec("sha384"), "pkcs1v15", prehashed=False, available=OFFICIAL_17)
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.RSA, hash_spec("sha256"), "pkcs1v15", prehashed=False, available=OFFICIAL_18)
    with pytest.raises(NotSupported):
        hash_spec("md5")
    with pytest.raises(NotSupported):
        plan_signature(KeyKind.RSA, hash_spec("sha256"), "oaep", prehashed=False, available=OFFICIAL_17)  # type: ignore[arg-type]


def test_unknown_mechanism_name() -> None:
    assert mechanism_name(0x7FFF0000) == "CKM_0x7FFF0000"


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=2**384 - 1), st.integers(min_value=1, max_value=2**384 - 1))
def test_raw_ecdsa_from_raw_or_der(r: int, s: int) -> None:
    raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    assert raw_ecdsa_signature(raw, 48) == raw
    assert raw_ecdsa_signature(encode_dss_signature(r, s), 48) == raw
    assert raw_ecdsa_signature(raw, None) == raw


@settings(max_examples=100)
@given(st.binary(max_size=120))
def test_raw_ecdsa_rejects_garbage_with_a_typed_error(blob: bytes) -> None:
    try:
        out = raw_ecdsa_signature(blob, 48)
    except CardDataError:
        return
    assert len(out) == 96
