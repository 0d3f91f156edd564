"""TLV encoding of the identity/address files: the Fedict length rule, order, UTF-8, padding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.belpic.tlv import TlvEncodeError, encode_field, encode_length, encode_tlv, pad


def decode_fedict(data: bytes) -> list[tuple[int, bytes]]:
    """Independent decoder: 1-byte tag, FF-continued length, stop at trailing zero padding."""
    fields: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        tag = data[offset]
        if not any(data[offset:]):
            break
        offset += 1
        length = 0
        while True:
            byte = data[offset]
            offset += 1
            length += byte
            if byte != 0xFF:
                break
        fields.append((tag, data[offset : offset + length]))
        offset += length
        assert offset <= len(data), "value runs past the end"
    return fields


@pytest.mark.parametrize(
    ("length", "encoded"),
    [(0, "00"), (1, "01"), (127, "7f"), (128, "80"), (254, "fe"), (255, "ff00"), (256, "ff01"),
     (260, "ff05"), (509, "fffe"), (510, "ffff00"), (512, "ffff02")],
)
def test_length_examples_of_the_spec(length: int, encoded: str) -> None:
    # spec §5.1: FF 05 = 260, FF FF 02 = 512, 255 = FF 00.
    assert encode_length(length) == bytes.fromhex(encoded)


@given(st.integers(0, 1000))
@settings(max_examples=300, deadline=None)
def test_every_length_up_to_1000_encodes_by_the_rule(length: int) -> None:
    encoded = encode_length(length)
    assert all(byte == 0xFF for byte in encoded[:-1])
    assert encoded[-1] != 0xFF
    assert sum(encoded) == length
    value = bytes(range(256)) * 4
    field = encode_field(0x42, value[:length])
    assert decode_fedict(field) == [(0x42, value[:length])]


@given(st.dictionaries(st.integers(1, 255), st.binary(max_size=600) | st.text(max_size=300), max_size=12),
       st.integers(0, 64))
@settings(max_examples=150, deadline=None)
def test_fields_come_back_in_ascending_order_after_padding(fields: dict[int, bytes | str], extra: int) -> None:
    encoded = encode_tlv(fields)
    padded = pad(encoded, len(encoded) + extra)
    assert padded[len(encoded):] == bytes(extra)
    expected = [(tag, value.encode() if isinstance(value, str) else value) for tag, value in sorted(fields.items())]
    # A trailing empty-valued field looks like padding only if its tag were 0, which is excluded here.
    assert decode_fedict(padded) == expected


def test_text_is_utf8() -> None:
    assert encode_field(0x08, "Nora Angèle") == bytes.fromhex("080c") + "Nora Angèle".encode()
    assert encode_field(0x08, "Nora Angèle")[2:] == bytes.fromhex("4e6f726120416e67c3a86c65")


def test_empty_and_presence_fields() -> None:
    assert encode_tlv([(0x09, ""), (0x14, b"")]) == bytes.fromhex("09001400")


def test_order_and_range_errors() -> None:
    with pytest.raises(TlvEncodeError):
        encode_tlv([(2, "a"), (1, "b")])
    with pytest.raises(TlvEncodeError):
        encode_tlv([(1, "a"), (1, "b")])
    with pytest.raises(TlvEncodeError):
        encode_field(256, b"")
    with pytest.raises(TlvEncodeError):
        encode_field(-1, b"")
    with pytest.raises(TlvEncodeError):
        encode_length(-1)
    with pytest.raises(TlvEncodeError):
        pad(b"abc", 2)
    assert pad(b"abc", 3) == b"abc"
