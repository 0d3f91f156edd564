"""T=0 processing: 61xx chains, 6Cxx retries, bounded loops."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eidlib.apdu import ApduError, CardChannel, CommandAPDU, ProtocolError
from tests.apdu.scripted import ScriptedTransport

PSO = CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, b"\x11" * 32)


def chaining_card(payload: bytes, part: int) -> ScriptedTransport:
    """Answers the first command with 61xx and hands out ``payload`` in parts of ``part`` bytes."""
    state = {"pos": 0}

    def respond(raw: bytes) -> bytes:
        if raw[1] != 0xC0:
            state["pos"] = 0
            return bytes((0x61, min(part, len(payload)) & 0xFF))
        le = raw[4] or 256
        pos = state["pos"]
        chunk = payload[pos : pos + le]
        state["pos"] = pos + len(chunk)
        left = len(payload) - state["pos"]
        return chunk + (bytes((0x61, min(part, left) & 0xFF)) if left else b"\x90\x00")

    return ScriptedTransport(respond)


@given(st.binary(min_size=1, max_size=2000), st.integers(1, 256))
def test_61xx_chain_of_any_length(payload: bytes, part: int) -> None:
    transport = chaining_card(payload, part)
    channel = CardChannel(transport)
    response = channel.transmit(PSO)
    assert response.sw == 0x9000
    assert response.data == payload
    parts = -(-len(payload) // part)
    assert channel.apdu_count == 1 + parts
    assert all(raw[:4] == b"\x00\xc0\x00\x00" for raw in transport.sent[1:])


def test_rsa_signature_61_00() -> None:
    signature = bytes(range(256))
    channel = CardChannel(chaining_card(signature, 256))
    assert channel.send(PSO) == signature
    assert channel.apdu_count == 2


@given(st.integers(1, 256), st.binary(min_size=0, max_size=256))
def test_6cxx_resend_with_right_le(available: int, filler: bytes) -> None:
    data = (filler * 300)[:available] if filler else bytes(available)

    def respond(raw: bytes) -> bytes:
        le = raw[4] or 256
        return data + b"\x90\x00" if le == available else bytes((0x6C, available & 0xFF))

    transport = ScriptedTransport(respond)
    channel = CardChannel(transport)
    response = channel.transmit(CommandAPDU(0x80, 0xE4, 0, 0, le=0xFF if available != 255 else 0x10))
    assert response.data == data
    assert transport.sent[-1][-1] == available & 0xFF
    assert channel.apdu_count == 2


def test_6cxx_delay_is_applied() -> None:
    slept: list[float] = []
    answers = iter([b"\x6c\x1c", bytes(28) + b"\x90\x00"])
    channel = CardChannel(ScriptedTransport(lambda raw: next(answers)), wrong_le_delay=0.05, sleep=slept.append)
    assert len(channel.send(CommandAPDU(0x80, 0xE4, 0, 0, le=0xFF))) == 28
    assert slept == [0.05]


def test_6cxx_then_61xx_mixed() -> None:
    """A GET RESPONSE that itself answers 6Cxx is resent, and the chain goes on."""
    answers = iter([b"\x61\x10", b"\x6c\x08", b"A" * 8 + b"\x61\x04", b"B" * 4 + b"\x90\x00"])
    transport = ScriptedTransport(lambda raw: next(answers))
    channel = CardChannel(transport)
    assert channel.send(PSO) == b"A" * 8 + b"B" * 4
    assert [raw.hex() for raw in transport.sent[1:]] == ["00c0000010", "00c0000008", "00c0000004"]


def test_endless_61xx_is_an_error_not_a_hang() -> None:
    transport = ScriptedTransport(lambda raw: b"x\x61\x01")
    channel = CardChannel(transport, max_parts=10)
    with pytest.raises(ProtocolError):
        channel.transmit(PSO)
    assert channel.apdu_count == 11


def test_endless_6cxx_is_an_error() -> None:
    channel = CardChannel(ScriptedTransport(lambda raw: b"\x6c\x10"))
    with pytest.raises(ProtocolError):
        channel.transmit(CommandAPDU(0, 0xB0, 0, 0, le=5))


def test_error_status_keeps_ins() -> None:
    import eidlib.card.commands  # noqa: F401 - the card layer names its instructions for the APDU layer

    channel = CardChannel(ScriptedTransport(lambda raw: b"\x69\x82"))
    with pytest.raises(ApduError, match="PSO:CDS failed: 6982"):
        channel.send(PSO)


def test_transmit_secret_wipes_the_buffer_and_counts_and_traces_like_any_apdu(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from eidlib.apdu import TRAFFIC

    seen: list[bytes] = []
    channel = CardChannel(ScriptedTransport(lambda raw: seen.append(raw) or b"\x63\xc2"))
    block = bytearray.fromhex("0020000108241234ffffffffff")
    with caplog.at_level(TRAFFIC, logger="eidlib.apdu"):
        assert channel.transmit_secret(block).sw == 0x63C2
    assert seen == [bytes.fromhex("0020000108241234ffffffffff")]  # the card got the PIN block
    assert block == bytearray(len(block))  # and the buffer is zeros now
    assert channel.apdu_count == 1
    assert "1234" not in caplog.text and "redacted" in caplog.text


def test_transmit_secret_wipes_the_buffer_when_the_transport_fails() -> None:
    def broken(raw: bytes) -> bytes:
        raise ProtocolError("reader gone")

    block = bytearray.fromhex("0020000108241234ffffffffff")
    with pytest.raises(ProtocolError):
        CardChannel(ScriptedTransport(broken)).transmit_secret(block)
    assert not any(block)
