"""``open_card``: a :class:`~eidlib.card.session.BeidCard` on a PC/SC reader, the virtual card or any transport.

The one library module that knows both the real card and the emulator, so the applet layer
(``eidlib.card``) never imports the virtual card.
"""

from __future__ import annotations

import contextlib
from typing import Literal

from eidlib.apdu.transport import Transport
from eidlib.belpic.atr import is_beid_atr
from eidlib.card import commands
from eidlib.card.session import BeidCard
from eidlib.errors import NoCardError, TransportError


def _probe(transport: Transport) -> bool:
    """Whether the card answers SELECT of the BELPIC applet with 9000."""
    try:
        with transport.transaction():
            answer = transport.transmit(commands.SELECT_APPLET.to_bytes())
    except TransportError:
        return False
    return answer[-2:] == b"\x90\x00"


def _find_reader(reader: str | None) -> Transport:
    from eidlib.apdu.pcsc import PcscTransport, list_readers

    if reader is not None:
        return PcscTransport(reader)
    by_atr = PcscTransport(None, atr_filter=is_beid_atr)
    with contextlib.suppress(NoCardError):  # no BEID ATR: probe every reader by applet selection
        by_atr.connect()
        return by_atr
    for name in list_readers():
        candidate = PcscTransport(name)
        try:
            candidate.connect()
        except TransportError:
            continue
        if _probe(candidate):
            return candidate
        candidate.disconnect()
    raise NoCardError("no reader holds a Belgian eID card")


def open_card(
    reader: str | None = None,
    *,
    virtual: Literal["1.7", "1.8"] | None = None,
    transport: Transport | None = None,
) -> BeidCard:
    """Open a session with a Belgian eID card; use the result as a context manager.

    * ``virtual="1.7"|"1.8"``: the built-in virtual card, in process;
    * ``reader``: the PC/SC reader of that name;
    * ``transport``: any :class:`Transport` (not closed by the session);
    * nothing: the first PC/SC reader holding a BEID card (by ATR, else by applet selection).
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
