"""The installed ``eid`` command through the real pcscd (vpcd virtual cards), for each state a user meets.

Slot 0 holds the applet 1.7 card, slot 1 the 1.8 card (``tests/conftest.py``). Every run is a
subprocess of the real entry point; ``tests.cli.contract.eid`` fails on any traceback.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from eidlib.apdu.pcsc import PcscTransport, wait_for_card
from eidlib.belpic.ins import Ins
from eidlib.emulator.persona import Persona
from tests.cli.contract import EID, Run, checked, eid, error_of, schema_errors
from tests.pcsc_harness import PcscStack

SURNAME = Persona.default().surname


def _codes(run: Run) -> list[str]:
    return [f["code"] for f in checked(run.out, "diagnose")["findings"]]


def test_cards_in_readers(pcsc_cards: PcscStack) -> None:
    run = eid("--json", "readers")
    readers = {r["name"]: r for r in checked(run.out, "readers")["readers"]}
    assert readers[pcsc_cards.reader_18]["card_present"] and readers[pcsc_cards.reader_18]["atr"].isupper()
    run = eid("--reader", pcsc_cards.reader_17, "--json", "read")
    assert run.code == 0 and run.err == "" and checked(run.out, "read")["integrity"]["valid"] is True
    run = eid("--json", "diagnose")
    assert run.code == 0 and _codes(run) == ["ok"]
    assert {c["applet_version"] for c in checked(run.out, "diagnose")["cards"]} == {"1.7", "1.8"}


def test_empty_reader(pcscd_no_card: PcscStack) -> None:
    run = eid("read")
    assert run.code == 4 and "No eID card in the reader." in run.err and "--wait" in run.err
    run = eid("--json", "diagnose")
    assert run.code == 4 and set(_codes(run)) == {"no_card"}
    run = eid("--reader", pcscd_no_card.reader_18, "--json", "info", "--wait", "0.5")
    assert run.code == 4 and error_of(run.out, "info", "WaitTimeoutError")


def test_no_reader(pcscd_no_readers: PcscStack) -> None:
    run = eid("read")
    assert run.code == 4 and "hint: " in run.err
    run = eid("--json", "diagnose")
    assert run.code == 4 and _codes(run) == ["no_reader"]


def test_no_pcscd(pcscd_not_running: None) -> None:
    run = eid("read")
    assert run.code == 4 and "The smart-card service (pcscd) is not running." in run.err
    assert "systemctl start pcscd" in run.err
    run = eid("--json", "diagnose")
    assert run.code == 4 and _codes(run) == ["pcscd_unavailable"]
    assert checked(run.out, "diagnose")["pcscd"] == {"reachable": False}


def test_not_a_belgian_eid_card(pcsc_cards: PcscStack) -> None:
    pcsc_cards.inject(1, "answer_sw", int(Ins.SELECT), 0x6A82, times=None)  # no BELPIC applet on this card
    run = eid("--reader", pcsc_cards.reader_18, "--json", "read")
    assert run.code == 6
    assert error_of(run.out, "read", "NotABeidCard")["status_word"] == "6A82"
    run = eid("--reader", pcsc_cards.reader_18, "diagnose")
    assert run.code == 6 and "PROBLEM" in run.out and "not a Belgian eID card" in run.out


def test_kids_card_and_card_not_activated(pcsc_cards: PcscStack, tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"kids")
    pcsc_cards.restart_card(1, kids=True)
    run = eid("--reader", pcsc_cards.reader_18, "sign", "--pin-stdin", str(document), stdin="1234\n")
    assert run.code == 6 and "This card has no signature key." in run.err and "adult" in run.err
    run = eid("--reader", pcsc_cards.reader_18, "--json", "diagnose")
    assert run.code == 0 and _codes(run) == ["no_signature_key", "ok"]
    pcsc_cards.restart_card(1, kids=False, activated=False)
    run = eid("--reader", pcsc_cards.reader_18, "--json", "diagnose")
    assert run.code == 6 and _codes(run) == ["not_activated"]
    run = eid("--reader", pcsc_cards.reader_18, "sign", "--pin-stdin", str(document), stdin="1234\n")
    assert run.code == 6 and "not activated" in run.err and "municipality" in run.err


def test_last_try_then_blocked(pcsc_cards: PcscStack, tmp_path: Path) -> None:
    reader = ("--reader", pcsc_cards.reader_17)
    for left in (2, 1):
        run = eid(*reader, "pin", "test", "--pin-stdin", stdin="0000\n")
        assert run.code == 5 and f"Wrong PIN: {left} tr" in run.err and "0000" not in run.err
    run = eid(*reader, "--json", "diagnose")
    assert run.code == 0 and _codes(run)[0] == "pin_last_try"
    run = eid(*reader, "pin", "test", "--pin-stdin", stdin="0000\n")
    assert run.code == 5 and "Warning: only one PIN try is left" in run.err and "--allow-last-try" in run.err
    run = eid(*reader, "pin", "test", "--pin-stdin", "--allow-last-try", stdin="0000\n")
    assert run.code == 5 and "The PIN is blocked." in run.err
    document = tmp_path / "doc.txt"
    document.write_bytes(b"x")
    run = eid(*reader, "--json", "sign", "--pin-stdin", str(document), stdin="1234\n")
    assert run.code == 5 and error_of(run.out, "sign", "PinBlocked") and "Enter the PIN" not in run.err
    run = eid(*reader, "--json", "diagnose")
    assert run.code == 5 and _codes(run) == ["pin_blocked"]


def test_card_pulled_out_during_a_read(pcsc_cards: PcscStack) -> None:
    pcsc_cards.inject(1, "remove_after", 4)
    run = eid("--reader", pcsc_cards.reader_18, "read")
    assert run.code == 4 and "Re-insert the card and try again" in run.err


def test_reader_in_exclusive_use(pcsc_cards: PcscStack) -> None:
    with PcscTransport(pcsc_cards.reader_18, exclusive=True) as owner:
        owner.connect()
        run = eid("--reader", pcsc_cards.reader_18, "--json", "diagnose")
    assert run.code == 4 and _codes(run) == ["reader_busy"]


def test_wait_and_watch(pcsc_cards: PcscStack) -> None:
    reader = pcsc_cards.reader_18
    watch = subprocess.Popen([str(EID), "--reader", reader, "--json", "watch", "--count", "3", "--timeout", "60"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = watch.stdout.readline() if watch.stdout else ""  # the card already in: "inserted"
        pcsc_cards.remove_card(1)
        waiting = subprocess.Popen([str(EID), "--reader", reader, "info", "--wait", "30"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        note = waiting.stderr.readline() if waiting.stderr else ""
        assert note.startswith("Waiting for a card (up to 30 s)")  # it waits: now the card goes in
        pcsc_cards.insert_card(1)
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
        assert "Applet version : 1.8" in out
        rest, err = watch.communicate(timeout=60)
    finally:
        watch.kill()
    events = [json.loads(line) for line in [first, *rest.splitlines()] if line.strip()]
    assert all(schema_errors(e) == [] for e in events), events
    assert [e["event"] for e in events] == ["inserted", "removed", "inserted"], (events, err)
    assert SURNAME in events[0]["holder"] and SURNAME in events[2]["holder"] and events[1]["holder"] is None
    wait_for_card(reader, 10)
