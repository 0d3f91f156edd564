""":class:`VirtualTransport`: the :class:`~eidlib.apdu.Transport` of an in-process virtual card.

This is what ``open_card(virtual=...)`` uses. It adds nothing per APDU beyond two
attribute checks, so a signature through it costs about what the bare
``cryptography`` call costs.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import cast

from eidlib.apdu.errors import CardRemovedError, NoCardError, ProtocolError
from eidlib.emulator.card import VirtualCard


class VirtualTransport:
    """Connects to a :class:`VirtualCard` as a reader would.

    * :meth:`connect` powers the card on (fresh session); :meth:`disconnect` powers it off.
    * :meth:`transmit` raises :class:`CardRemovedError` when the card has been removed
      (``card.faults.remove_after``) and :class:`ProtocolError` at once when it is mute
      (``card.faults.mute_after``) — it never waits.
    * :meth:`transaction` is a re-entrant lock, so several threads can share it.
    """

    reader_name = "eidlib virtual reader"
    #: An in-memory card: no pause for slow chips is needed (see :func:`eidlib.apdu.transport.is_instant`).
    instant = True

    def __init__(self, card: VirtualCard) -> None:
        self.card = card
        self.connected = False
        self._removals = card.faults.removals
        self._lock = threading.RLock()

    @property
    def atr(self) -> bytes:
        """The card's ATR."""
        return self.card.atr

    def connect(self) -> None:
        """Power the card on; raises :class:`NoCardError` when it is not in the reader."""
        if self.card.faults.removed:
            raise NoCardError("no card in the virtual reader")
        if not self.connected:
            self.card.power_on()
            self.connected = True
            self._removals = self.card.faults.removals

    def disconnect(self) -> None:
        """Power the card off (every PIN right is dropped)."""
        if self.connected:
            self.connected = False
            self.card.power_off()

    def transmit(self, raw: bytes) -> bytes:
        """Send one command APDU to the card and return its answer (data ‖ SW1 SW2)."""
        card = self.card
        if not self.connected:
            if card.faults.removed:
                raise CardRemovedError("the virtual card was removed")
            raise ProtocolError("the virtual reader is not connected")
        if card.faults.removals != self._removals:
            # Pulled out (and maybe put back) since connect: the session is gone, as with PC/SC.
            self.connected = False
            card.power_off()
            raise CardRemovedError("the virtual card was removed")
        answer = card.process(raw)
        if answer:
            return answer
        if card.faults.removed:
            self.connected = False
            card.power_off()
            raise CardRemovedError("the virtual card was removed")
        raise ProtocolError("the virtual card did not answer (time-out)")

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive use of the card for several APDUs (nestable within one thread)."""
        # The re-entrant lock is the transaction: entering it costs no generator frame.
        return cast(AbstractContextManager[None], self._lock)
