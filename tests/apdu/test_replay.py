from __future__ import annotations

import json
from pathlib import Path

import pytest

from eidlib.apdu import CardChannel, CommandAPDU, ProtocolError, RecordingTransport, ReplayTransport
from tests.apdu.scripted import ScriptedTransport


def card(raw: bytes) -> bytes:
    if raw[1] == 0x20:
        return b"\x90\x00"
    return b"\x17" * 4 + b"\x90\x00"


def test_record_then_replay(tmp_path: Path) -> None:
    recorder = RecordingTransport(ScriptedTransport(card, atr=b"\x3b\x98"))
    CardChannel(recorder).send(CommandAPDU(0x80, 0xE4, 0, 0, le=4))
    CardChannel(recorder).send(CommandAPDU(0, 0x20, 0, 1, bytes.fromhex("241234ffffffffff")))
    path = tmp_path / "trace.json"
    recorder.save(path)
    assert "241234" not in path.read_text()

    replay = ReplayTransport.load(path)
    assert replay.atr == b"\x3b\x98"
    channel = CardChannel(replay)
    assert channel.send(CommandAPDU(0x80, 0xE4, 0, 0, le=4)) == b"\x17" * 4
    # the PIN differs from the recording, but PIN commands are matched on header and length only
    channel.send(CommandAPDU(0, 0x20, 0, 1, bytes.fromhex("245678ffffffffff")))
    assert replay.finished


def test_replay_mismatch_and_overrun(tmp_path: Path) -> None:
    recorder = RecordingTransport(ScriptedTransport(card))
    recorder.transmit(bytes.fromhex("80e4000004"))
    replay = ReplayTransport(recorder.to_json())
    with pytest.raises(ProtocolError, match="differs"):
        replay.transmit(bytes.fromhex("80e4000104"))
    replay.transmit(bytes.fromhex("80e4000004"))
    with pytest.raises(ProtocolError, match="more commands"):
        replay.transmit(bytes.fromhex("80e4000004"))


@pytest.mark.parametrize("doc", [{}, {"format": "x"}, {"format": "eidlib-apdu-trace/1", "atr": "zz", "exchanges": []},
                                 {"format": "eidlib-apdu-trace/1", "atr": "3b", "exchanges": [{}]}])
def test_malformed_trace(doc: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        ReplayTransport(json.loads(json.dumps(doc)))


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe not utf-8",
        b"{not json",
        b'["a", "list"]',
        b'"just a string"',
        b'{"format": "eidlib-apdu-trace/1", "atr": "zz", "exchanges": []}',
        b'{"format": "eidlib-apdu-trace/1", "atr": "3b00", "exchanges": [{"command": 5}]}',
        b'{"format": "eidlib-apdu-trace/1", "atr": "3b00", "exchanges": 7}',
    ],
)
def test_load_of_a_malformed_file_is_a_protocol_error(tmp_path: Path, content: bytes) -> None:
    """Issue 12.5: ``load`` reports a bad file like the constructor does."""
    path = tmp_path / "trace.json"
    path.write_bytes(content)
    with pytest.raises(ProtocolError):
        ReplayTransport.load(path)
