"""Serve a virtual card to pcscd through the vsmartcard ``vpcd`` reader driver.

vpcd listens on TCP (port 35963 for slot 0, 35964 for slot 1) and the card process connects to
it. Each message, both ways, is a 2-byte big-endian length and that many bytes. A 1-byte message
from vpcd is a control byte (:class:`Control`): power off, power on, reset (no reply) or an ATR
request (the reply is the ATR). A longer message is a command APDU; the reply is the response.
A closed connection (or an empty ATR) means "no card in the reader".

Latency: Debian's vpcd sends length and body in two ``send()`` calls without ``TCP_NODELAY``;
with delayed ACKs that costs ~44 ms per APDU. Setting ``TCP_NODELAY``, re-arming
``TCP_QUICKACK`` after every ``recv()`` (Linux clears it) and sending each reply in one
``sendall`` brings a round trip down to ~50 µs.

:class:`VpcdClient` serves one card on one slot; :class:`ControlServer` lets another process
remove, insert, replace or fault the card over a Unix socket (which, unlike TCP, also works
across network namespaces).
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from eidlib.apdu.errors import CardRemovedError, TransportError
from eidlib.errors import EidError

logger = logging.getLogger("eidlib.emulator.vpcd")

#: vpcd's TCP port for slot 0; slot n listens on ``VPCD_PORT + n``.
VPCD_PORT = 35963
#: The slots the Debian vpcd driver opens (reader names ``Virtual PCD 00 00`` / ``00 01``).
VPCD_SLOTS = (0, 1)
#: The largest frame the 2-byte length allows.
MAX_FRAME = 0xFFFF
#: Seconds between checks whether an injected removal/mute fault was cleared.
FAULT_RECHECK = 0.1
#: Answer to a command the card object failed on unexpectedly ("no precise diagnosis").
SW_NO_DIAGNOSIS = b"\x6f\x00"

_LENGTH = struct.Struct(">H")


class Control(enum.IntEnum):
    """The control bytes vpcd sends as 1-byte messages."""

    POWER_OFF = 0x00
    POWER_ON = 0x01
    RESET = 0x02
    GET_ATR = 0x04


class VpcdError(EidError):
    """The vpcd connection or the control channel failed."""


@runtime_checkable
class ServedCard(Protocol):
    """What the vpcd client needs from a card (``eidlib.emulator.VirtualCard`` has it)."""

    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> bytes: ...

    def power_off(self) -> None: ...

    def reset(self) -> bytes: ...

    def process(self, apdu: bytes) -> bytes: ...


def encode_frame(body: bytes) -> bytes:
    """One vpcd message: 2-byte big-endian length, then ``body``."""
    if len(body) > MAX_FRAME:
        raise VpcdError(f"a vpcd frame holds at most {MAX_FRAME} bytes, not {len(body)}")
    return _LENGTH.pack(len(body)) + body


class FrameReader:
    """Splits a byte stream into vpcd frames (bytes may arrive in any chunking)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add received bytes; return the frames now complete, in order."""
        self._buffer += chunk
        frames = []
        while len(self._buffer) >= 2:
            (size,) = _LENGTH.unpack_from(self._buffer)
            if len(self._buffer) < 2 + size:
                break
            frames.append(bytes(self._buffer[2 : 2 + size]))
            del self._buffer[: 2 + size]
        return frames

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole frame."""
        return len(self._buffer)


def card_absent(card: object) -> bool:
    """Whether the card's injected faults (``card.faults.removed`` / ``.mute``) keep it out of the reader."""
    faults = getattr(card, "faults", None)
    return faults is not None and bool(getattr(faults, "removed", False) or getattr(faults, "mute", False))


def _quickack(sock: socket.socket) -> None:
    # Linux only; elsewhere delayed ACKs simply cost latency.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class VpcdClient:
    """Serves ``card`` to vpcd on ``host``:``port`` until :meth:`stop`.

    Run :meth:`serve_forever` in the calling thread or :meth:`start` a background thread.
    While vpcd is not listening yet the client retries with exponential backoff (from
    ``retry_min`` to ``retry_max`` seconds). :meth:`remove` closes the connection and stays away
    (pcscd sees the card removed); :meth:`insert` comes back, with the same card object or a
    new one (fresh state). Thread-safe: the control methods may be called from any thread.

    Faults armed on the card (``card.faults.removed`` / ``card.faults.mute``, see
    :mod:`eidlib.emulator.faults`) are honoured: the connection is dropped as soon as one is set
    and the card stays out of the reader until the fault is cleared.
    """

    def __init__(
        self,
        card: ServedCard,
        *,
        host: str = "127.0.0.1",
        port: int = VPCD_PORT,
        retry_min: float = 0.05,
        retry_max: float = 1.0,
    ) -> None:
        self._card = card
        self.host = host
        self.port = port
        self.retry_min = retry_min
        self.retry_max = retry_max
        self._lock = threading.RLock()
        #: Held while the card object handles a frame: take it to touch the card from another thread.
        self.card_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._present = True
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        #: Number of successful connections to vpcd (each one is a card insertion for pcscd).
        self.connections = 0
        #: Command APDUs answered since this client was created.
        self.apdus = 0

    # -- state --------------------------------------------------------------------------------

    @property
    def card(self) -> ServedCard:
        """The card currently served."""
        return self._card

    @property
    def present(self) -> bool:
        """Whether the card is "in the reader" (the client connects or is connected to vpcd)."""
        return self._present

    @property
    def connected(self) -> bool:
        """Whether a TCP connection to vpcd is open right now."""
        return self._sock is not None

    # -- control ------------------------------------------------------------------------------

    def remove(self) -> None:
        """Take the card out: close the connection and do not reconnect until :meth:`insert`."""
        with self._lock:
            self._present = False
            self._drop_connection()

    def insert(self, card: ServedCard | None = None) -> None:
        """Put the card back (``card`` replaces the current one, e.g. for fresh state).

        A card pulled out by an injected removal fault is put back too.
        """
        with self._lock:
            if card is not None:
                self._card = card
            faults = getattr(self._card, "faults", None)
            if faults is not None and getattr(faults, "removed", False):
                faults.insert()
            self._present = True
            self._wake.set()

    def wake(self) -> None:
        """Re-examine the card's faults now (after one was set or cleared from another thread)."""
        with self._lock:
            if card_absent(self._card):
                self._drop_connection()
            self._wake.set()

    def replace(self, card: ServedCard) -> None:
        """Swap in another card, as if the old one was pulled out and the new one inserted."""
        with self._lock:
            self._drop_connection()
            self._card = card
            self._present = True
            self._wake.set()

    def stop(self) -> None:
        """Stop serving: close the connection and end :meth:`serve_forever` (idempotent)."""
        self._stopped.set()
        with self._lock:
            self._drop_connection()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def start(self) -> threading.Thread:
        """Serve in a daemon thread; returns it."""
        thread = threading.Thread(target=self.serve_forever, name=f"vpcd-{self.port}", daemon=True)
        self._thread = thread
        thread.start()
        return thread

    def _drop_connection(self) -> None:
        """End the connection; any thread may call it (with ``_lock`` held).

        Only ``shutdown()`` here: it wakes the serving thread blocked in ``recv()``, which then
        closes the socket itself. Closing from another thread could free the descriptor while
        the serving thread still uses it (EBADF, or worse, a reused descriptor).
        """
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # -- serving ------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Connect, answer vpcd, reconnect after a drop; returns after :meth:`stop`."""
        delay = self.retry_min
        while not self._stopped.is_set():
            if not self._present:
                self._wake.wait()
                self._wake.clear()
                continue
            if card_absent(self._card):
                # Faults can be cleared by a direct call on the card: look again now and then.
                self._wake.wait(FAULT_RECHECK)
                self._wake.clear()
                continue
            sock = self._connect()
            if sock is None:
                self._wake.wait(delay)
                self._wake.clear()
                delay = min(delay * 2, self.retry_max)
                continue
            delay = self.retry_min
            try:
                self._serve_connection(sock)
            except Exception:
                # Whatever went wrong with this connection, the slot must outlive it.
                logger.exception("vpcd connection on port %d failed", self.port)
            finally:
                with self._lock:
                    if self._sock is sock:
                        self._drop_connection()
                sock.close()

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2.0)
        except OSError as exc:
            logger.debug("vpcd %s:%d not reachable: %s", self.host, self.port, exc)
            return None
        try:
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:  # vpcd hung up at once
            logger.debug("vpcd %s:%d dropped the new connection: %s", self.host, self.port, exc)
            sock.close()
            return None
        with self._lock:
            if self._stopped.is_set() or not self._present or card_absent(self._card):
                sock.close()
                return None
            self._sock = sock
            self.connections += 1
        logger.info("card inserted into vpcd slot on port %d", self.port)
        return sock

    def _serve_connection(self, sock: socket.socket) -> None:
        frames = FrameReader()
        while True:
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                _quickack(sock)
            except OSError:
                return  # shut down by remove()/replace()/stop(), or vpcd went away
            for frame in frames.feed(chunk):
                if card_absent(self._card):
                    self._pull_out("an injected fault")
                    return
                with self.card_lock:
                    reply = self._answer(frame)
                if reply is not None:
                    try:
                        sock.sendall(encode_frame(reply))
                    except OSError:
                        return
                if card_absent(self._card):
                    self._pull_out("an injected fault")
                    return

    def _pull_out(self, why: str) -> None:
        logger.info("card leaves vpcd slot on port %d: %s", self.port, why)
        with self._lock:
            self._drop_connection()

    def _answer(self, frame: bytes) -> bytes | None:
        """The reply to one vpcd frame, or ``None`` when it needs none."""
        card = self._card
        if len(frame) == 1:
            return self._control(card, frame[0])
        if not frame:
            return None
        self.apdus += 1
        try:
            response = card.process(frame)
        except CardRemovedError:
            # A fault injected into the card: it is pulled out of the reader and stays out.
            logger.info("card removed by an injected fault")
            with self._lock:
                self._present = False
                self._drop_connection()
        except TransportError:
            # A mute card: drop the connection without answering (vpcd would wait forever); the
            # card comes back after the reconnect delay, like a card that was re-seated.
            logger.info("card went mute (injected fault)")
            with self._lock:
                self._drop_connection()
        except Exception:
            # The card object itself failed: answer like a real card would, never kill the slot.
            logger.exception("card failed to process an APDU")
            return SW_NO_DIAGNOSIS
        else:
            if response:
                return response
            # No answer at all: the card left the reader (a fault the card applied itself).
            self._pull_out("the card gave no answer")
        return None

    @staticmethod
    def _control(card: ServedCard, control: int) -> bytes | None:
        try:
            if control == Control.GET_ATR:
                return card.atr
            if control == Control.POWER_ON:
                card.power_on()
            elif control == Control.POWER_OFF:
                card.power_off()
            elif control == Control.RESET:
                card.reset()
            else:
                logger.warning("vpcd sent unknown control byte %02X", control)
                return None
            # Power events end the card's session state: worth a line when a test wonders why.
            logger.info("vpcd: %s", Control(control).name.lower().replace("_", " "))
        except Exception:
            logger.exception("card failed on control byte %02X", control)
        return None


# -- control channel --------------------------------------------------------------------------

CardFactory = Callable[[Mapping[str, Any]], ServedCard]


class ControlServer:
    """Line-based JSON control of one :class:`VpcdClient` over a Unix socket at ``path``.

    Each request is one JSON object per line with an ``op``; each answer is one JSON line,
    ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. Operations:

    * ``status`` → ``present``, ``connected``, ``connections``, ``apdus``, ``options`` (PIN masked)
    * ``remove`` → the card leaves the reader
    * ``insert`` (``fresh``: bool) → the card comes back; ``fresh`` builds a new card from the
      current options (PIN counter and all state reset)
    * ``restart`` (any card options) → a new card with these options replaces the current one
      (a removal and insertion for pcscd)
    * ``fault`` (``name``, ``args``, ``kwargs``) → calls ``card.faults.<name>(*args, **kwargs)``
      (only public methods; the result, if any, is returned as ``result``)
    * ``call`` (``name``, ``args``) → a public method of the card itself (e.g. a PIN-state reset)
    * ``get`` (``name``) → a public attribute of the card (e.g. ``pin_tries_left``) as ``value``
    """

    def __init__(
        self,
        client: VpcdClient,
        path: str,
        *,
        factory: CardFactory | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.path = path
        self.factory = factory
        self.options: dict[str, Any] = dict(options or {})
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()

    def start(self) -> None:
        """Bind the socket (replacing a stale one) and serve requests in a daemon thread."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        os.chmod(self.path, 0o600)
        server.listen(4)
        self._server = server
        self._thread = threading.Thread(target=self._accept_loop, name="vpcd-control", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting requests and remove the socket file (idempotent)."""
        self._closing.set()
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            server = self._server
            if server is None:
                return
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="vpcd-control-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                answer = self.handle_line(line)
                stream.write(json.dumps(answer).encode() + b"\n")
                stream.flush()

    def handle_line(self, line: bytes) -> dict[str, Any]:
        """Decode one request line and run it; errors become ``{"ok": false, "error": ...}``."""
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise VpcdError("a request is a JSON object with a string 'op'")
            return {"ok": True, **self.handle(request)}
        except Exception as exc:
            # Whatever a request triggers in the card goes back to the requester, never kills the server.
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run one decoded request; returns the answer fields besides ``ok``."""
        op = request["op"]
        client = self.client
        if op == "status":
            return {
                "present": client.present and not card_absent(client.card),
                "connected": client.connected,
                "connections": client.connections,
                "apdus": client.apdus,
                # The card's PIN stays out of answers, as out of any log.
                "options": {k: ("****" if k == "pin" else v) for k, v in self.options.items()},
            }
        if op == "remove":
            client.remove()
            return {}
        if op == "insert":
            client.insert(self._new_card(self.options) if request.get("fresh") else None)
            return {}
        if op == "restart":
            options = {k: v for k, v in request.items() if k != "op"}
            card = self._new_card({**self.options, **options})
            self.options.update(options)
            client.replace(card)
            return {}
        if op == "fault":
            target = getattr(client.card, "faults", None)
            if target is None:
                raise VpcdError("this card has no fault injection (card.faults)")
            with client.card_lock:
                result = self._call(target, request)
            client.wake()
            return {"result": result}
        if op == "call":
            with client.card_lock:
                return {"result": self._call(client.card, request)}
        if op == "get":
            name = request.get("name")
            if not isinstance(name, str) or not name or name.startswith("_"):
                raise VpcdError("'name' must be a public attribute name")
            if not hasattr(client.card, name):
                raise VpcdError(f"{type(client.card).__name__} has no attribute {name!r}")
            with client.card_lock:
                return {"value": _jsonable(getattr(client.card, name))}
        raise VpcdError(f"unknown op {op!r}")

    def _new_card(self, options: Mapping[str, Any]) -> ServedCard:
        if self.factory is None:
            raise VpcdError("no card factory: this server cannot build a fresh card")
        return self.factory(options)

    @staticmethod
    def _call(target: object, request: Mapping[str, Any]) -> Any:
        name = request.get("name")
        if not isinstance(name, str) or not name or name.startswith("_"):
            raise VpcdError("'name' must be a public method name")
        method = getattr(target, name, None)
        if not callable(method):
            raise VpcdError(f"{type(target).__name__} has no method {name!r}")
        args = request.get("args") or []
        kwargs = request.get("kwargs") or {}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise VpcdError("'args' must be a list and 'kwargs' an object")
        return _jsonable(method(*args, **kwargs))


def _jsonable(value: Any) -> Any:
    """``value`` as it can travel in a JSON answer: bytes as hex, other odd objects as their repr."""
    if isinstance(value, bytes):
        return value.hex()
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def control_request(path: str, op: str, *, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
    """Send one request to a :class:`ControlServer` at ``path`` and return its answer.

    Raises :class:`VpcdError` when the server is unreachable or answers ``ok: false``.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(json.dumps({"op": op, **fields}).encode() + b"\n")
            with sock.makefile("rb") as stream:
                line = stream.readline()
    except OSError as exc:
        raise VpcdError(f"control socket {path}: {exc}") from exc
    try:
        answer = json.loads(line)
    except ValueError as exc:
        raise VpcdError(f"control socket {path}: unreadable answer {line[:80]!r}") from exc
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise VpcdError(f"control {op!r} failed: {error}")
    return answer
