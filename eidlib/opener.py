"""``open_card``: a :class:`~eidlib.card.session.BeidCard` on a PC/SC reader, the virtual card or any transport.

The one library module that knows both the real card and the emulator, so the applet layer
(``eidlib.card``) never imports the virtual card.
"""

from __future__ import annotations

import os
from typing import Literal

from eidlib.apdu.readers import is_virtual_reader
from eidlib.apdu.transport import Transport
from eidlib.belpic.atr import is_beid_atr
from eidlib.card import commands
from eidlib.card.session import BeidCard
from eidlib.errors import NoCardError, NoReaderError, TransportError


def _probe(transport: Transport) -> bool:
    """Whether the card answers SELECT of the BELPIC applet with 9000."""
    try:
        with transport.transaction():
            answer = transport.transmit(commands.SELECT_APPLET.to_bytes())
    except TransportError:
        return False
    return answer[-2:] == b"\x90\x00"


#: The environment variable that pins a reader when no ``reader`` is given (``eid --reader`` wins).
READER_ENVIRONMENT = "EIDLIB_READER"


def _find_reader(reader: str | None) -> Transport:
    from eidlib.apdu.pcsc import PcscTransport, all_reader_status

    if reader is None:
        reader = os.environ.get(READER_ENVIRONMENT) or None
    if reader is not None:
        return PcscTransport(reader)  # matched tolerantly (a renamed index still finds it)
    # Virtual readers of the OS (Windows Hello for Business...) hold no eID: never touch them.
    every = all_reader_status()
    readers = [r for r in every if not is_virtual_reader(r.name)]
    by_atr = [r.name for r in readers if r.card_present and r.atr and is_beid_atr(r.atr)]
    others = [r.name for r in readers if r.card_present and r.name not in by_atr]
    for name in by_atr + others:  # a BEID ATR first, then any card that selects the applet
        candidate = PcscTransport(name)
        try:
            candidate.connect()
        except TransportError:
            continue
        if _probe(candidate):
            return candidate
        candidate.disconnect()
    if not readers:
        skipped = f" (virtual readers skipped: {', '.join(r.name for r in every)})" if every else ""
        raise NoReaderError(f"no card reader found{skipped}")
    raise NoCardError("no reader holds a Belgian eID card")


def open_card(
    reader: str | None = None,
    *,
    virtual: Literal["1.7", "1.8"] | None = None,
    transport: Transport | None = None,
) -> BeidCard:
    """Open a session with a Belgian eID card; use the result as a context manager.

    * ``virtual="1.7"|"1.8"``: the built-in virtual card, in process;
    * ``reader``: the PC/SC reader of that name (else ``$EIDLIB_READER``); a name whose pcsc-lite
      index changed, or the start of a name, still finds a single matching reader;
    * ``transport``: any :class:`Transport` (not closed by the session);
    * nothing: the reader holding a Belgian eID — checked by ATR and by selecting the applet, known
      virtual readers (Windows Hello for Business, ...) skipped (``eidlib.apdu.readers``).
    """
    if sum(x is not None for x in (reader, virtual, transport)) > 1:
        raise ValueError("give at most one of reader, virtual and transport")
    owns = transport is None
    if transport is None:
        if virtual is not None:
            from eidlib.emulator import VirtualCard, VirtualTransport

            transport = VirtualTransport(VirtualCard(virtual))
        else:
            transport = _find_reader(reader)
    card = BeidCard(transport, owns_transport=owns)
    try:
        return card.open()
    except BaseException:
        card.close()
        raise
