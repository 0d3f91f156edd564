"""Integrity of the identity, address and photo files against the RRN signatures (spec §6.1)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.carddata.errors import IntegrityError
from eidlib.carddata.integrity import verify_integrity
from tests.support.vectors import VECTORS

CONSUMER = VECTORS / "commons-eid" / "consumer"
ALICE = VECTORS / "commons-eid" / "tests-alice"


def _set(name: str) -> dict[str, bytes]:
    files: dict[str, Path]
    if name == "rsa":
        files = {"identity": CONSUMER / "test-identity.tlv", "identity_signature": CONSUMER / "test-identity-sign.der",
                 "address": CONSUMER / "test-address.tlv", "address_signature": CONSUMER / "test-address-sign.der",
                 "rrn_certificate": CONSUMER / "test-rrn-cert.der", "photo": CONSUMER / "test-photo.jpg"}
    elif name == "ec":
        ec = CONSUMER / "test-eid-v17-ec"
        files = {"identity": ec / "identity.tlv", "identity_signature": ec / "identity-signature.der",
                 "address": ec / "address.tlv", "address_signature": ec / "address-signature.der",
                 "rrn_certificate": ec / "rrn-cert.der", "photo": ec / "photo.jpg"}
    else:
        files = {"identity": ALICE / "Alice_Identity.tlv", "identity_signature": ALICE / "Alice_IdentitySignature.tlv",
                 "address": ALICE / "Alice_Address.tlv", "address_signature": ALICE / "Alice_AddressSignature.tlv",
                 "rrn_certificate": ALICE / "Alice_RRNCertificate.tlv", "photo": ALICE / "Alice_Photo.tlv"}
    return {k: p.read_bytes() for k, p in files.items()}


@pytest.mark.parametrize(("name", "algorithm"), [("rsa", "sha1"), ("ec", "sha384"), ("alice", "sha1")])
def test_sets_verify(name: str, algorithm: str) -> None:
    files = _set(name)
    result = verify_integrity(**files)
    assert result.hash_algorithm == algorithm
    assert result.photo_verified and not result.basic_key_verified
    assert result.certificate().subject.rfc4514_string().startswith("CN=")
    assert files["rrn_certificate"].startswith(result.rrn_certificate)


@pytest.mark.parametrize("name", ["rsa", "ec", "alice"])
@pytest.mark.parametrize(
    ("field", "offset", "value", "blamed"),
    [("identity", 0, 0x04, "identity"), ("address", 0, 123, "address"), ("photo", 0, 0x00, "photo"),
     ("identity_signature", 40, None, "identity"), ("address_signature", 40, None, "address")],
)
def test_corruption_names_the_file(name: str, field: str, offset: int, value: int | None, blamed: str) -> None:
    files = _set(name)
    damaged = bytearray(files[field])
    damaged[offset] = (damaged[offset] ^ 0x01) if value is None else value
    files[field] = bytes(damaged)
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files)
    assert info.value.file == blamed


def test_ec_address_signature_covers_padded_identity_signature() -> None:
    files = _set("ec")
    # The 256-byte identity signature file counts with its zero padding; trimming it must fail.
    files["identity_signature"] = files["identity_signature"][: files["identity_signature"][1] + 2]
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files)
    assert info.value.file == "address"


def test_address_padding_is_stripped() -> None:
    files = _set("rsa")
    plain = verify_integrity(**files)
    files["address"] = files["address"] + b"\x00" * 20
    padded = verify_integrity(**files)
    parts = ("street_and_number", "zip", "municipality")
    assert [getattr(padded.address, f) for f in parts] == [getattr(plain.address, f) for f in parts]
    assert all(getattr(padded.address, f) for f in parts)
    # Padding is zeros only: anything else after the TLV is part of the signed address and breaks it.
    files["address"] = files["address"][:-1] + b"\x01"
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files)
    assert info.value.file == "address"


def test_wrong_rrn_certificate() -> None:
    files = _set("rsa")
    files["rrn_certificate"] = _set("ec")["rrn_certificate"]
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files)
    assert info.value.file == "identity"
    files["rrn_certificate"] = b"\x30\x03\x02\x01\x00"
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files)
    assert info.value.file == "rrn_certificate"


def test_photo_optional_and_basic_key_without_hash() -> None:
    files = _set("ec")
    del files["photo"]
    assert not verify_integrity(**files).photo_verified
    with pytest.raises(IntegrityError) as info:
        verify_integrity(**files, basic_public_key=b"\x30" * 120)
    assert info.value.file == "basic_public_key"


def test_photo_hash_length_picks_the_hash() -> None:
    for name, algo in (("rsa", "sha1"), ("ec", "sha256")):
        files = _set(name)
        from eidlib.carddata.identity import Identity

        expected = Identity.parse(files["identity"]).photo_hash
        assert hashlib.new(algo, files["photo"]).digest() == expected


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_arbitrary_signature_never_passes(signature: bytes) -> None:
    files = _set("ec")
    files["identity_signature"] = signature
    with pytest.raises(IntegrityError):
        verify_integrity(**files)
