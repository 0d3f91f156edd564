"""What a card connection must offer (:class:`Transport`), and two bases to build one from.

:class:`BaseTransport` leaves one method to write (``transmit``); :class:`ForwardingTransport`
wraps another transport so a wrapper overrides only what it changes.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Protocol, cast, runtime_checkable


@runtime_checkable
class Transport(Protocol):
    """A connection to one card: raw APDU bytes in, raw response bytes out.

    Implementations: :class:`eidlib.apdu.pcsc.PcscTransport` (pcscd via pyscard),
    :class:`eidlib.emulator.VirtualTransport` (in-process virtual card),
    :class:`eidlib.apdu.replay.ReplayTransport` (recorded exchanges).
    """

    @property
    def atr(self) -> bytes:
        """The card's Answer To Reset."""
        ...

    def connect(self) -> None:
        """Power the card and open the connection (idempotent)."""
        ...

    def disconnect(self) -> None:
        """Close the connection (idempotent)."""
        ...

    def transmit(self, raw: bytes) -> bytes:
        """Send one command APDU, return response data followed by SW1 SW2."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive access to the card for several APDUs (nestable)."""
        ...


@runtime_checkable
class ControlTransport(Transport, Protocol):
    """A transport that can also talk to the reader itself (PC/SC ``SCardControl``), for PIN pads."""

    @property
    def reader_name(self) -> str: ...

    def control(self, code: int, data: bytes = b"") -> bytes:
        """Send a reader control command (``SCardControl``) and return its answer."""
        ...


def is_instant(transport: object) -> bool:
    """Whether a transport's card answers from memory (virtual card, replay, scripts).

    Such a transport sets ``instant = True``; the session then skips pauses that only a
    physical card chip needs (the old-card pause before a ``6Cxx`` resend).
    """
    return bool(getattr(transport, "instant", False))


class BaseTransport(ABC):
    """A transport with one abstract method, :meth:`transmit`; the rest has plain defaults.

    ``connect``/``disconnect`` do nothing and ``transaction`` is a re-entrant lock: right for
    in-memory transports (scripted tests, replays). Subclass and implement :meth:`transmit`.
    """

    #: The card answers from memory: pauses meant for slow card chips are skipped.
    instant = True

    def __init__(self, atr: bytes = b"") -> None:
        self._atr = bytes(atr)
        self._lock = threading.RLock()

    @property
    def atr(self) -> bytes:
        """The card's Answer To Reset."""
        return self._atr

    def connect(self) -> None:  # noqa: B027 - deliberately a no-op default
        """Nothing to open."""

    def disconnect(self) -> None:  # noqa: B027 - deliberately a no-op default
        """Nothing to close."""

    @abstractmethod
    def transmit(self, raw: bytes) -> bytes:
        """Send one command APDU, return response data followed by SW1 SW2."""

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive use across several APDUs (nestable within one thread)."""
        # The re-entrant lock is the transaction: entering it costs no generator frame.
        return cast(AbstractContextManager[None], self._lock)


class ForwardingTransport:
    """Wraps another transport and forwards everything to it; a wrapper overrides what it changes.

    Recording, counting and fault-injecting wrappers subclass this and override
    :meth:`transmit` only. For a PIN-pad reader use :class:`ForwardingControlTransport`.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner

    @property
    def atr(self) -> bytes:
        """The inner transport's ATR."""
        return self.inner.atr

    @property
    def instant(self) -> bool:
        """Whether the inner transport's card answers from memory (see :func:`is_instant`)."""
        return is_instant(self.inner)

    def connect(self) -> None:
        """Connect the inner transport."""
        self.inner.connect()

    def disconnect(self) -> None:
        """Disconnect the inner transport."""
        self.inner.disconnect()

    def transmit(self, raw: bytes) -> bytes:
        """Send through the inner transport."""
        return self.inner.transmit(raw)

    def transaction(self) -> AbstractContextManager[None]:
        """The inner transport's transaction."""
        return self.inner.transaction()


class ForwardingControlTransport(ForwardingTransport):
    """A :class:`ForwardingTransport` around a reader that also takes control commands."""

    def __init__(self, inner: ControlTransport) -> None:
        super().__init__(inner)
        self.control_inner = inner

    @property
    def reader_name(self) -> str:
        """The inner reader's name."""
        return self.control_inner.reader_name

    def control(self, code: int, data: bytes = b"") -> bytes:
        """Forward a reader control command."""
        return self.control_inner.control(code, data)
