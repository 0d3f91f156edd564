"""A recorded session replays byte for byte, with PIN blocks redacted in the recording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eidlib.apdu.errors import ProtocolError
from eidlib.apdu.replay import RecordingTransport, ReplayTransport
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from tests.card.virtual_cards import PIN, virtual_card


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_record_and_replay(profile: str, tmp_path: Path) -> None:
    recorder = RecordingTransport(VirtualTransport(virtual_card(profile)))
    with BeidCard(recorder).open() as card:
        identity = card.read_identity()
        integrity = card.verify_integrity()
        signature = card.sign(b"replayed", pin=PIN)
        tries = card.pin_tries_left()
    trace = tmp_path / "session.json"
    recorder.save(trace)
    assert PIN.encode().hex() not in trace.read_text()
    assert "241234" not in trace.read_text()

    replay = ReplayTransport.load(trace)
    with BeidCard(replay, owns_transport=False).open() as card:
        assert card.read_identity() == identity
        assert card.verify_integrity().rrn_certificate == integrity.rrn_certificate
        assert card.sign(b"replayed", pin=PIN) == signature
        assert card.pin_tries_left() == tries
    assert replay.finished


def test_replay_detects_a_different_command(tmp_path: Path) -> None:
    recorder = RecordingTransport(VirtualTransport(virtual_card("1.8")))
    with BeidCard(recorder).open() as card:
        card.sign(b"one", pin=PIN)
    replay = ReplayTransport(json.loads(json.dumps(recorder.to_json())))
    with BeidCard(replay).open() as card, pytest.raises(ProtocolError):
        card.sign(b"two", pin=PIN)


def test_replay_of_a_real_17_card_data_answer() -> None:
    """The GET CARD DATA answer of a real 1.7 card (OpenSC issue 1112) drives the session."""
    answer = "534c47904043000038e977a912924251f3360125011700030021010f9000"
    recording = {
        "format": "eidlib-apdu-trace/1",
        "atr": "3b9813400aa503010101ad1311",
        "exchanges": [
            {"command": "00a4040c0fa000000030290570" + "00ad13100101ff", "response": "9000"},
            {"command": "80e400001c", "response": answer},
            {"command": "00a4080c063f00df014031", "response": "9000"},
            {"command": "00b00000fc", "response": "6b00"},
        ],
    }
    with BeidCard(ReplayTransport(recording)).open() as card:
        assert card.applet_version == "1.7"
        assert card.serial_number == "534C47904043000038E977A912924251"
        from eidlib.apdu.status import ApduError

        with pytest.raises(ApduError):
            card.read_identity()  # 6B00 on the first chunk is an error, not an empty file
