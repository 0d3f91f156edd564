"""The test harness itself: the machine-wide lock, foreign pcscd detection, orphan clean-up, options."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eidlib.apdu.errors import TransportError
from eidlib.apdu.pcsc import list_readers
from tests import pcsc_harness
from tests.pcsc_harness import HarnessError, PcscStack, active_stack_suspended


@pytest.fixture
def private_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "test.lock"
    monkeypatch.setattr(pcsc_harness, "LOCK_PATH", path)
    return path


def hold_lock_in_child(path: Path) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "os.write(fd, b'pid child: holder')\n"
         "print('held', flush=True)\n"
         "time.sleep(30)\n"],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"held\n"
    return child


def test_lock_is_reentrant_in_one_process(private_lock: Path) -> None:
    lock = pcsc_harness._MachineLock()
    lock.acquire(1)
    lock.acquire(1)
    assert lock.held
    lock.release()
    assert lock.held
    lock.release()
    assert not lock.held
    assert f"pid {os.getpid()}" in private_lock.read_text()


def test_lock_wait_is_bounded_and_names_the_holder(private_lock: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = hold_lock_in_child(private_lock)
    try:
        lock = pcsc_harness._MachineLock()
        with pytest.raises(HarnessError, match=r"still held after 0\.5 s by pid child: holder"):
            lock.acquire(0.5)
        assert "waiting for" in capsys.readouterr().err
    finally:
        child.kill()
        child.communicate()  # reaps the child and closes its stdout pipe
    lock.acquire(2)  # free again once the holder is gone
    lock.release()


def test_card_options_are_checked() -> None:
    assert pcsc_harness._card_options({"not_activated": True, "persona": Path("/x.json")}) == {
        "activated": False, "persona": "/x.json"
    }
    with pytest.raises(HarnessError, match="unknown card options"):
        pcsc_harness._card_options({"profil": "1.8"})
    with pytest.raises(HarnessError, match="slots 0 and 1"):
        PcscStack({2: "1.8"})
    with pytest.raises(HarnessError, match="without readers"):
        PcscStack({0: "1.8"}, readers="none")
    stack = PcscStack({1: {"profile": "1.7", "kids": True}})
    assert stack.reader_17 == "Virtual PCD 00 01"
    with pytest.raises(HarnessError, match=r"no applet 1\.8"):
        _ = stack.reader_18


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setattr(pcsc_harness, "STATE_PATH", path)
    return path


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "30"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_orphans_of_a_dead_owner_are_stopped_by_recorded_pid(
    state_file: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    started = pcsc_harness._start_time(sleeper.pid)
    state_file.write_text(f"owner {dead_pid()} 12345\n{sleeper.pid} {started}\n")
    assert pcsc_harness._orphans() == [sleeper.pid]
    pcsc_harness._reap_orphans()
    assert sleeper.wait(5) is not None
    assert not state_file.exists()


def test_processes_of_a_live_owner_are_not_orphans(state_file: Path, sleeper: subprocess.Popen[bytes]) -> None:
    me = os.getpid()
    state_file.write_text(f"owner {me} {pcsc_harness._start_time(me)}\n"
                          f"{sleeper.pid} {pcsc_harness._start_time(sleeper.pid)}\n")
    assert pcsc_harness._orphans() == []


def test_a_reused_pid_is_not_taken_for_an_orphan(state_file: Path, sleeper: subprocess.Popen[bytes]) -> None:
    state_file.write_text(f"owner {dead_pid()} 1\n{sleeper.pid} 999999999\n")
    assert pcsc_harness._orphans() == []
    pcsc_harness._reap_orphans()
    assert sleeper.poll() is None  # never signalled


@pytest.mark.parametrize("content", ["", "garbage\n", "owner x\n", "owner 1 2\nnot-a-pid 3\n"])
def test_a_damaged_state_file_is_harmless(state_file: Path, content: str) -> None:
    state_file.write_text(content)
    assert pcsc_harness._orphans() == []


def test_a_foreign_pcscd_is_refused_and_left_alone(pcscd_not_running: None, tmp_path: Path) -> None:
    """A pcscd the harness did not start (here: started by hand) makes it fail, not kill."""
    empty = tmp_path / "reader.conf.d"
    empty.mkdir()
    with active_stack_suspended():
        foreign = subprocess.Popen(["pcscd", "-f", "-c", str(empty)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    list_readers()
                    break
                except TransportError:
                    assert time.monotonic() < deadline, "the hand-started pcscd did not come up"
                    time.sleep(0.05)
            with pytest.raises(HarnessError, match="not started by the test harness"):
                PcscStack().start()
            assert foreign.poll() is None
        finally:
            foreign.terminate()
            foreign.wait(10)


def test_a_card_that_does_not_come_back_is_reported_and_the_stack_rebuilt(pcsc_stack: PcscStack) -> None:
    from eidlib.apdu.pcsc import reader_status, wait_for_removal
    from tests.conftest import HarnessRecovered, _put_cards_back

    pcsc_stack.stop_card(1)  # the card process is gone: pcscd sees an empty reader
    wait_for_removal(pcsc_stack.reader(1), 10.0)
    with pytest.warns(HarnessRecovered, match="slot 1"):
        _put_cards_back(pcsc_stack)
    assert reader_status(pcsc_stack.reader(0)).card_present
    assert reader_status(pcsc_stack.reader(1)).card_present
