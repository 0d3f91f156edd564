"""CommandAPDU encoding and decoding: the four ISO cases, short and extended forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.apdu import ApduFormatError, CommandAPDU

byte = st.integers(0, 255)


@st.composite
def commands(draw: st.DrawFn) -> CommandAPDU:
    data = draw(st.one_of(st.just(b""), st.binary(min_size=1, max_size=300)))
    le = draw(st.one_of(st.none(), st.integers(1, 65536)))
    force = draw(st.sampled_from([None, True]))
    return CommandAPDU(draw(byte), draw(byte), draw(byte), draw(byte), data, le, extended=force)


@pytest.mark.parametrize(
    ("command", "encoded"),
    [
        (CommandAPDU(0x80, 0xE6, 0, 0), "80e60000"),
        (CommandAPDU(0x80, 0xE4, 0, 0, le=0x1C), "80e400001c"),
        (CommandAPDU(0x00, 0xB0, 0, 0, le=256), "00b0000000"),
        (CommandAPDU(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("4031")), "00a4020c024031"),
        (CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, b"\x01" * 3, le=256), "002a9e9a0301010100"),
        (CommandAPDU(0x00, 0xB0, 0, 0, le=257), "00b00000000101"),
        (CommandAPDU(0x00, 0xB0, 0, 0, le=65536), "00b00000000000"),
        (CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, b"\xaa" * 256), "002a9e9a000100" + "aa" * 256),
        (CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, b"\xaa", le=10, extended=True), "002a9e9a000001aa000a"),
    ],
)
def test_known_encodings(command: CommandAPDU, encoded: str) -> None:
    assert command.to_bytes().hex() == encoded
    assert CommandAPDU.from_bytes(bytes.fromhex(encoded)) == command


def test_cases() -> None:
    assert CommandAPDU(0, 1, 2, 3).case == 1
    assert CommandAPDU(0, 1, 2, 3, le=1).case == 2
    assert CommandAPDU(0, 1, 2, 3, b"x").case == 3
    assert CommandAPDU(0, 1, 2, 3, b"x", 1).case == 4


@given(commands())
def test_round_trip(command: CommandAPDU) -> None:
    raw = command.to_bytes()
    parsed = CommandAPDU.from_bytes(raw)
    assert parsed == command
    assert parsed.to_bytes() == raw
    assert parsed.is_extended == command.is_extended or command.case == 1


@given(commands())
def test_extended_chosen_only_when_needed(command: CommandAPDU) -> None:
    if command.extended is None:
        needs = len(command.data) > 255 or (command.le or 0) > 256
        assert command.is_extended == needs


@given(st.binary(max_size=600))
def test_from_bytes_only_raises_format_error(raw: bytes) -> None:
    try:
        parsed = CommandAPDU.from_bytes(raw)
    except ApduFormatError:
        return
    assert parsed.to_bytes() == raw


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cla": 256, "ins": 0, "p1": 0, "p2": 0},
        {"cla": 0, "ins": -1, "p1": 0, "p2": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 65537},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "data": b"x" * 65536},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "data": b"x" * 256, "extended": False},
    ],
)
def test_invalid_fields(kwargs: dict[str, object]) -> None:
    with pytest.raises(ApduFormatError):
        CommandAPDU(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["", "00", "00a404", "00a4040c0500", "00a4040c000003aa", "00a4040c000000aa"])
def test_malformed(raw: str) -> None:
    with pytest.raises(ApduFormatError):
        CommandAPDU.from_bytes(bytes.fromhex(raw))
