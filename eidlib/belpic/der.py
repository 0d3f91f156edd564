"""Lengths of DER objects read from zero-padded card files."""

from __future__ import annotations

from eidlib.belpic.errors import BelpicFormatError


def declared_length(head: bytes) -> int:
    """Total length (header + content) that the DER header at the start of ``head`` declares.

    Only the header is needed, so it works on the first chunk of a longer file.
    """
    if len(head) < 2:
        raise BelpicFormatError("too short for a DER header")
    first = head[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(head) < 2 + count:
        raise BelpicFormatError("unsupported DER length encoding")
    return 2 + count + int.from_bytes(head[2 : 2 + count], "big")


def der_length(data: bytes) -> int:
    """Total length of the DER object at the start of ``data``, which must hold all of it."""
    total = declared_length(data)
    if total > len(data):
        raise BelpicFormatError(f"DER object of {total} bytes is longer than its {len(data)}-byte file")
    return total


def trim_der(data: bytes) -> bytes:
    """The DER object at the start of ``data``, padding after it removed."""
    return bytes(data[: der_length(data)])


def is_empty(data: bytes) -> bool:
    """True for a file holding no object (empty or all zeros, as on kids cards)."""
    return not any(data)
