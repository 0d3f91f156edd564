"""Lengths of DER objects read from zero-padded card files."""

from __future__ import annotations

from eidlib.card.errors import CardDataError


def der_length(data: bytes) -> int:
    """Total length (header + content) of the DER object at the start of ``data``."""
    if len(data) < 2:
        raise CardDataError("too short for a DER header")
    first = data[1]
    if first < 0x80:
        total = 2 + first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            raise CardDataError("unsupported DER length encoding")
        total = 2 + count + int.from_bytes(data[2 : 2 + count], "big")
    if total > len(data):
        raise CardDataError(f"DER object of {total} bytes is longer than its {len(data)}-byte file")
    return total


def trim_der(data: bytes) -> bytes:
    """The DER object at the start of ``data``, padding after it removed."""
    return bytes(data[: der_length(data)])


def is_empty(data: bytes) -> bool:
    """True for a file holding no object (empty or all zeros, as on kids cards)."""
    return not any(data)
