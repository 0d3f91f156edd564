"""What a card connection must offer: the :class:`Transport` protocol."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable


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
