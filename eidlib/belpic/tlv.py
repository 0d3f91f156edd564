"""The simple TLV of the identity and address files (spec §5.1, the "Fedict TLV").

One tag byte; the length is a run of bytes where ``FF`` means "add 255 and read
another length byte"; then the value. Files end with ``00`` padding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

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


class TlvEncodeError(BelpicFormatError):
    """A field cannot be encoded into a card TLV file (bad tag, order or size)."""


TlvValue = bytes | str


def encode_length(length: int) -> bytes:
    """The Fedict length encoding of ``length`` (``255`` is ``FF 00``, ``512`` is ``FF FF 02``)."""
    if length < 0:
        raise TlvEncodeError(f"negative TLV length {length}")
    continuations, last = divmod(length, _CONTINUE)
    return bytes([_CONTINUE] * continuations + [last])


def encode_field(tag: int, value: TlvValue) -> bytes:
    """Encode one field; ``str`` values are UTF-8 encoded."""
    if not 0 <= tag <= 0xFF:
        raise TlvEncodeError(f"TLV tag {tag} does not fit in one byte")
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return bytes((tag,)) + encode_length(len(raw)) + raw


def encode_tlv(
    fields: Mapping[int, TlvValue] | Iterable[tuple[int, TlvValue]], *, ascending: bool = True
) -> bytes:
    """Encode fields with the Fedict length rule (no padding added).

    A mapping is sorted by tag. A sequence of pairs must already be strictly ascending, as
    on a card (a repeated or out-of-order tag is an error, not silently fixed), unless
    ``ascending`` is false (test data for the parser's handling of such files).
    """
    pairs = sorted(fields.items()) if isinstance(fields, Mapping) else list(fields)
    out = bytearray()
    previous = -1
    for tag, value in pairs:
        if ascending and tag <= previous:
            raise TlvEncodeError(f"TLV tag 0x{tag:02X} is not in strictly ascending order")
        previous = tag
        out += encode_field(tag, value)
    return bytes(out)


def pad(data: bytes, size: int) -> bytes:
    """Zero-pad ``data`` to exactly ``size`` bytes (the fixed size of an EF)."""
    if len(data) > size:
        raise TlvEncodeError(f"{len(data)} bytes do not fit in a {size}-byte file")
    return data + bytes(size - len(data))


def tlv_spans(data: bytes) -> Iterator[tuple[int, int, int]]:
    """``(tag, start, end)`` of each complete record, in file order, until the padding.

    Lenient where :func:`parse_tlv` is strict: a truncated last record simply ends the
    walk (the virtual card's READ RECORD answers what it can).
    """
    position, size = 0, len(data)
    while position < size:
        tag = data[position]
        if tag == 0 and position:
            return  # zero padding at the end of the file
        start = position
        position += 1
        length = 0
        while position < size and data[position] == _CONTINUE:
            length += _CONTINUE
            position += 1
        if position >= size:
            return
        length += data[position]
        position += 1 + length
        if position > size:
            return
        yield tag, start, position


def strip_padding(raw: bytes) -> bytes:
    """The file without its trailing ``00`` bytes (spec §6.1: trailing zeros only)."""
    return bytes(raw).rstrip(b"\x00")
