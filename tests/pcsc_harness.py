"""A real PC/SC stack for tests and benchmarks: pcscd + vpcd + virtual cards (``eid emulate``).

``PcscStack`` starts ``pcscd -f`` inside a private network namespace (so vpcd's TCP ports are
reachable from loopback only), starts one ``eid emulate`` process per vpcd slot in the same
namespace, waits until pyscard sees the cards, and stops everything by the PIDs it recorded.
Clients (pyscard, OpenSC, PKCS#11 modules) stay in the normal namespace: they reach pcscd through
its filesystem socket ``/run/pcscd/pcscd.comm``.

That socket is machine-wide, so the stack holds an exclusive ``flock`` on
``/run/eidlib-pcscd.lock`` for as long as it runs (other test sessions on the machine wait).
A pcscd the harness did not start is never touched: the harness refuses to run instead.

Usable without pytest (``benchmarks/`` does)::

    with PcscStack() as stack:
        transport = PcscTransport(stack.reader_18)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from eidlib.apdu.errors import TransportError
from eidlib.apdu.pcsc import list_readers, reader_status, wait_for_card, wait_for_removal
from eidlib.emulator.vpcd import VPCD_PORT, control_request

LOCK_PATH = Path(os.environ.get("EIDLIB_PCSCD_LOCK", "/run/eidlib-pcscd.lock"))
#: Seconds to wait for another test session to release the pcscd lock.
LOCK_TIMEOUT = float(os.environ.get("EIDLIB_PCSCD_LOCK_TIMEOUT", "1200"))
#: Which pcscd and card processes the lock holder started (so an orphan of a killed session is known).
STATE_PATH = Path(os.environ.get("EIDLIB_PCSCD_STATE", "/run/eidlib-pcscd.state"))
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PIDFILE = Path("/run/pcscd/pcscd.pid")
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Reader names of the Debian vpcd driver, by slot.
VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
#: The default cards: slot 0 holds an applet 1.7 card, slot 1 an applet 1.8 card.
DEFAULT_CARDS: dict[int, dict[str, Any]] = {0: {"profile": "1.7"}, 1: {"profile": "1.8"}}
#: What ``eid emulate`` uses for an option that is not given.
CARD_DEFAULTS: dict[str, Any] = {
    "card": None, "persona": None, "pin": "1234", "kids": False, "activated": True, "seed": "eidlib-test",
}

ReaderConfig = Literal["vpcd", "none"]


class HarnessError(RuntimeError):
    """The PC/SC test stack could not be started or controlled (the message says why)."""


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} not readable)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return not stat[stat.rfind(")") + 2 :].startswith("Z")


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _start_time(pid: int) -> str:
    """The process start time in clock ticks (field 22 of /proc/PID/stat): guards against PID reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _record_state(owner: int, pids: list[int]) -> None:
    """Write which processes this harness started (one ``pid start-time`` per line)."""
    lines = [f"owner {owner} {_start_time(owner)}"] + [f"{pid} {_start_time(pid)}" for pid in pids]
    STATE_PATH.write_text("\n".join(lines) + "\n")


def _orphans() -> list[int]:
    """Processes recorded by a harness whose owning test process is gone (killed mid-session).

    Only PIDs whose start time still matches the record are returned, so a reused PID is never
    mistaken for one of ours.
    """
    try:
        lines = STATE_PATH.read_text().split("\n")
    except OSError:
        return []
    records = [line.split() for line in lines if line.strip()]
    if not records or records[0][0] != "owner" or len(records[0]) != 3:
        return []
    owner, owner_start = int(records[0][1]), records[0][2]
    if _pid_alive(owner) and _start_time(owner) == owner_start:
        return []  # its owner still runs: not orphans
    found = []
    for record in records[1:]:
        if len(record) == 2 and record[0].isdigit():
            pid = int(record[0])
            if _pid_alive(pid) and _start_time(pid) == record[1]:
                found.append(pid)
    return found


def _reap_orphans() -> None:
    """Stop, by their recorded PIDs, the processes a killed test session left behind."""
    for pid in _orphans():
        print(f"pcsc harness: stopping pid {pid} ({_process_name(pid)}) left by a killed test session",
              file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(FileNotFoundError):
        STATE_PATH.unlink()


# -- the machine-wide lock ---------------------------------------------------------------------


class _MachineLock:
    """``flock`` on :data:`LOCK_PATH`, re-entrant within this process (fixtures and stacks nest)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._fd: int | None = None
        self._count = 0

    def acquire(self, timeout: float = LOCK_TIMEOUT) -> None:
        with self._mutex:
            if self._count:
                self._count += 1
                return
            fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o666)
            deadline = time.monotonic() + timeout
            announced = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = self._holder(fd)
                        os.close(fd)
                        raise HarnessError(
                            f"{LOCK_PATH} is still held after {timeout:g} s by {holder}: another test session "
                            "uses pcscd. Wait for it to finish (or raise EIDLIB_PCSCD_LOCK_TIMEOUT)."
                        ) from None
                    if not announced:
                        print(f"pcsc harness: waiting for {LOCK_PATH} (held by {self._holder(fd)})",
                              file=sys.stderr, flush=True)
                        announced = True
                    time.sleep(0.25)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}: {' '.join(sys.argv)[:200]}\n".encode())
            self._fd = fd
            self._count = 1

    @staticmethod
    def _holder(fd: int) -> str:
        with contextlib.suppress(OSError):
            text = os.pread(fd, 300, 0).decode(errors="replace").strip()
            if text:
                return text
        return "another process"

    def release(self) -> None:
        with self._mutex:
            if not self._count:
                return
            self._count -= 1
            if self._count == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    @property
    def held(self) -> bool:
        return self._count > 0


machine_lock = _MachineLock()


@contextlib.contextmanager
def pcscd_lock(timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the machine-wide pcscd lock for the ``with`` block (re-entrant in one process)."""
    machine_lock.acquire(timeout)
    try:
        yield
    finally:
        machine_lock.release()


def foreign_pcscd() -> str | None:
    """A description of a running pcscd this process did not start, or ``None``."""
    try:
        pid = int(PCSCD_PIDFILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pid = 0
    if pid and _pid_alive(pid) and _process_name(pid) == "pcscd" and pid not in _OUR_PCSCD:
        return f"pcscd pid {pid} (from {PCSCD_PIDFILE})"
    if PCSCD_SOCKET.exists():
        try:
            list_readers()
        except TransportError:
            return None  # a stale socket file: pcscd replaces it when it starts
        return f"a pcscd answering on {PCSCD_SOCKET}"
    return None


#: PIDs of the pcscd processes started by this process (never signal anything else).
_OUR_PCSCD: set[int] = set()
#: The stack currently running in this process (only one can: pcscd's socket is machine-wide).
_active: PcscStack | None = None


def netns_supported() -> bool:
    """Whether this machine lets us create a private network namespace (``unshare -n``)."""
    if not shutil.which("unshare"):
        return False
    done = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return done.returncode == 0


# -- the stack --------------------------------------------------------------------------------


class PcscStack:
    """pcscd with vpcd virtual readers and virtual cards, for one test session or benchmark.

    ``cards`` maps vpcd slot → card options (``profile``, ``persona`` file, ``pin``, ``kids``,
    ``activated``, ``seed``; a bare ``"1.7"``/``"1.8"`` string is the profile); default: 1.7 in
    slot 0, 1.8 in slot 1. ``readers="none"`` starts pcscd with an empty reader configuration
    (a pcscd without any reader). ``netns=None`` uses a private network namespace when the
    machine allows it and falls back to the stock configuration (vpcd on 0.0.0.0) otherwise.
    """

    def __init__(
        self,
        cards: Mapping[int, Mapping[str, Any] | str] | None = None,
        *,
        readers: ReaderConfig = "vpcd",
        netns: bool | None = None,
        start_timeout: float = 120.0,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        raw_cards = DEFAULT_CARDS if cards is None else cards
        self.cards: dict[int, dict[str, Any]] = {}
        for slot, spec in raw_cards.items():
            if slot not in (0, 1):
                raise HarnessError(f"vpcd has slots 0 and 1, not {slot}")
            self.cards[slot] = {"profile": spec} if isinstance(spec, str) else _card_options(spec)
        #: The cards as configured at construction, for :meth:`restore_card`.
        self.initial_cards = {slot: dict(options) for slot, options in self.cards.items()}
        if readers == "none" and self.cards:
            raise HarnessError("a pcscd without readers cannot hold cards")
        self.readers = readers
        self.netns = netns
        self.start_timeout = start_timeout
        self.lock_timeout = lock_timeout
        self.workdir: Path | None = None
        self.pcscd_pid: int | None = None
        self.card_pids: dict[int, int] = {}
        self._pcscd: subprocess.Popen[bytes] | None = None
        self._card_procs: dict[int, subprocess.Popen[bytes]] = {}
        self._in_netns = False
        self._locked = False

    # -- names ------------------------------------------------------------------------------

    def reader(self, slot: int) -> str:
        """The PC/SC reader name of vpcd slot ``slot``."""
        return VPCD_READERS[slot]

    def _slot_of(self, profile: str) -> int:
        for slot, options in sorted(self.cards.items()):
            if options.get("profile", "1.8") == profile:
                return slot
        raise HarnessError(f"this stack holds no applet {profile} card")

    @property
    def reader_17(self) -> str:
        """The reader holding the applet 1.7 (RSA) card."""
        return self.reader(self._slot_of("1.7"))

    @property
    def reader_18(self) -> str:
        """The reader holding the applet 1.8 (ECDSA P-384) card."""
        return self.reader(self._slot_of("1.8"))

    @property
    def running(self) -> bool:
        """Whether pcscd (started by this stack) is running."""
        return self._pcscd is not None and self._pcscd.poll() is None

    @property
    def isolated(self) -> bool:
        """Whether pcscd and the cards run in a private network namespace."""
        return self._in_netns

    def control_path(self, slot: int) -> Path:
        """The control socket of the card process serving ``slot``."""
        if self.workdir is None:
            raise HarnessError("the stack is not started")
        return self.workdir / f"slot{slot}.sock"

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> PcscStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Take the lock, start pcscd and the cards, wait until pyscard sees them."""
        global _active
        if self.running:
            return
        self.stop()  # what is left of a stack whose pcscd died
        if _active is not None and _active is not self and _active.running:
            raise HarnessError("another PcscStack is running in this process; stop or suspend it first")
        machine_lock.acquire(self.lock_timeout)
        self._locked = True
        try:
            _reap_orphans()
            foreign = foreign_pcscd()
            if foreign:
                raise HarnessError(
                    f"{foreign} is running and was not started by the test harness; it owns "
                    f"{PCSCD_SOCKET}. Stop it (it is not ours to kill) and run the tests again."
                )
            self.workdir = Path(tempfile.mkdtemp(prefix="eidlib-pcsc-"))
            self._start_pcscd()
            _active = self
            for slot in sorted(self.cards):
                self.start_card(slot, wait=False)
            for slot in sorted(self.cards):
                self._wait_card_ready(slot)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the cards and pcscd (by PID) and release the lock (idempotent)."""
        global _active
        for slot in list(self._card_procs):
            self.stop_card(slot)
        if self._pcscd is not None:
            _terminate(self._pcscd)
            if self.pcscd_pid is not None:
                _OUR_PCSCD.discard(self.pcscd_pid)
            self._pcscd = None
            self.pcscd_pid = None
        if _active is self:
            _active = None
            with contextlib.suppress(FileNotFoundError):
                STATE_PATH.unlink()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if self._locked:
            self._locked = False
            machine_lock.release()

    def restart(self) -> None:
        """Stop everything and start again (fresh pcscd, fresh cards)."""
        self.stop()
        self.start()

    def _start_pcscd(self) -> None:
        assert self.workdir is not None
        log = self.workdir / "pcscd.log"
        command = ["pcscd", "-f"]
        if self.readers == "none":
            empty = self.workdir / "reader.conf.d"
            empty.mkdir()
            command += ["-c", str(empty)]
        use_netns = netns_supported() if self.netns is None else self.netns
        if use_netns:
            # unshare and sh both exec: the PID recorded is pcscd's own.
            command = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
        else:
            print("pcsc harness: no private network namespace; vpcd listens on 0.0.0.0", file=sys.stderr)
        with open(log, "wb") as out:
            self._pcscd = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pcscd_pid = self._pcscd.pid
        _OUR_PCSCD.add(self._pcscd.pid)
        self._record()
        self._in_netns = use_netns
        deadline = time.monotonic() + 15
        while True:
            if self._pcscd.poll() is not None:
                raise HarnessError(f"pcscd exited with status {self._pcscd.returncode}; its log:\n{_tail(log)}")
            if PCSCD_SOCKET.exists():
                try:
                    found = list_readers()
                except TransportError:
                    found = None
                if found is not None and (self.readers == "none" or len(found) >= len(VPCD_READERS)):
                    return
            if time.monotonic() > deadline:
                raise HarnessError(f"pcscd did not come up within 15 s; its log:\n{_tail(log)}")
            time.sleep(0.05)

    # -- cards ------------------------------------------------------------------------------

    def _card_command(self, slot: int) -> list[str]:
        options = self.cards[slot]
        command = [
            # The emulate command's own entry point: it does not import the other eid commands.
            sys.executable, "-m", "eidlib.cli.emulate",
            "--slot", str(slot), "--port", str(VPCD_PORT + slot),
            "--control", str(self.control_path(slot)),
        ]
        # A card persona of the catalogue (eid emulate --card) sets the applet itself.
        command += ["--card", str(options["card"])] if options.get("card") else [
            "--profile", str(options.get("profile", "1.8"))]
        if options.get("persona"):
            command += ["--persona", str(options["persona"])]
        if options.get("pin"):
            command += ["--pin", str(options["pin"])]
        if options.get("seed"):
            command += ["--seed", str(options["seed"])]
        if options.get("kids"):
            command.append("--kids")
        if options.get("activated") is False:
            command.append("--not-activated")
        if self._in_netns:
            assert self.pcscd_pid is not None
            command = ["nsenter", "-t", str(self.pcscd_pid), "-n", "--", *command]
        return command

    def _record(self) -> None:
        pids = [self.pcscd_pid] if self.pcscd_pid is not None else []
        _record_state(os.getpid(), [*self.card_pids.values(), *pids])

    def start_card(self, slot: int, *, wait: bool = True, **options: Any) -> None:
        """Start the card process of ``slot`` (with new ``options``, if given)."""
        if self.workdir is None or not self.running:
            raise HarnessError("start the stack first")
        self.stop_card(slot)
        if options or slot not in self.cards:
            self.cards[slot] = {**self.cards.get(slot, {}), **_card_options(options)}
        log = self.workdir / f"slot{slot}.log"
        # The card process imports this checkout's eidlib whatever the caller's working directory.
        python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": python_path}
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                self._card_command(slot), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=REPO_ROOT,
            )
        self._card_procs[slot] = proc
        self.card_pids[slot] = proc.pid
        self._record()
        if wait:
            self._wait_card_ready(slot)

    def stop_card(self, slot: int) -> None:
        """Stop the card process of ``slot`` (pcscd sees the card removed)."""
        proc = self._card_procs.pop(slot, None)
        self.card_pids.pop(slot, None)
        if proc is not None:
            _terminate(proc)

    def _wait_card_ready(self, slot: int) -> None:
        assert self.workdir is not None
        proc = self._card_procs[slot]
        deadline = time.monotonic() + self.start_timeout
        while True:
            if proc.poll() is not None:
                raise HarnessError(
                    f"the card process of slot {slot} exited with status {proc.returncode}; its log:\n"
                    f"{_tail(self.workdir / f'slot{slot}.log')}"
                )
            try:
                if reader_status(self.reader(slot)).card_present:
                    return
            except TransportError as exc:
                if self._pcscd is None or self._pcscd.poll() is not None:
                    raise HarnessError(f"pcscd died: {exc}; its log:\n{self.log_tail()}") from exc
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"pcscd does not see the card of slot {slot} after {self.start_timeout:g} s.\n"
                    f"card log:\n{_tail(self.workdir / f'slot{slot}.log')}\npcscd log:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def control(self, slot: int, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request to the card process of ``slot`` (see ``eidlib.emulator.vpcd.ControlServer``)."""
        return control_request(str(self.control_path(slot)), op, **fields)

    def remove_card(self, slot: int, *, wait: bool = True, timeout: float = 10.0) -> None:
        """Pull the card out of ``slot``; with ``wait``, until pcscd reports the reader empty."""
        self.control(slot, "remove")
        if wait:
            wait_for_removal(self.reader(slot), timeout)

    def insert_card(self, slot: int, *, fresh: bool = False, wait: bool = True, timeout: float = 10.0) -> None:
        """Put the card back into ``slot`` (``fresh``: a new card, all state reset)."""
        self.control(slot, "insert", fresh=fresh)
        if wait:
            wait_for_card(self.reader(slot), timeout)

    def restart_card(self, slot: int, *, timeout: float = 60.0, **options: Any) -> None:
        """Replace the card in ``slot`` by a fresh one (new ``options`` are kept for later restarts).

        The old card is pulled out first and pcscd sees the removal, so open connections fail
        with ``CardRemovedError`` exactly as when a user swaps cards.
        """
        new = _card_options(options)
        self.remove_card(slot, timeout=timeout)
        self.control(slot, "restart", **new)
        self.cards[slot] = {**self.cards.get(slot, {}), **new}
        wait_for_card(self.reader(slot), timeout)

    def card_options(self, slot: int) -> dict[str, Any]:
        """Every option of the card in ``slot``, defaults filled in."""
        return {**CARD_DEFAULTS, **self.cards[slot]}

    def restore_card(self, slot: int) -> bool:
        """Put back the card ``slot`` had when the stack was built, if a test changed its options.

        Returns whether a new card was needed.
        """
        initial = {**CARD_DEFAULTS, **self.initial_cards[slot]}
        if self.card_options(slot) == initial:
            return False
        self.restart_card(slot, **initial)
        self.cards[slot] = dict(self.initial_cards[slot])
        return True

    def inject(self, slot: int, fault: str, *args: Any, **kwargs: Any) -> Any:
        """Arm a fault on the card of ``slot``: ``card.faults.<fault>(*args, **kwargs)``."""
        return self.control(slot, "fault", name=fault, args=list(args), kwargs=kwargs).get("result")

    def card_call(self, slot: int, method: str, *args: Any) -> Any:
        """Call a public method of the card object of ``slot`` (in its process)."""
        return self.control(slot, "call", name=method, args=list(args)).get("result")

    def card_attribute(self, slot: int, name: str) -> Any:
        """A public attribute of the card object of ``slot`` (e.g. ``pin_tries_left``)."""
        return self.control(slot, "get", name=name).get("value")

    def card_status(self, slot: int) -> dict[str, Any]:
        """``present``, ``connected``, ``connections``, ``apdus`` and ``options`` of the card of ``slot``."""
        return self.control(slot, "status")

    def log_tail(self, lines: int = 30) -> str:
        """The end of pcscd's log."""
        if self.workdir is None:
            return "(not started)"
        return _tail(self.workdir / "pcscd.log", lines)

    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """Stop the stack for the ``with`` block (keeping the lock) and start it again after."""
        was_running = self.running
        with pcscd_lock(self.lock_timeout):
            self.stop()
            try:
                yield
            finally:
                if was_running:
                    self.start()


def _card_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise card options: ``not_activated=True`` is ``activated=False``; unknown keys are refused."""
    result = dict(options)
    if "not_activated" in result:
        result["activated"] = not result.pop("not_activated")
    allowed = {"profile", "card", "persona", "pin", "kids", "activated", "seed"}
    unknown = set(result) - allowed
    if unknown:
        raise HarnessError(f"unknown card options {sorted(unknown)}; allowed: {sorted(allowed)}")
    if "persona" in result and result["persona"] is not None:
        result["persona"] = str(result["persona"])
    return result


def _terminate(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process we started, SIGKILL it if it does not exit in time, and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


@contextlib.contextmanager
def active_stack_suspended() -> Iterator[None]:
    """Hold the lock with no pcscd of ours running for the block; restart a suspended stack after."""
    with pcscd_lock():
        stack = _active
        if stack is not None and stack.running:
            with stack.suspended():
                yield
        else:
            yield


@contextlib.contextmanager
def pcscd_stopped() -> Iterator[None]:
    """No pcscd at all for the block (clients get ``SCARD_E_NO_SERVICE``)."""
    with active_stack_suspended():
        foreign = foreign_pcscd()
        if foreign:
            raise HarnessError(f"{foreign} is running and was not started by the harness; cannot test without pcscd")
        yield


@contextlib.contextmanager
def pcscd_without_readers() -> Iterator[PcscStack]:
    """pcscd running with an empty reader configuration, for the block."""
    with active_stack_suspended(), PcscStack({}, readers="none") as stack:
        yield stack


def main() -> int:
    """``python -m tests.pcsc_harness``: run the stack until Ctrl-C (for trying tools by hand)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with PcscStack() as stack:
        where = "a private network namespace" if stack.isolated else "the host network"
        print(f"pcscd pid {stack.pcscd_pid} in {where}; cards: applet 1.7 in {stack.reader_17!r}, "
              f"applet 1.8 in {stack.reader_18!r}. Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(3600):
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
