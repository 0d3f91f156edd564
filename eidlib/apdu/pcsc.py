"""Real card readers through the PC/SC service (pcscd) with pyscard's low-level ``smartcard.scard`` API.

The low-level API is used on purpose: it costs about 43 µs per APDU against pcscd, where the
object-oriented ``smartcard.System`` layer adds observers and list conversions on every call.

Every PC/SC failure becomes one of the typed errors of :mod:`eidlib.apdu.errors`; no pyscard
exception and no bare return code escapes from this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from smartcard import scard

from eidlib.apdu.errors import (
    ApduFormatError,
    CardRemovedError,
    CardResetError,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ReaderBusyError,
    TransportError,
    WaitTimeoutError,
)
from eidlib.apdu.readers import match_reader

ProtocolName = Literal["any", "T0", "T1"]
AtrFilter = Callable[[bytes], bool]

_PROTOCOLS: dict[str, int] = {
    "any": scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
    "T0": scard.SCARD_PROTOCOL_T0,
    "T1": scard.SCARD_PROTOCOL_T1,
}

#: pcsc-lite's ``INFINITE`` is 0x7FFFFFFF ms; a bounded wait never passes more than this.
_MAX_WAIT_MS = 0x7FFFFFFE


def _u32(code: int) -> int:
    """pyscard returns return codes as signed or unsigned ints depending on the platform."""
    return code & 0xFFFFFFFF


#: Return code -> constant name, for messages (``SCARD_E_NO_SMARTCARD`` instead of a number).
SCARD_CODE_NAMES: dict[int, str] = {
    _u32(getattr(scard, name)): name
    for name in dir(scard)
    if name.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_", "SCARD_P_"))
    and isinstance(getattr(scard, name), int)
}

_SUCCESS = _u32(scard.SCARD_S_SUCCESS)
_NO_SERVICE = {_u32(scard.SCARD_E_NO_SERVICE), _u32(scard.SCARD_E_SERVICE_STOPPED)}
#: libpcsclite's word for "pcscd closed our socket": the daemon stopped (or exited) while a call was
#: under way, or its access policy (polkit) refused this client. No card can be reached either way.
_PEER_CLOSED = _u32(scard.SCARD_W_SECURITY_VIOLATION)
_NO_READERS = {
    _u32(scard.SCARD_E_NO_READERS_AVAILABLE),
    _u32(scard.SCARD_E_UNKNOWN_READER),
    _u32(scard.SCARD_E_READER_UNAVAILABLE),
}
_CARD_GONE = {
    _u32(scard.SCARD_W_REMOVED_CARD),
    _u32(scard.SCARD_E_NO_SMARTCARD),
    _u32(scard.SCARD_W_UNPOWERED_CARD),
    _u32(scard.SCARD_W_UNRESPONSIVE_CARD),
}
#: The exchange broke off: often the card was pulled out mid-command, before pcscd noticed.
_LOST = {
    _u32(scard.SCARD_E_NOT_TRANSACTED),
    _u32(scard.SCARD_E_COMM_DATA_LOST),
    _u32(scard.SCARD_F_COMM_ERROR),
}
#: How long to wait for pcscd to confirm a removal after a broken exchange (it polls some readers,
#: vpcd every 400 ms).
REMOVAL_CONFIRM_TIMEOUT = 1.0
_RESET = _u32(scard.SCARD_W_RESET_CARD)
_SHARING = _u32(scard.SCARD_E_SHARING_VIOLATION)
_TIMEOUT = _u32(scard.SCARD_E_TIMEOUT)
_CANCELLED = _u32(scard.SCARD_E_CANCELLED)

#: The pseudo reader pcsc-lite offers to be told when readers are added or removed.
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"


def scard_code_name(code: int) -> str:
    """The symbolic name of a PC/SC return code (``SCARD_E_TIMEOUT``), or its hex value."""
    return SCARD_CODE_NAMES.get(_u32(code), f"0x{_u32(code):08X}")


def pcsc_error(code: int, action: str, *, connected: bool = False) -> TransportError:
    """The typed error for PC/SC return code ``code`` while doing ``action``.

    ``connected`` tells whether a card connection existed: a missing card then means it was
    removed (:class:`CardRemovedError`), otherwise that there was none (:class:`NoCardError`).
    """
    code = _u32(code)
    message = f"{action}: {scard_code_name(code)}"
    if code in _NO_SERVICE:
        return PcscUnavailableError(f"{message} (is pcscd running?)")
    if code == _PEER_CLOSED:
        return PcscUnavailableError(
            f"{message} (pcscd closed the connection: it stopped, or its access policy refuses this user)"
        )
    if code in _NO_READERS:
        return NoReaderError(message)
    if code == _RESET:
        return CardResetError(message)
    if code in _CARD_GONE:
        return CardRemovedError(message) if connected else NoCardError(message)
    if code == _SHARING:
        return ReaderBusyError(f"{message} (another application holds the reader exclusively)")
    return TransportError(message)


def _check(code: int, action: str, *, connected: bool = False) -> None:
    if _u32(code) != _SUCCESS:
        raise pcsc_error(code, action, connected=connected)


def _establish_context() -> Any:
    try:
        code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except scard.error as exc:  # pyscard's own exception type: never let it escape
        raise PcscUnavailableError(f"SCardEstablishContext: {exc}") from exc
    _check(code, "SCardEstablishContext")
    return context


def _release_context(context: Any) -> None:
    # Releasing can only fail when pcscd is already gone; nothing is left to clean up then.
    scard.SCardReleaseContext(context)


@contextmanager
def pcsc_context() -> Iterator[Any]:
    """A PC/SC context for the duration of the ``with`` block."""
    context = _establish_context()
    try:
        yield context
    finally:
        _release_context(context)


def _list_readers(context: Any) -> list[str]:
    code, readers = scard.SCardListReaders(context, [])
    if _u32(code) == _u32(scard.SCARD_E_NO_READERS_AVAILABLE):
        return []
    _check(code, "SCardListReaders")
    return [str(r) for r in readers]


def list_readers() -> list[str]:
    """Names of the readers pcscd knows, in its order (empty when it has none).

    Raises :class:`PcscUnavailableError` when pcscd is not running.
    """
    with pcsc_context() as context:
        return _list_readers(context)


@dataclass(frozen=True)
class ReaderStatus:
    """What pcscd says about one reader right now."""

    name: str
    card_present: bool
    atr: bytes
    #: Another application holds the card exclusively.
    exclusive: bool = False
    #: A card is inserted but does not answer (no ATR).
    mute: bool = False


def _status_from_event(name: str, event_state: int, atr: Any) -> ReaderStatus:
    present = bool(event_state & scard.SCARD_STATE_PRESENT)
    mute = bool(event_state & scard.SCARD_STATE_MUTE)
    return ReaderStatus(
        name=name,
        card_present=present,
        atr=bytes(atr) if present and not mute else b"",
        exclusive=bool(event_state & scard.SCARD_STATE_EXCLUSIVE),
        mute=mute,
    )


def _current_states(context: Any, names: list[str]) -> list[tuple[str, int, Any]]:
    if not names:
        return []
    code, states = scard.SCardGetStatusChange(context, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
    _check(code, "SCardGetStatusChange")
    return [(str(s[0]), int(s[1]), s[2]) for s in states]


def reader_status(name: str) -> ReaderStatus:
    """The current state of reader ``name``.

    Raises :class:`NoReaderError` when pcscd has no reader of that name.
    """
    with pcsc_context() as context:
        if name not in _list_readers(context):
            raise NoReaderError(f"no reader named {name!r}")
        (reader, state, atr), = _current_states(context, [name])
        if state & scard.SCARD_STATE_UNKNOWN:
            raise NoReaderError(f"reader {name!r} disappeared")
        return _status_from_event(reader, state, atr)


def all_reader_status() -> list[ReaderStatus]:
    """The state of every reader, in pcscd's order (one PC/SC context for all of them)."""
    with pcsc_context() as context:
        states = _current_states(context, _list_readers(context))
        return [_status_from_event(n, s, a) for n, s, a in states if not s & scard.SCARD_STATE_UNKNOWN]


class PcscTransport:
    """A card in a PC/SC reader, implementing :class:`eidlib.apdu.ControlTransport`.

    ``reader`` names the reader; ``None`` takes the first reader holding a card (that
    ``atr_filter`` accepts, if given). The connection is opened by :meth:`connect` (or the first
    :meth:`transmit`, or entering a ``with`` block) and shared unless ``exclusive``.

    When another application resets the card, the connection is re-established automatically and
    :class:`CardResetError` tells the caller that the card's session state is gone; nothing is
    re-sent on the caller's behalf (a VERIFY must never be retried automatically).
    Not thread-safe: use one transport per thread, or serialise the calls.
    """

    def __init__(
        self,
        reader: str | None = None,
        *,
        protocol: ProtocolName = "any",
        exclusive: bool = False,
        atr_filter: AtrFilter | None = None,
    ) -> None:
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be one of {sorted(_PROTOCOLS)}, not {protocol!r}")
        self._wanted_reader = reader
        self._protocols = _PROTOCOLS[protocol]
        self._share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        self._atr_filter = atr_filter
        self._context: Any = None
        self._card: Any = None
        self._pci: Any = None
        self._reader_name = reader or ""
        self._atr = b""
        self._depth = 0
        self._lost: TransportError | None = None
        #: How many times the card was found reset by someone else and reconnected.
        self.reset_count = 0

    # -- connection ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a card connection is open."""
        return self._card is not None

    @property
    def reader_name(self) -> str:
        """The reader in use (known after :meth:`connect` when none was named)."""
        return self._reader_name

    @property
    def atr(self) -> bytes:
        """The card's Answer To Reset (connects first if needed)."""
        self._ensure_connected()
        return self._atr

    @property
    def protocol(self) -> str:
        """The protocol negotiated with the card: ``"T0"`` or ``"T1"``."""
        self._ensure_connected()
        return "T1" if self._pci is scard.SCARD_PCI_T1 else "T0"

    def _choose_reader(self, context: Any) -> str:
        readers = _list_readers(context)
        if self._wanted_reader is not None:
            found = match_reader(self._wanted_reader, readers)  # tolerates a renamed reader index
            if found is None:
                known = ", ".join(readers) or "none (pcscd has no readers)"
                raise NoReaderError(f"no reader named {self._wanted_reader!r}; readers: {known}")
            return found
        if not readers:
            raise NoReaderError("no card reader found (pcscd has no readers)")
        for name, state, atr in _current_states(context, readers):
            status = _status_from_event(name, state, atr)
            if status.card_present and status.atr and (self._atr_filter is None or self._atr_filter(status.atr)):
                return name
        what = "an accepted card" if self._atr_filter else "a card"
        raise NoCardError(f"no reader holds {what}; readers: {', '.join(readers)}")

    def connect(self) -> None:
        """Open the connection to the card (idempotent)."""
        if self._card is not None:
            return
        self._lost = None
        context = _establish_context()
        try:
            name = self._choose_reader(context)
            code, card, active = scard.SCardConnect(context, name, self._share, self._protocols)
            _check(code, f"SCardConnect({name!r})")
            self._context, self._card, self._reader_name = context, card, name
            self._set_protocol(active)
            self._read_atr()
        except BaseException:
            if self._card is not None:
                scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None
            self._context = None
            _release_context(context)
            raise
        if self._atr_filter is not None and not self._atr_filter(self._atr):
            atr = self._atr.hex(" ").upper()
            self.disconnect()
            raise NoCardError(f"the card in {name!r} was not accepted (ATR {atr})")

    def _set_protocol(self, active: int) -> None:
        self._pci = scard.SCARD_PCI_T1 if active == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0

    def _read_atr(self) -> None:
        code, _reader, _state, _protocol, atr = scard.SCardStatus(self._card)
        _check(code, "SCardStatus", connected=True)
        self._atr = bytes(atr)

    def _ensure_connected(self) -> None:
        if self._card is None:
            if self._lost is not None:
                # Never silently continue with whatever card is inserted now: the caller decides.
                raise type(self._lost)(f"{self._lost}; the connection is closed, call connect() to open a new one")
            self.connect()

    def disconnect(self) -> None:
        """Close the connection, leaving the card powered for other applications (idempotent)."""
        self._lost = None
        self._close()

    def _close(self) -> None:
        card, context = self._card, self._context
        self._card = self._context = None
        self._depth = 0
        if card is not None:
            # The card may already be gone; the handle is released by pcscd either way.
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        if context is not None:
            _release_context(context)

    def reconnect(self, *, reset: bool = False) -> None:
        """Re-establish the connection, warm-resetting the card when ``reset`` is true."""
        if self._card is None:
            self.connect()
            if not reset:
                return
        init = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
        code, active = scard.SCardReconnect(self._card, self._share, self._protocols, init)
        if _u32(code) != _SUCCESS:
            error = pcsc_error(code, "SCardReconnect", connected=True)
            if isinstance(error, (CardRemovedError, NoReaderError)):
                raise self._drop(CardRemovedError(str(error))) from None
            raise error
        self._depth = 0
        self._set_protocol(active)
        self._read_atr()

    def _failure(self, code: int, action: str) -> TransportError:
        """Map a failure on an open connection; reconnect after a reset by someone else."""
        error = pcsc_error(code, action, connected=True)
        if isinstance(error, CardResetError):
            self.reconnect()
            self.reset_count += 1
            return CardResetError(f"{action}: the card was reset by another application; session state lost")
        if isinstance(error, (CardRemovedError, NoReaderError)):
            return self._drop(CardRemovedError(str(error)))
        if isinstance(error, PcscUnavailableError):
            return self._drop(error)
        if _u32(code) in _LOST and self._card_removed_since_connect():
            return self._drop(CardRemovedError(f"{action}: the card was removed during the command"))
        return error

    def _drop(self, error: TransportError) -> TransportError:
        """Close a connection that broke; later calls raise ``error``'s type until :meth:`connect`."""
        self._close()
        self._lost = error
        return error

    def _card_removed_since_connect(self) -> bool:
        """After a broken exchange: whether pcscd sees the card gone within a short, bounded wait."""
        if self._context is None:
            return False
        state = scard.SCARD_STATE_PRESENT
        deadline = time.monotonic() + REMOVAL_CONFIRM_TIMEOUT
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return False
            code, states = scard.SCardGetStatusChange(self._context, remaining_ms, [(self._reader_name, state)])
            if _u32(code) != _SUCCESS:
                return _u32(code) in _NO_READERS
            event = int(states[0][1])
            if event & (scard.SCARD_STATE_EMPTY | scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                return True
            # Still present: maybe removed and re-inserted already (the event counter moved on).
            if event & scard.SCARD_STATE_CHANGED and (event >> 16) != (state >> 16) and state >> 16:
                return True
            state = event & ~scard.SCARD_STATE_CHANGED

    # -- exchanges ----------------------------------------------------------------------------

    def transmit(self, raw: bytes) -> bytes:
        """Send one command APDU, return response data followed by SW1 SW2.

        Fewer than 4 bytes is not a command APDU (ISO 7816-4) and is refused before it reaches
        the reader: some drivers (vpcd) would take a 1-byte message for a control code.
        """
        if len(raw) < 4:
            raise ApduFormatError(f"a command APDU has at least 4 bytes, not {len(raw)}")
        self._ensure_connected()
        code, response = scard.SCardTransmit(self._card, self._pci, list(raw))
        if _u32(code) != _SUCCESS:
            raise self._failure(code, "SCardTransmit")
        if len(response) < 2:
            # Some drivers (vpcd) report success with no data when the card vanished mid-command.
            if self._card_removed_since_connect():
                raise self._drop(CardRemovedError("SCardTransmit: the card was removed during the command"))
            raise TransportError(f"SCardTransmit: {len(response)}-byte answer without a status word")
        return bytes(response)

    def control(self, code: int, data: bytes = b"") -> bytes:
        """Send a reader control command (``SCardControl``), e.g. a PIN-pad feature request."""
        self._ensure_connected()
        result, response = scard.SCardControl(self._card, code, list(data))
        if _u32(result) != _SUCCESS:
            raise self._failure(result, f"SCardControl(0x{code:08X})")
        return bytes(response)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Exclusive access to the card for several APDUs; nested uses share one PC/SC transaction."""
        self._ensure_connected()
        if self._depth == 0:
            code = scard.SCardBeginTransaction(self._card)
            if _u32(code) != _SUCCESS:
                raise self._failure(code, "SCardBeginTransaction")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._card is not None:
                self._end_transaction()

    def _end_transaction(self) -> None:
        code = scard.SCardEndTransaction(self._card, scard.SCARD_LEAVE_CARD)
        if _u32(code) == _SUCCESS:
            return
        error = pcsc_error(code, "SCardEndTransaction", connected=True)
        # A card removed or reset after the last command: the work inside the transaction is done
        # and the next command reports the new state, so only other failures are raised here.
        if not isinstance(error, CardRemovedError):
            raise error

    @property
    def transaction_depth(self) -> int:
        """How many ``transaction()`` blocks are open (0 = none)."""
        return self._depth

    def __enter__(self) -> PcscTransport:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "closed"
        return f"PcscTransport({self._reader_name or self._wanted_reader!r}, {state})"


# -- reader events --------------------------------------------------------------------------------

EventKind = Literal["inserted", "removed", "reader_added", "reader_removed"]


@dataclass(frozen=True)
class ReaderEvent:
    """One change seen by :class:`ReaderMonitor`."""

    kind: EventKind
    reader: str
    atr: bytes = b""


class ReaderMonitor:
    """Card insertion/removal (and reader arrival/departure) events from ``SCardGetStatusChange``.

    ``poll(timeout)`` blocks inside pcscd for at most ``timeout`` seconds (no busy loop) and
    returns the events since the previous call. ``readers`` restricts the monitor to some reader
    names; by default every reader is watched, including readers plugged in later.
    The first poll reports the cards already present as ``inserted``.
    """

    def __init__(self, readers: list[str] | None = None) -> None:
        self._only = list(readers) if readers is not None else None
        self._context: Any = None
        self._states: dict[str, int] = {}
        self._present: dict[str, bool] = {}
        self._pnp_state = 0
        self._started = False
        self._cancelled = False

    def open(self) -> None:
        """Establish the PC/SC context (idempotent)."""
        if self._context is None:
            self._context = _establish_context()

    def close(self) -> None:
        """Release the PC/SC context (idempotent)."""
        if self._context is not None:
            context, self._context = self._context, None
            _release_context(context)

    def __enter__(self) -> ReaderMonitor:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Wake a :meth:`poll` blocked in another thread (it then returns no events).

        Only a poll already waiting inside pcscd is woken; a cancel before that is lost.
        """
        if self._context is not None:
            scard.SCardCancel(self._context)

    def _sync_readers(self) -> list[ReaderEvent]:
        names = _list_readers(self._context)
        if self._only is not None:
            names = [n for n in names if n in self._only]
        events = []
        for gone in [n for n in self._states if n not in names]:
            if self._present.pop(gone, False):
                events.append(ReaderEvent("removed", gone))
            del self._states[gone]
            events.append(ReaderEvent("reader_removed", gone))
        for new in [n for n in names if n not in self._states]:
            self._states[new] = scard.SCARD_STATE_UNAWARE
            self._present[new] = False
            if self._started:
                events.append(ReaderEvent("reader_added", new))
        self._started = True
        return events

    def poll(self, timeout: float) -> list[ReaderEvent]:
        """Wait up to ``timeout`` seconds for changes and return them (possibly none)."""
        self.open()
        self._cancelled = False
        events = self._sync_readers()
        deadline = time.monotonic() + max(0.0, timeout)
        while not events and not self._cancelled:
            remaining_ms = min(_MAX_WAIT_MS, max(0, int((deadline - time.monotonic()) * 1000)))
            watch = [(n, s) for n, s in self._states.items()]
            if self._only is None:
                watch.append((PNP_NOTIFICATION, self._pnp_state))
            if not watch:
                # Nothing to watch (a named reader is absent): wait for it to appear without spinning.
                time.sleep(min(0.2, remaining_ms / 1000))
                events = self._sync_readers()
            else:
                events = self._wait(watch, remaining_ms)
            if time.monotonic() >= deadline:
                break
        return events

    def _wait(self, watch: list[tuple[str, int]], timeout_ms: int) -> list[ReaderEvent]:
        code, states = scard.SCardGetStatusChange(self._context, timeout_ms, watch)
        if _u32(code) == _CANCELLED:
            self._cancelled = True
            return []
        if _u32(code) == _TIMEOUT:
            return []
        if _u32(code) in _NO_READERS:
            return self._sync_readers()
        _check(code, "SCardGetStatusChange")
        events: list[ReaderEvent] = []
        reader_list_changed = False
        for name, state, atr in ((str(s[0]), int(s[1]), s[2]) for s in states):
            if name == PNP_NOTIFICATION:
                if state & scard.SCARD_STATE_CHANGED:
                    reader_list_changed = True
                self._pnp_state = state & ~scard.SCARD_STATE_CHANGED
                continue
            if name not in self._states:
                continue
            self._states[name] = state & ~scard.SCARD_STATE_CHANGED  # the next wait blocks on news only
            if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                reader_list_changed = True
                continue
            status = _status_from_event(name, state, atr)
            was_present = self._present.get(name, False)
            if status.card_present and not was_present:
                events.append(ReaderEvent("inserted", name, status.atr))
            elif was_present and not status.card_present:
                events.append(ReaderEvent("removed", name))
            self._present[name] = status.card_present
        if reader_list_changed:
            events.extend(self._sync_readers())
        return events

    def events(self, timeout: float | None = None, *, poll_interval: float = 1.0) -> Iterator[ReaderEvent]:
        """Yield events as they happen, until ``timeout`` seconds have passed (forever if ``None``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            wait = poll_interval if deadline is None else min(poll_interval, deadline - time.monotonic())
            yield from self.poll(max(0.0, wait))


def wait_for_card(
    reader: str | None = None, timeout: float = 30.0, *, atr_filter: AtrFilter | None = None
) -> ReaderStatus:
    """Wait until a card (accepted by ``atr_filter``) is in ``reader`` (any reader if ``None``).

    Returns at once when one already is. Raises :class:`WaitTimeoutError` (a :class:`NoCardError`)
    after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    with ReaderMonitor([reader] if reader is not None else None) as monitor:
        while True:
            for status in all_reader_status():
                if (reader is None or status.name == reader) and status.card_present and status.atr and (
                    atr_filter is None or atr_filter(status.atr)
                ):
                    return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                where = f"reader {reader!r}" if reader else "any reader"
                raise WaitTimeoutError(f"no card inserted in {where} within {timeout:g} s")
            monitor.poll(remaining)


def wait_for_removal(reader: str, timeout: float = 30.0) -> None:
    """Wait until ``reader`` holds no card. Raises :class:`WaitTimeoutError` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with ReaderMonitor([reader]) as monitor:
        while True:
            try:
                if not reader_status(reader).card_present:
                    return
            except NoReaderError:
                return  # the reader itself went away, and the card with it
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeoutError(f"the card in {reader!r} was not removed within {timeout:g} s")
            monitor.poll(remaining)
