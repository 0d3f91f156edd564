from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.apdu import ApduError, ApduFormatError, ResponseAPDU


@given(st.binary(max_size=300))
def test_from_bytes(raw: bytes) -> None:
    if len(raw) < 2:
        with pytest.raises(ApduFormatError):
            ResponseAPDU.from_bytes(raw)
        return
    r = ResponseAPDU.from_bytes(raw)
    assert r.data == raw[:-2]
    assert r.sw == int.from_bytes(raw[-2:], "big")
    assert (r.sw1, r.sw2) == (raw[-2], raw[-1])
    assert r.to_bytes() == raw


def test_check_names_the_command() -> None:
    import eidlib.card.commands  # noqa: F401 - the card layer names its instructions for the APDU layer

    r = ResponseAPDU.from_bytes(bytes.fromhex("6a82"))
    with pytest.raises(ApduError) as info:
        r.check(0xB0)
    assert str(info.value) == "READ BINARY failed: 6A82 file not found"
    assert info.value.sw == 0x6A82 and info.value.ins == 0xB0


def test_check_families() -> None:
    with pytest.raises(ApduError, match="63C2 wrong PIN, 2 tries left"):
        ResponseAPDU(b"", 0x63, 0xC2).check(0x20)
    assert ResponseAPDU(b"ab", 0x90, 0x00).check() == b"ab"
