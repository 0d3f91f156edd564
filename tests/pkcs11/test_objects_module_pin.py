"""Labels, CKA_ID decoding, module discovery and PIN rules."""

from __future__ import annotations

import PyKCS11.LowLevel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.carddata.errors import CardDataError
from eidlib.pkcs11 import MODULE_ENV, Pkcs11ModuleNotFound, candidate_paths, find_module
from eidlib.pkcs11.objects import KEYS, decode_ckattr_id, der_trimmed, is_belpic_label, normalize_label
from eidlib.pkcs11.pin import PinRule, login_with, native_pin
from eidlib.token.errors import PinFormatError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\x02", 2),
        (b"\x02\x00\x00\x00\x00\x00\x00\x00", 2),  # official module, 64-bit Linux
        (b"\x03\x00\x00\x00", 3),  # official module, Windows
        (b"\x00\x00\x00\x00\x00\x00\x00\x06", 6),
        (b"\x00\x02", 2),
        (b"", None),
        (None, None),
        (bytes(20), None),
        (b"\xff\xff\xff\xff", None),
    ],
)
def test_decode_ckattr_id(raw: bytes | None, expected: int | None) -> None:
    assert decode_ckattr_id(raw) == expected


@settings(max_examples=200)
@given(st.binary(max_size=40))
def test_decode_ckattr_id_never_crashes(raw: bytes) -> None:
    value = decode_ckattr_id(raw)
    assert value is None or 0 <= value < 65536


@given(st.integers(min_value=0, max_value=255), st.sampled_from([1, 4, 8]))
def test_native_ids_round_trip(number: int, width: int) -> None:
    assert decode_ckattr_id(number.to_bytes(width, "little")) == number


def test_label_matching_ignores_padding_and_case() -> None:
    assert normalize_label("Authentication\0\0  ") == "authentication"
    assert normalize_label(b"Signature   ") == "signature"
    assert normalize_label(None) == ""
    assert KEYS["authentication"].matches("  authentication ", None)
    assert KEYS["signature"].matches("anything", b"\x03\x00\x00\x00\x00\x00\x00\x00")
    assert not KEYS["signature"].matches("Authentication", b"\x02")
    assert is_belpic_label("BELPIC\0\0") and is_belpic_label("BELPIC (Basic PIN)")
    assert not is_belpic_label("SoftHSM")


def test_find_module_prefers_environment() -> None:
    assert find_module(environ={MODULE_ENV: "/opt/x.so"}, exists=lambda p: p == "/opt/x.so") == "/opt/x.so"
    with pytest.raises(Pkcs11ModuleNotFound) as caught:
        find_module(environ={MODULE_ENV: "/opt/missing.so"}, exists=lambda p: p != "/opt/missing.so")
    assert "/opt/missing.so" in str(caught.value)


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_find_module_official_before_opensc(platform: str) -> None:
    paths = candidate_paths(platform)
    assert any("beid" in p for p in paths) and any("opensc" in p for p in paths)
    first_opensc = next(i for i, p in enumerate(paths) if "opensc" in p)
    assert all("beid" in p for p in paths[:first_opensc])
    everything = find_module(environ={}, platform=platform, exists=lambda p: True)
    assert "beid" in everything
    only_opensc = find_module(environ={}, platform=platform, exists=lambda p: "opensc" in p)
    assert "opensc" in only_opensc


def test_find_module_lists_what_was_tried() -> None:
    with pytest.raises(Pkcs11ModuleNotFound) as caught:
        find_module(environ={}, platform="linux", exists=lambda p: False)
    assert caught.value.tried == candidate_paths("linux")
    assert "libbeidpkcs11.so.0" in str(caught.value) and MODULE_ENV in str(caught.value)
    with pytest.raises(Pkcs11ModuleNotFound):
        find_module(environ={}, platform="plan9", exists=lambda p: True)


def test_find_module_on_this_machine_finds_opensc() -> None:
    # CI installs opensc-pkcs11 (scripts/install-system-deps.sh) but not the official module
    assert find_module(environ={}).endswith("opensc-pkcs11.so")


@settings(max_examples=200)
@given(st.text(max_size=20))
def test_belpic_pin_rule(pin: str) -> None:
    rule = PinRule.for_token(belpic=True, min_length=0, max_length=255)
    valid = 4 <= len(pin) <= 12 and pin.isascii() and pin.isdigit()
    if valid:
        rule.check(pin)
    else:
        with pytest.raises(PinFormatError) as caught:
            rule.check(pin)
        assert str(caught.value) in {
            "the PIN must have 4 to 12 characters", "the PIN must consist of digits only",
        }, "a fixed message: the PIN itself never appears"


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=2**64 - 1), st.text(max_size=30))
def test_other_token_pin_rule(low: int, high: int, pin: str) -> None:
    rule = PinRule.for_token(belpic=False, min_length=low, max_length=high)
    assert 1 <= rule.min_length <= rule.max_length
    if rule.min_length <= len(pin) <= rule.max_length:
        rule.check(pin)
    else:
        with pytest.raises(PinFormatError):
            rule.check(pin)


def test_pin_rule_rejects_non_strings() -> None:
    with pytest.raises(PinFormatError):
        PinRule(4, 12, True).check(1234)  # type: ignore[arg-type]
    with pytest.raises(PinFormatError):
        PinRule(4, 12, True).check(b"1234")  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.binary(max_size=20))
def test_bytearray_pins_follow_the_same_rule(raw: bytes) -> None:
    rule = PinRule.for_token(belpic=True, min_length=4, max_length=12)
    valid = 4 <= len(raw) <= 12 and all(0x30 <= b <= 0x39 for b in raw)
    if valid:
        rule.check(bytearray(raw))
        rule.check(raw.decode())
    else:
        with pytest.raises(PinFormatError):
            rule.check(bytearray(raw))


def test_bytearray_pin_is_copied_not_wiped() -> None:
    mine = bytearray(b"2468")
    kept: list[PyKCS11.LowLevel.ckbytelist] = []
    with native_pin(mine) as buffer:
        assert bytes(buffer) == b"2468"
        kept.append(buffer)
    assert bytes(kept[0]) == b"\0\0\0\0" and mine == bytearray(b"2468")


def test_native_pin_buffer_is_wiped() -> None:
    kept: list[PyKCS11.LowLevel.ckbytelist] = []
    with native_pin("1234") as buffer:
        assert bytes(buffer) == b"1234"
        kept.append(buffer)
    assert bytes(kept[0]) == b"\0\0\0\0"

    seen: list[bytes] = []

    def fake_login(buffer: PyKCS11.LowLevel.ckbytelist) -> int:
        seen.append(bytes(buffer))
        return 0xA0

    assert login_with(fake_login, "5678") == 0xA0
    assert seen == [b"5678"]
    assert login_with(lambda b: len(b), None) == 0


def test_native_pin_wiped_on_error() -> None:
    kept: list[PyKCS11.LowLevel.ckbytelist] = []
    with pytest.raises(RuntimeError), native_pin("4321") as buffer:
        kept.append(buffer)
        raise RuntimeError("module crashed")
    assert bytes(kept[0]) == b"\0\0\0\0"


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_der_trimmed_never_crashes(raw: bytes) -> None:
    try:
        trimmed = der_trimmed(raw, "certificate")
    except CardDataError:
        return
    assert raw.startswith(trimmed) and trimmed[0] == 0x30


@given(st.binary(min_size=0, max_size=2000), st.integers(min_value=0, max_value=64))
def test_der_trimmed_drops_zero_padding(body: bytes, padding: int) -> None:
    length = len(body)
    if length < 0x80:
        header = bytes([0x30, length])
    elif length < 0x100:
        header = bytes([0x30, 0x81, length])
    else:
        header = bytes([0x30, 0x82]) + length.to_bytes(2, "big")
    assert der_trimmed(header + body + bytes(padding), "certificate") == header + body
    if body:
        with pytest.raises(CardDataError):
            der_trimmed(header + body[:-1], "certificate")
