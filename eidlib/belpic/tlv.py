"""The simple TLV of the identity and address files (spec §5.1, the "Fedict TLV").

One tag byte; the length is a run of bytes where ``FF`` means "add 255 and read
another length byte"; then the value. Files end with ``00`` padding.
"""

from __future__ import annotations

from collections.abc import Iterable

from eidlib.belpic.errors import BelpicFormatError

_CONTINUE = 0xFF


def parse_tlv(raw: bytes) -> list[tuple[int, bytes]]:
    """Split a card TLV file into ``(tag, value)`` pairs, in file order.

    Tag ``00`` is accepted as the first entry only (the file structure version);
    anywhere else it marks the start of the zero padding, which must then run
    to the end of the file.
    """
    data = bytes(raw)
    fields: list[tuple[int, bytes]] = []
    if not any(data):
        return fields
    pos, end = 0, len(data)
    while pos < end:
        tag = data[pos]
        if tag == 0 and pos > 0:
            if any(data[pos:]):
                raise BelpicFormatError(f"non-zero bytes after padding at offset {pos}")
            break
        pos += 1
        length = 0
        while True:
            if pos >= end:
                raise BelpicFormatError(f"TLV tag 0x{tag:02X}: length runs past the end of the file")
            byte = data[pos]
            pos += 1
            length += byte
            if byte != _CONTINUE:
                break
        if pos + length > end:
            raise BelpicFormatError(
                f"TLV tag 0x{tag:02X}: value of {length} bytes runs past the end of the file"
            )
        fields.append((tag, data[pos : pos + length]))
        pos += length
    return fields


def encode_length(length: int) -> bytes:
    """The Fedict length encoding of ``length`` (``255`` is ``FF 00``)."""
    if length < 0:
        raise BelpicFormatError("negative TLV length")
    out = bytearray()
    while length >= _CONTINUE:
        out.append(_CONTINUE)
        length -= _CONTINUE
    out.append(length)
    return bytes(out)


def encode_tlv(fields: Iterable[tuple[int, bytes]]) -> bytes:
    """Encode ``(tag, value)`` pairs with the Fedict length rule (no padding added)."""
    out = bytearray()
    for tag, value in fields:
        if not 0 <= tag <= 0xFF:
            raise BelpicFormatError(f"TLV tag out of range: {tag}")
        out.append(tag)
        out += encode_length(len(value))
        out += value
    return bytes(out)


def strip_padding(raw: bytes) -> bytes:
    """The file without its trailing ``00`` bytes (spec §6.1: trailing zeros only)."""
    return bytes(raw).rstrip(b"\x00")
