"""The Fedict TLV of the identity and address files (spec §5.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.tlv import encode_length, encode_tlv, parse_tlv, strip_padding


@pytest.mark.parametrize(
    ("length", "encoded"),
    [(0, "00"), (5, "05"), (254, "fe"), (255, "ff00"), (260, "ff05"), (512, "ffff02"), (510, "ffff00")],
)
def test_length_rule(length: int, encoded: str) -> None:
    assert encode_length(length).hex() == encoded
    raw = b"\x07" + bytes.fromhex(encoded) + b"x" * length
    assert parse_tlv(raw) == [(7, b"x" * length)]


def test_padding_is_ignored_and_tag_zero_only_first() -> None:
    assert parse_tlv(bytes.fromhex("0102414200000000")) == [(1, b"AB")]
    assert parse_tlv(bytes.fromhex("000201000100")) == [(0, b"\x01\x00"), (1, b"")]
    assert parse_tlv(b"\x00" * 40) == []
    assert parse_tlv(b"") == []


@pytest.mark.parametrize(
    "raw",
    ["01", "0105414243", "01ff", "01ff05" + "00" * 10, "010141000201", "0101410000ff"],
)
def test_malformed(raw: str) -> None:
    with pytest.raises(BelpicFormatError):
        parse_tlv(bytes.fromhex(raw))


def test_strip_padding_keeps_inner_zeros() -> None:
    assert strip_padding(b"\x01\x02\x00A\x00\x00") == b"\x01\x02\x00A"


fields = st.lists(st.tuples(st.integers(1, 255), st.binary(max_size=600)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(fields, st.integers(0, 40))
def test_round_trip(items: list[tuple[int, bytes]], padding: int) -> None:
    raw = encode_tlv(items, ascending=False) + b"\x00" * padding
    assert parse_tlv(raw) == items


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_parse_only_raises_belpic_format_error(raw: bytes) -> None:
    try:
        result = parse_tlv(raw)
    except BelpicFormatError:
        return
    # The encoding is canonical: what parsed re-encodes to the same bytes, padding aside.
    encoded = encode_tlv(result, ascending=False)
    assert raw[: len(encoded)] == encoded
    assert not any(raw[len(encoded) :])
