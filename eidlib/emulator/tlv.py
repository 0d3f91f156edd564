"""TLV *encoding* of the identity (4031) and address (4033) files.

The card uses a one-byte tag, the "Fedict" length rule (a length byte ``FF``
means "255 more, read another length byte", so 255 is ``FF 00`` and 512 is
``FF FF 02``), UTF-8 text, tags in ascending order, and zero padding at the
end of the file (spec ``beid-card.md`` §5.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from eidlib.errors import EidError

_CONTINUATION = 0xFF


class TlvEncodeError(EidError):
    """A field cannot be encoded into a card TLV file (bad tag, order or size)."""


TlvValue = bytes | str


def encode_length(length: int) -> bytes:
    """Encode ``length`` with the Fedict rule: ``FF`` adds 255 and continues."""
    if length < 0:
        raise TlvEncodeError(f"negative TLV length {length}")
    continuations, last = divmod(length, _CONTINUATION)
    return bytes([_CONTINUATION] * continuations + [last])


def encode_field(tag: int, value: TlvValue) -> bytes:
    """Encode one field; ``str`` values are UTF-8 encoded."""
    if not 0 <= tag <= 0xFF:
        raise TlvEncodeError(f"TLV tag {tag} does not fit in one byte")
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return bytes([tag]) + encode_length(len(raw)) + raw


def encode_tlv(fields: Mapping[int, TlvValue] | Iterable[tuple[int, TlvValue]]) -> bytes:
    """Encode fields in ascending tag order.

    A mapping is sorted by tag; a sequence of pairs must already be strictly
    ascending (a repeated or out-of-order tag is an error, not silently fixed).
    """
    pairs = sorted(fields.items()) if isinstance(fields, Mapping) else list(fields)
    out = bytearray()
    previous = -1
    for tag, value in pairs:
        if tag <= previous:
            raise TlvEncodeError(f"TLV tag 0x{tag:02X} is not in strictly ascending order")
        previous = tag
        out += encode_field(tag, value)
    return bytes(out)


def pad(data: bytes, size: int) -> bytes:
    """Zero-pad ``data`` to exactly ``size`` bytes (the fixed size of an EF)."""
    if len(data) > size:
        raise TlvEncodeError(f"{len(data)} bytes do not fit in a {size}-byte file")
    return data + bytes(size - len(data))
