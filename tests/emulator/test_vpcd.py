"""The vpcd client against a fake vpcd (a TCP server in the test speaking the vpcd framing)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.apdu.errors import CardRemovedError, ProtocolError
from eidlib.emulator import vpcd
from eidlib.emulator.vpcd import (
    SW_NO_DIAGNOSIS,
    ControlServer,
    FrameReader,
    VpcdClient,
    VpcdError,
    control_request,
    encode_frame,
)

ATR = bytes.fromhex("3B 98 13 40 0A A5 03 01 01 01 AD 13 11")


class FakeFaults:
    def __init__(self) -> None:
        self.removed = False
        self.mute = False
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def remove_after(self, apdus: int = 0) -> None:
        self.calls.append(("remove_after", (apdus,)))
        self.removed = True

    def insert(self) -> None:
        self.removed = False

    def clear(self) -> None:
        self.removed = self.mute = False

    def blob(self) -> bytes:
        return b"\x01\x02"


class FakeCard:
    """Records what vpcd asked; answers APDUs with their header + 9000."""

    def __init__(self, atr: bytes = ATR, tag: str = "first") -> None:
        self.atr = atr
        self.tag = tag
        self.events: list[str] = []
        self.faults = FakeFaults()
        self.fail_with: BaseException | None = None

    def power_on(self) -> bytes:
        self.events.append("on")
        return self.atr

    def power_off(self) -> None:
        self.events.append("off")

    def reset(self) -> bytes:
        self.events.append("reset")
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        if self.fail_with is not None:
            raise self.fail_with
        self.events.append(apdu.hex())
        return apdu[:4] + b"\x90\x00"

    def describe(self, suffix: str) -> str:
        return self.tag + suffix


class FakeVpcd:
    """The server side of one vpcd slot: sends frames like pcscd's vpcd driver does."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.server.settimeout(10)
        self.port: int = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self, timeout: float = 10) -> socket.socket:
        self.server.settimeout(timeout)
        conn, _ = self.server.accept()
        conn.settimeout(5)
        self.conn = conn
        return conn

    def send(self, body: bytes, *, split: bool = True) -> None:
        assert self.conn is not None
        header = struct.pack(">H", len(body))
        if split:  # Debian's vpcd: length and body in two send() calls
            self.conn.sendall(header)
            self.conn.sendall(body)
        else:
            self.conn.sendall(header + body)

    def recv_frame(self) -> bytes:
        assert self.conn is not None
        header = self._exactly(2)
        return self._exactly(struct.unpack(">H", header)[0])

    def _exactly(self, n: int) -> bytes:
        assert self.conn is not None
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise EOFError("card closed the connection")
            data += chunk
        return data

    def exchange(self, apdu: bytes) -> bytes:
        self.send(apdu)
        return self.recv_frame()

    def expect_closed(self) -> None:
        assert self.conn is not None
        assert self.conn.recv(10) == b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def fake_vpcd() -> Iterator[FakeVpcd]:
    server = FakeVpcd()
    yield server
    server.close()


@pytest.fixture
def served(fake_vpcd: FakeVpcd) -> Iterator[tuple[FakeVpcd, VpcdClient, FakeCard]]:
    card = FakeCard()
    client = VpcdClient(card, port=fake_vpcd.port, retry_min=0.01, retry_max=0.05)
    client.start()
    fake_vpcd.accept()
    while not client.connected:  # accept() returns a moment before the client records its socket
        time.sleep(0.001)
    yield fake_vpcd, client, card
    client.stop()


# -- framing ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    frames=st.lists(st.binary(min_size=0, max_size=300), max_size=12),
    cuts=st.lists(st.integers(min_value=1, max_value=50), max_size=40),
)
def test_frames_survive_any_chunking(frames: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(encode_frame(f) for f in frames)
    reader = FrameReader()
    out: list[bytes] = []
    position = 0
    for cut in cuts:
        out += reader.feed(stream[position : position + cut])
        position += cut
    out += reader.feed(stream[position:])
    assert out == frames
    assert reader.pending == 0


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=600))
def test_frame_header_is_big_endian_length(body: bytes) -> None:
    frame = encode_frame(body)
    assert frame[:2] == len(body).to_bytes(2, "big")
    assert frame[2:] == body


def test_partial_frame_is_kept_until_complete() -> None:
    reader = FrameReader()
    assert reader.feed(b"\x00\x05\x00\xa4") == []
    assert reader.pending == 4
    assert reader.feed(b"\x04\x00\x00\x00\x02") == [b"\x00\xa4\x04\x00\x00"]
    assert reader.pending == 2


def test_oversized_frame_is_refused() -> None:
    encode_frame(b"\x00" * 0xFFFF)
    with pytest.raises(VpcdError):
        encode_frame(b"\x00" * 0x10000)


# -- the client against a fake vpcd -----------------------------------------------------------


def test_control_bytes_and_apdus(served: tuple[FakeVpcd, VpcdClient, FakeCard]) -> None:
    server, client, card = served
    server.send(b"\x01")  # power on: no reply
    server.send(b"\x04")  # ATR request
    assert server.recv_frame() == ATR
    assert server.exchange(bytes.fromhex("00A4040C02DF00")) == bytes.fromhex("00A4040C9000")
    server.send(b"\x02")  # reset
    server.send(b"\x00")  # power off
    server.send(b"\x04")
    assert server.recv_frame() == ATR  # a reply after the silent ones proves they were consumed
    assert card.events == ["on", "00a4040c02df00", "reset", "off"]
    assert client.apdus == 1
    assert client.connections == 1


def test_socket_options_and_quickack_after_every_recv(
    fake_vpcd: FakeVpcd, monkeypatch: pytest.MonkeyPatch
) -> None:
    armed: list[int] = []
    original = vpcd._quickack

    def counting(sock: socket.socket) -> None:
        armed.append(1)
        original(sock)

    monkeypatch.setattr(vpcd, "_quickack", counting)
    client = VpcdClient(FakeCard(), port=fake_vpcd.port)
    client.start()
    try:
        server = fake_vpcd
        server.accept()
        for i in range(20):
            assert server.exchange(bytes([0, 0xB0, 0, i, 0])) == bytes([0, 0xB0, 0, i, 0x90, 0])
        sock = client._sock
        assert sock is not None
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        # Every recv() of the card is followed by re-arming QUICKACK: at least one per APDU frame
        # (vpcd's split header/body may arrive in one or two segments).
        assert len(armed) >= 20
    finally:
        client.stop()


def test_each_reply_is_one_send(fake_vpcd: FakeVpcd, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[bytes] = []

    class RecordingSocket(socket.socket):
        def sendall(self, data: bytes, flags: int = 0) -> None:  # type: ignore[override]
            sent.append(bytes(data))
            super().sendall(data, flags)

        def send(self, data: bytes, flags: int = 0) -> int:  # type: ignore[override]
            raise AssertionError("replies must go out through one sendall")

    def connect(address: tuple[str, int], timeout: float = 2.0) -> socket.socket:
        sock = RecordingSocket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
        return sock

    monkeypatch.setattr(socket, "create_connection", connect)
    client = VpcdClient(FakeCard(), port=fake_vpcd.port)
    client.start()
    try:
        fake_vpcd.accept()
        fake_vpcd.send(b"\x04")
        assert fake_vpcd.recv_frame() == ATR
        assert fake_vpcd.exchange(b"\x80\xe4\x00\x00\x1c") == b"\x80\xe4\x00\x00\x90\x00"
        assert sent == [encode_frame(ATR), encode_frame(b"\x80\xe4\x00\x00\x90\x00")]
    finally:
        client.stop()


def test_frames_sent_in_one_segment_or_split_are_both_understood(
    served: tuple[FakeVpcd, VpcdClient, FakeCard],
) -> None:
    server, _client, _card = served
    server.send(b"\x00\xca\x01\x00\x00", split=False)
    assert server.recv_frame() == b"\x00\xca\x01\x00\x90\x00"
    # Two frames in one segment: both answered, in order.
    assert server.conn is not None
    server.conn.sendall(encode_frame(b"\x04") + encode_frame(b"\x00\xb0\x00\x00\x01"))
    assert server.recv_frame() == ATR
    assert server.recv_frame() == b"\x00\xb0\x00\x00\x90\x00"


def test_client_retries_until_vpcd_listens() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    client = VpcdClient(FakeCard(), port=port, retry_min=0.01, retry_max=0.05)
    client.start()
    try:
        time.sleep(0.2)
        assert not client.connected
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
        server.settimeout(5)
        conn, _ = server.accept()  # the backoff is capped: the client comes within ~50 ms
        with conn, server:
            conn.sendall(encode_frame(b"\x04"))
            conn.settimeout(5)
            assert conn.recv(100) == encode_frame(ATR)
    finally:
        client.stop()


def test_remove_and_insert(served: tuple[FakeVpcd, VpcdClient, FakeCard]) -> None:
    server, client, card = served
    client.remove()
    server.expect_closed()
    assert not client.present
    with pytest.raises(socket.timeout):
        server.accept(timeout=0.3)  # stays away while removed
    fresh = FakeCard(tag="second")
    client.insert(fresh)
    server.accept()
    server.send(b"\x04")
    assert server.recv_frame() == ATR
    assert client.card is fresh
    assert client.connections == 2
    assert card.events == []


def test_replace_drops_the_connection_and_comes_back_with_the_new_card(
    served: tuple[FakeVpcd, VpcdClient, FakeCard],
) -> None:
    server, client, _card = served
    other_atr = bytes.fromhex("3B7F96000080318065B085040120120FFF829000")
    client.replace(FakeCard(atr=other_atr))
    server.expect_closed()
    server.accept()
    server.send(b"\x04")
    assert server.recv_frame() == other_atr


def test_fault_removal_closes_the_connection_and_insert_brings_it_back(
    served: tuple[FakeVpcd, VpcdClient, FakeCard],
) -> None:
    server, client, card = served
    assert server.exchange(b"\x00\xb0\x00\x00\x10") == b"\x00\xb0\x00\x00\x90\x00"
    card.faults.removed = True
    server.send(b"\x00\xb0\x00\x00\x10")
    server.expect_closed()  # no answer: the card left in the middle of the command
    with pytest.raises(socket.timeout):
        server.accept(timeout=0.3)
    client.insert()
    assert not card.faults.removed
    server.accept()
    assert server.exchange(b"\x00\xb0\x00\x00\x10") == b"\x00\xb0\x00\x00\x90\x00"


def test_mute_fault_drops_the_connection_until_unmuted(served: tuple[FakeVpcd, VpcdClient, FakeCard]) -> None:
    server, client, card = served
    card.faults.mute = True
    client.wake()
    server.expect_closed()
    with pytest.raises(socket.timeout):
        server.accept(timeout=0.3)
    card.faults.mute = False  # cleared directly on the card: noticed by the periodic re-check
    server.accept(timeout=5)


@pytest.mark.parametrize(
    ("error", "comes_back"),
    [(CardRemovedError("pulled"), False), (ProtocolError("mute"), True)],
)
def test_card_raising_transport_errors(
    served: tuple[FakeVpcd, VpcdClient, FakeCard], error: Exception, comes_back: bool
) -> None:
    server, client, card = served
    card.fail_with = error
    server.send(b"\x00\xb0\x00\x00\x10")
    server.expect_closed()
    card.fail_with = None
    if comes_back:
        server.accept(timeout=5)
    else:
        with pytest.raises(socket.timeout):
            server.accept(timeout=0.3)
        assert not client.present


def test_card_bug_answers_6f00_and_keeps_serving(served: tuple[FakeVpcd, VpcdClient, FakeCard]) -> None:
    server, _client, card = served
    card.fail_with = ZeroDivisionError("bug in the card")
    assert server.exchange(b"\x00\xb0\x00\x00\x10") == SW_NO_DIAGNOSIS
    card.fail_with = None
    assert server.exchange(b"\x00\xb0\x00\x00\x10") == b"\x00\xb0\x00\x00\x90\x00"


def test_stop_ends_the_serving_thread(fake_vpcd: FakeVpcd) -> None:
    client = VpcdClient(FakeCard(), port=fake_vpcd.port)
    thread = client.start()
    fake_vpcd.accept()
    client.stop()
    thread.join(5)
    assert not thread.is_alive()
    fake_vpcd.expect_closed()


# -- control channel -------------------------------------------------------------------------


@pytest.fixture
def controlled(
    served: tuple[FakeVpcd, VpcdClient, FakeCard], tmp_path: Path
) -> Iterator[tuple[FakeVpcd, VpcdClient, str, list[dict[str, object]]]]:
    server, client, _card = served
    built: list[dict[str, object]] = []

    def factory(options: object) -> FakeCard:
        assert isinstance(options, dict)
        built.append(dict(options))
        return FakeCard(tag=str(options.get("profile")))

    path = str(tmp_path / "ctl.sock")
    control = ControlServer(client, path, factory=factory, options={"profile": "1.8", "pin": "4321"})
    control.start()
    yield server, client, path, built
    control.close()
    assert not os.path.exists(path)


def test_control_status_remove_insert(controlled: tuple[FakeVpcd, VpcdClient, str, list[dict[str, object]]]) -> None:
    server, client, path, built = controlled
    status = control_request(path, "status")
    assert status["present"] is True and status["connected"] is True
    assert status["options"] == {"profile": "1.8", "pin": "****"}
    assert "4321" not in json.dumps(status)
    control_request(path, "remove")
    server.expect_closed()
    assert control_request(path, "status")["present"] is False
    control_request(path, "insert", fresh=True)
    server.accept()
    assert built == [{"profile": "1.8", "pin": "4321"}]  # the real PIN reaches the factory
    assert isinstance(client.card, FakeCard) and client.card.tag == "1.8"


def test_control_restart_with_new_options(
    controlled: tuple[FakeVpcd, VpcdClient, str, list[dict[str, object]]],
) -> None:
    server, _client, path, built = controlled
    control_request(path, "restart", profile="1.7", kids=True)
    server.expect_closed()
    server.accept()
    assert built == [{"profile": "1.7", "pin": "4321", "kids": True}]
    assert control_request(path, "status")["options"] == {"profile": "1.7", "pin": "****", "kids": True}


def test_control_fault_and_call(controlled: tuple[FakeVpcd, VpcdClient, str, list[dict[str, object]]]) -> None:
    server, client, path, _built = controlled
    assert control_request(path, "call", name="describe", args=["-x"])["result"] == "first-x"
    assert control_request(path, "get", name="tag")["value"] == "first"
    assert control_request(path, "get", name="atr")["value"] == ATR.hex()
    assert control_request(path, "fault", name="blob")["result"] == "0102"
    control_request(path, "fault", name="remove_after", args=[0])
    server.expect_closed()  # applied at once, without waiting for the next vpcd poll
    card = client.card
    assert isinstance(card, FakeCard)
    assert card.faults.calls == [("remove_after", (0,))]
    control_request(path, "fault", name="clear")
    server.accept(timeout=5)


@pytest.mark.parametrize(
    "request_line",
    [
        b"not json\n",
        b"[1, 2]\n",
        b'{"op": 3}\n',
        b'{"op": "explode"}\n',
        b'{"op": "fault", "name": "_private"}\n',
        b'{"op": "fault", "name": "missing"}\n',
        b'{"op": "call", "name": "describe", "args": {"a": 1}}\n',
        b'{"op": "call", "name": "describe", "args": [1, 2, 3]}\n',
        b'{"op": "get", "name": "_private"}\n',
        b'{"op": "get", "name": "nothing"}\n',
    ],
)
def test_control_rejects_bad_requests_without_dying(
    controlled: tuple[FakeVpcd, VpcdClient, str, list[dict[str, object]]], request_line: bytes
) -> None:
    _server, _client, path, _built = controlled
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(path)
        sock.sendall(request_line)
        answer = json.loads(sock.makefile("rb").readline())
    assert answer["ok"] is False and answer["error"]
    assert control_request(path, "status")["ok"] is True  # still serving


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    line=st.one_of(
        st.binary(max_size=200),
        st.fixed_dictionaries(
            {"op": st.sampled_from(["status", "insert", "restart", "fault", "call", "get", "bogus"])},
            optional={"name": st.sampled_from(["remove_after", "insert", "clear", "blob", "describe", "tag",
                                               "_secret", "__class__", "process", "nothing"]) | st.text(max_size=8),
                      "args": JSON_VALUES, "kwargs": JSON_VALUES, "fresh": JSON_VALUES, "profile": JSON_VALUES},
        ).map(lambda request: json.dumps(request).encode()),
    )
)
def test_any_control_line_gets_an_answer(line: bytes) -> None:
    client = VpcdClient(FakeCard(), port=1)  # never started: only its state changes
    control = ControlServer(client, "/nonexistent", factory=lambda options: FakeCard(), options={"profile": "1.8"})
    answer = control.handle_line(line)
    assert isinstance(answer["ok"], bool)
    assert answer["ok"] or answer["error"]
    json.dumps(answer)  # always serialisable


def test_control_request_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(VpcdError, match="control socket"):
        control_request(str(tmp_path / "nobody.sock"), "status")


def test_control_without_factory_cannot_build_fresh_cards(
    served: tuple[FakeVpcd, VpcdClient, FakeCard], tmp_path: Path
) -> None:
    _server, client, _card = served
    control = ControlServer(client, str(tmp_path / "c.sock"))
    control.start()
    try:
        with pytest.raises(VpcdError, match="no card factory"):
            control_request(str(tmp_path / "c.sock"), "insert", fresh=True)
    finally:
        control.close()


# -- `eid emulate` against the fake vpcd -------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_eid_emulate_serves_the_virtual_card_and_exits_cleanly(
    fake_vpcd: FakeVpcd, tmp_path: Path, stop_signal: int
) -> None:
    from eidlib.emulator import ATR as CARD_ATRS

    control = tmp_path / "emu.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "eidlib.cli.main", "emulate", "--profile", "1.8", "--slot", "1",
         "--port", str(fake_vpcd.port), "--control", str(control)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        fake_vpcd.accept(timeout=60)
        fake_vpcd.send(b"\x01")
        fake_vpcd.send(b"\x04")
        assert fake_vpcd.recv_frame() == CARD_ATRS["1.8"]
        answer = fake_vpcd.exchange(bytes.fromhex("80E400001C"))
        assert answer[-2:] == b"\x90\x00" and len(answer) == 30
        assert answer[21] == 0x18  # applet version byte of GET CARD DATA
        assert control_request(str(control), "status")["apdus"] == 1
        proc.send_signal(stop_signal)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert b"Traceback" not in err
    fake_vpcd.expect_closed()
    assert not control.exists()


def test_removal_between_recv_and_quickack_does_not_kill_the_thread(
    served: tuple[FakeVpcd, VpcdClient, FakeCard], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12.4: remove() landing right after recv() must not end the serving thread."""
    server, client, _card = served
    original = vpcd._quickack
    raced: list[bool] = []

    def remove_first(sock: socket.socket) -> None:
        if not raced:
            raced.append(True)
            client.remove()  # another thread's remove(), at the worst moment
        original(sock)

    monkeypatch.setattr(vpcd, "_quickack", remove_first)
    server.send(b"\x04")
    server.expect_closed()
    assert raced and client._thread is not None and client._thread.is_alive()
    client.insert()
    server.accept()
    server.send(b"\x04")
    assert server.recv_frame() == ATR
    assert client.connections == 2


def test_remove_insert_storm_always_ends_with_the_card_served(
    served: tuple[FakeVpcd, VpcdClient, FakeCard],
) -> None:
    """Removal and insertion from another thread while APDUs flow: the card always comes back."""
    server, client, _card = served
    for _ in range(20):
        server.send(b"\x00\xa4\x00\x00")
        client.remove()
        client.insert()
        with contextlib.suppress(EOFError, OSError):  # the answer may or may not beat the removal
            server.recv_frame()
        server.conn = server.accept()
        server.send(b"\x04")
        assert server.recv_frame() == ATR
    assert client._thread is not None and client._thread.is_alive()
