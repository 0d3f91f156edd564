"""Recordings of real sessions (``eid record``): every file in ``tests/fixtures/real/`` runs through the
card layer; recording, anonymising and replaying are checked on every card generation."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.apdu.replay import FORMAT
from eidlib.card.recording import (
    STEPS,
    RecordingError,
    anonymise,
    latencies,
    record_session,
    replay_session,
    steps_of,
)
from eidlib.cli.main import main
from eidlib.emulator import VirtualTransport
from eidlib.emulator.generations import CARD_PERSONAS, virtual_card
from tests.cli.contract import checked
from tests.support.vectors import REPO_ROOT

FIXTURES = sorted((REPO_ROOT / "tests" / "fixtures" / "real").glob("*.json"))


def test_there_is_a_fixture() -> None:
    assert FIXTURES, "tests/fixtures/real/ holds at least the virtual card's recording through pcscd"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_recording_replays_through_the_card_layer(path: Path) -> None:
    recording = json.loads(path.read_text(encoding="utf-8"))
    assert recording["format"] == FORMAT and recording["session"]["anonymised"]
    steps = steps_of(recording)
    results = replay_session(recording)
    assert str(results["applet"]) == recording["session"]["applet"]
    if "identity" in steps:
        assert len(results["identity"].national_number) == 11
    if "address" in steps:
        assert results["address"].municipality
    if "pin_status" in steps:
        assert results["pin_status"] in (None, 0, 1, 2, 3)
    if "sign" in steps:
        cert = results["certificates"].authentication
        key = x509.load_der_x509_certificate(cert).public_key()
        size = getattr(key, "key_size", 0)
        assert len(results["sign"]) in ((size + 7) // 8, 2 * ((size + 7) // 8))
    for command in (bytes.fromhex(e["command"]) for e in recording["exchanges"]):
        if command[1:2] == b"\x20" and len(command) > 5:
            assert command[5:] == b"\xff" * (len(command) - 5)  # PIN blocks redacted
    assert all(ms >= 0 for _c, _r, ms in latencies(recording))


@pytest.mark.parametrize("name", sorted(CARD_PERSONAS))
def test_record_anonymise_replay_on_every_generation(name: str) -> None:
    steps = [s for s in STEPS if s not in ("verify", "sign")] if name == "kids" else list(STEPS)
    recording = record_session(VirtualTransport(virtual_card(name)), steps, pin="1234", reader="R (SN123)")
    original = replay_session(recording)
    hidden = anonymise(recording)
    assert hidden["session"]["reader"] == "R (...)"
    again = replay_session(hidden)
    before, after = original["identity"], again["identity"]
    for field in ("surname", "firstnames", "national_number", "card_number", "location_of_birth"):
        old, new = getattr(before, field), getattr(after, field)
        assert len(old.encode()) == len(new.encode())
        assert old != new or not old, field
    assert before.chip_number != after.chip_number
    assert after.date_of_birth.year == 1970 and after.document_type == before.document_type
    assert original["address"].street_and_number != again["address"].street_and_number
    assert again["photo"] != original["photo"] and len(again["photo"]) == len(original["photo"])
    text = json.dumps(hidden)
    for secret in (before.surname, before.national_number, original["address"].street_and_number):
        assert secret.encode().hex() not in text
    auth = again["certificates"].authentication
    if auth is not None:  # one replacement per value: the certificate names the new holder
        subject = x509.load_der_x509_certificate(auth).subject
        assert after.national_number in subject.rfc4514_string()
        assert after.surname in subject.rfc4514_string()


@pytest.mark.parametrize("name", ["1.7", "1.8"])
def test_anonymised_recording_keeps_nothing_unique_to_the_card(name: str) -> None:
    """Serial numbers, public keys and signatures identify a holder through a certificate directory."""
    recording = record_session(VirtualTransport(virtual_card(name)), list(STEPS), pin="1234")
    original = replay_session(recording)
    hidden = anonymise(recording)
    again = replay_session(hidden)
    text = json.dumps(hidden)
    for role in ("authentication", "signature"):
        before = x509.load_der_x509_certificate(getattr(original["certificates"], role))
        after = x509.load_der_x509_certificate(getattr(again["certificates"], role))
        before_key = before.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        after_key = after.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        assert len(before_key) == len(after_key) and before_key != after_key, role
        assert before.serial_number != after.serial_number, role
        assert before.signature.hex() not in text and before.signature != after.signature, role
    assert len(again["sign"]) == len(original["sign"]) and original["sign"].hex() not in text


def test_anonymising_twice_gives_other_values() -> None:
    recording = record_session(VirtualTransport(virtual_card("1.8")), ["identity"])
    first, second = (replay_session(anonymise(recording))["identity"] for _ in range(2))
    assert first.national_number != second.national_number


def test_replay_refuses_a_recording_of_other_steps() -> None:
    recording = record_session(VirtualTransport(virtual_card("1.8")), ["identity"])
    recording["session"]["steps"] = ["identity", "address"]
    with pytest.raises(Exception) as info:
        replay_session(recording)
    assert "replay" in str(info.value)
    recording["session"]["steps"] = ["identity", "everything"]
    with pytest.raises(RecordingError):
        replay_session(recording)


def test_steps_need_a_pin() -> None:
    with pytest.raises(RecordingError):
        record_session(VirtualTransport(virtual_card("1.8")), ["sign"])


_HEX = st.binary(max_size=40).map(bytes.hex)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"command": _HEX, "response": _HEX}), max_size=12))
def test_anonymise_never_fails_untyped(exchanges: list[dict[str, Any]]) -> None:
    recording = {"format": FORMAT, "atr": "3b00", "session": {"steps": []}, "exchanges": exchanges}
    try:
        out = anonymise(recording)
    except RecordingError:
        return
    assert len(out["exchanges"]) == len(exchanges)
    for old, new in zip(exchanges, out["exchanges"], strict=True):
        assert len(old["response"]) == len(new["response"]) and old["command"] == new["command"]


def test_eid_record_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "rec.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["--json", "--virtual", "1.7", "record", "--sign", "--pin-stdin", "--anonymise",
                 "-o", str(target)]) == 0
    result = checked(capsys.readouterr().out, "record")
    assert result["anonymised"] and result["steps"] == list(STEPS)
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert str(replay_session(saved)["applet"]) == "1.7"
    assert main(["--json", "--virtual", "1.8", "record", "-o", str(tmp_path / "no" / "dir" / "x.json")]) != 0
    assert "error" in json.loads(capsys.readouterr().out)
