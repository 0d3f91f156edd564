"""The one PIN rule: str/bytes/bytearray in, a checked bytearray copy out, wiped after use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.card.pin import pin_block
from eidlib.token.errors import NotSupported, PinFormatError
from eidlib.token.pin import check_pin, held_pin, pin_bytes
from eidlib.token.protocol import KeyRole, Padding, PinEntry, key_role, padding_of


@pytest.mark.parametrize("pin", ["1234", b"1234", bytearray(b"1234")])
def test_every_form_gives_the_same_buffer(pin: str | bytes | bytearray) -> None:
    with held_pin(pin) as buffer:
        assert isinstance(buffer, bytearray)
        assert buffer == b"1234"
        assert buffer is not pin
        kept = buffer
    assert kept == bytearray(4)  # wiped when the block ends


def test_the_callers_buffer_is_left_to_its_owner() -> None:
    given_pin = bytearray(b"123456")
    with held_pin(given_pin) as buffer:
        assert buffer == given_pin
    assert given_pin == b"123456"


def test_none_stays_none() -> None:
    with held_pin(None) as buffer:
        assert buffer is None


def test_a_refused_pin_is_wiped_before_the_error() -> None:
    seen: list[bytearray] = []

    def rule(buffer: bytearray) -> None:
        seen.append(buffer)
        raise PinFormatError("refused")

    with pytest.raises(PinFormatError), held_pin("12a4", rule):
        pytest.fail("the block must not run")
    assert seen == [bytearray(4)]


def test_a_buffer_is_wiped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), held_pin("4321") as buffer:
        kept = buffer
        raise RuntimeError
    assert kept == bytearray(4)


@pytest.mark.parametrize("pin", [1234, None, ["1", "2", "3", "4"]])
def test_non_pins_are_refused(pin: object) -> None:
    with pytest.raises(PinFormatError):
        pin_bytes(pin)  # type: ignore[arg-type]
    with pytest.raises(PinFormatError):
        check_pin(pin)  # type: ignore[arg-type]


def test_the_error_never_holds_the_pin() -> None:
    with pytest.raises(PinFormatError) as caught:
        check_pin(b"98765432109876")
    assert "98765432109876" not in str(caught.value)


@given(st.text(max_size=16))
def test_text_and_bytes_follow_one_rule(text: str) -> None:
    """A PIN is accepted as text exactly when its UTF-8 bytes are accepted, and gives the same PIN block."""

    def verdict(pin: str | bytes) -> bool:
        try:
            check_pin(pin)
        except PinFormatError:
            return False
        return True

    encoded = text.encode("utf-8", errors="surrogatepass")
    assert verdict(text) == verdict(encoded)
    if verdict(text):
        assert pin_block(text) == pin_block(encoded) == pin_block(bytearray(encoded))


def test_enums_equal_their_strings() -> None:
    assert KeyRole.AUTHENTICATION == "authentication" and str(KeyRole.SIGNATURE) == "signature"
    assert Padding.PSS == "pss" and f"{Padding.PKCS1V15}" == "pkcs1v15"
    assert str(PinEntry.PINPAD) == "pinpad"
    assert key_role("signature") is KeyRole.SIGNATURE
    assert padding_of(Padding.PSS) is Padding.PSS


@pytest.mark.parametrize("call", [lambda: key_role("non-repudiation"), lambda: padding_of("oaep")])
def test_unknown_names_are_not_supported(call: object) -> None:
    with pytest.raises(NotSupported):
        call()  # type: ignore[operator]
