"""Conversions between the card's raw ECDSA signature (r || s) and DER (X9.62 Ecdsa-Sig-Value)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from eidlib.carddata.errors import CardDataError


def ecdsa_raw_to_der(raw: bytes) -> bytes:
    """DER encoding of a raw ``r || s`` signature (each half the curve-order length)."""
    if not raw or len(raw) % 2:
        raise CardDataError(f"raw ECDSA signature must have an even, non-zero length, got {len(raw)}")
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def ecdsa_der_to_raw(der: bytes, size: int) -> bytes:
    """Raw ``r || s`` with each integer left-padded to ``size`` bytes (48 for P-384)."""
    try:
        r, s = decode_dss_signature(der)
    except ValueError as exc:
        raise CardDataError(f"not a DER ECDSA signature: {exc}") from exc
    if r.bit_length() > 8 * size or s.bit_length() > 8 * size:
        raise CardDataError(f"ECDSA integer larger than {size} bytes")
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
