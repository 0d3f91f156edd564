"""PC/SC readers as they are: the one reader-quirk table, and reader names matched the way users give them.

:data:`READER_QUIRKS` maps a reader to what it does differently. An entry names the reader by its
USB vendor/product ids where they are known and by a case-insensitive part of its PC/SC name (which
starts with the vendor). The ids decide whenever the reader tells them (PC/SC part 10
``FEATURE_GET_TLV_PROPERTIES``: ``wIdVendor``/``wIdProduct``, which the CCID driver gives for every
reader it drives), because names are what drivers and remote desktops change; the name part is the
fallback for readers that tell no ids and for entries without known ids. Every entry names its
public source: the report in a middleware's tracker, or ``inferred:`` with where the fact comes
from when no report was found. The ids are the ones CCID's reader list
(:data:`USB_IDS_SOURCE`) gives the named models.

The table is data: the session reads it for PIN pads (:mod:`eidlib.card.pinpad`), the opener for
choosing the reader. ``docs/readers.md`` prints it with the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class ReaderBehaviour(str, Enum):
    """What a reader does differently from a plain PC/SC reader."""

    #: Not a card reader (a virtual reader of the OS): never chosen unless the user names it.
    VIRTUAL = "virtual"
    #: Reports PIN-pad features it does not have: they are ignored, the PIN is typed on the keyboard.
    NO_PIN_PAD = "no-pin-pad"
    #: Takes PIN commands only as ``FF C2 01 ..`` pseudo-APDUs through SCardTransmit (PPDU), when
    #: the feature request through SCardControl answers nothing.
    PPDU = "ppdu"
    #: Its keypad takes at most 8 digits (``wPINMaxExtraDigit`` max 8).
    PIN_MAX_8 = "pin-max-8"


@dataclass(frozen=True, order=True)
class UsbId:
    """A USB reader model: ``idVendor`` and ``idProduct`` (PC/SC part 10 ``wIdVendor``/``wIdProduct``)."""

    vendor: int
    product: int

    def __str__(self) -> str:
        return f"{self.vendor:04X}:{self.product:04X}"


@dataclass(frozen=True)
class ReaderQuirk:
    """One table entry: the reader (name part, USB ids), the behaviour and where the fact comes from."""

    name_part: str
    behaviour: ReaderBehaviour
    #: The public report (an issue URL) or ``inferred: <where the fact comes from>``.
    source: str
    #: The USB models the entry is about (empty: known by name only).
    usb_ids: tuple[UsbId, ...] = ()

    def matches(self, reader_name: str, usb_id: UsbId | None = None) -> bool:
        """Whether the entry is about this reader.

        By USB id when the reader told one and the entry has ids (a name that says otherwise is
        not looked at); else whether ``reader_name`` contains :attr:`name_part` (case-insensitive).
        """
        if usb_id is not None and self.usb_ids:
            return usb_id in self.usb_ids
        return self.name_part.casefold() in reader_name.casefold()

    @property
    def reported(self) -> bool:
        """Whether a public report backs the entry (else it is inferred)."""
        return not self.source.startswith("inferred")


#: Where the USB ids of the entries come from (the CCID driver's list of the readers it knows).
USB_IDS_SOURCE = "https://github.com/LudovicRousseau/CCID/blob/master/readers/supported_readers.txt"

_EIDMW = "https://github.com/Fedict/eid-mw/issues"
_PPDU_LIST = "inferred: eid-mw's PPDU reader list (spec beid-card.md §8.1); no failure report found"

#: The reader-quirk table (``docs/readers.md``).
READER_QUIRKS: tuple[ReaderQuirk, ...] = (
    ReaderQuirk("Windows Hello for Business", ReaderBehaviour.VIRTUAL, f"{_EIDMW}/57"),
    ReaderQuirk("Microsoft Virtual Smart Card", ReaderBehaviour.VIRTUAL, f"{_EIDMW}/180"),
    ReaderQuirk("Microsoft IFD", ReaderBehaviour.VIRTUAL,
                "inferred: the other name Windows gives its virtual readers (eid-mw issue 180 describes them)"),
    ReaderQuirk("ACS APG8201", ReaderBehaviour.PPDU, f"{_EIDMW}/101",
                (UsbId(0x072F, 0x8201), UsbId(0x072F, 0x8202), UsbId(0x072F, 0x8206))),
    ReaderQuirk("VASCO DIGIPASS 870", ReaderBehaviour.PPDU, _PPDU_LIST, (UsbId(0x1A44, 0x0870),)),
    ReaderQuirk("VASCO DIGIPASS 875", ReaderBehaviour.PPDU, _PPDU_LIST, (UsbId(0x1A44, 0x0875),)),
    ReaderQuirk("VASCO DIGIPASS 920", ReaderBehaviour.PPDU, _PPDU_LIST, (UsbId(0x1A44, 0x0920),)),
    ReaderQuirk("VASCO DIGIPASS 840", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("VASCO DIGIPASS 876", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("Gemalto ING Shield Pro", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("ETSWW eKrypto PINPhab", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("ETSWW eKrypto PINPad", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("DIOSS pinpad", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("OMNIKEY 3x21", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/pull/1438",
                (UsbId(0x076B, 0x3031),)),
    ReaderQuirk("OMNIKEY 6121", ReaderBehaviour.NO_PIN_PAD, "https://github.com/open-eid/DigiDoc4-Client/pull/298",
                (UsbId(0x076B, 0x6632),)),
    ReaderQuirk("HP USB Smart Card Keyboard", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/issues/201",
                (UsbId(0x03F0, 0x1024),)),
    ReaderQuirk("C3PO LTC31 v2", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/issues/201",
                (UsbId(0x0783, 0x0006),)),
    ReaderQuirk("HP Skylab USB Smartcard Keyboard", ReaderBehaviour.NO_PIN_PAD,
                "https://github.com/LudovicRousseau/CCID/pull/65", (UsbId(0x04F2, 0x1469),)),
    ReaderQuirk("KB813t", ReaderBehaviour.NO_PIN_PAD, "https://github.com/open-eid/minidriver/issues/47"),
    ReaderQuirk("Gemplus GemPC Pinpad", ReaderBehaviour.PIN_MAX_8,
                "inferred: eid-mw caps this reader's PIN length at 8 (spec beid-card.md §8.2); no report found",
                (UsbId(0x08E6, 0x3478),)),
)


def reader_behaviours(reader_name: str, quirks: Iterable[ReaderQuirk] = READER_QUIRKS, *,
                      usb_id: UsbId | None = None) -> frozenset[ReaderBehaviour]:
    """Every behaviour the table gives the reader ``reader_name`` (of model ``usb_id`` when it told one)."""
    return frozenset(q.behaviour for q in quirks if q.matches(reader_name, usb_id))


def is_virtual_reader(reader_name: str) -> bool:
    """A virtual reader of the OS that holds no real card (skipped when choosing a reader)."""
    return ReaderBehaviour.VIRTUAL in reader_behaviours(reader_name)


#: pcsc-lite appends "<reader index> <slot>" (two hex digits each); the reader index changes when
#: readers are plugged in another order or re-created by a remote desktop session.
_INDEX_SUFFIX = re.compile(r"^(?P<base>.*?) (?P<index>[0-9A-Fa-f]{2}) (?P<slot>[0-9A-Fa-f]{2})$")


def _without_index(name: str) -> str:
    match = _INDEX_SUFFIX.match(name)
    if match is None:
        return name.casefold()
    return f"{match['base']} {match['slot']}".casefold()


def match_reader(wanted: str, readers: Iterable[str]) -> str | None:
    """The reader ``wanted`` names among ``readers``, tolerating a renamed index; ``None`` if none or several.

    In order: the exact name; the same name ignoring case and pcsc-lite's reader index
    (``"Gemalto PC Twin Reader 00 00"`` still finds ``"... 01 00"`` after a re-plug); a name
    that starts with ``wanted`` (``"Gemalto PC Twin"``). Each step must give exactly one reader.
    """
    available = list(readers)
    if wanted in available:
        return wanted
    key = _without_index(wanted)
    for candidates in ([r for r in available if _without_index(r) == key],
                       [r for r in available if r.casefold().startswith(wanted.casefold())]):
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return None
    return None
