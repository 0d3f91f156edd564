"""PC/SC readers as they are: the one reader-quirk table, and reader names matched the way users give them.

:data:`READER_QUIRKS` maps a reader (a case-insensitive part of its PC/SC name, which starts with
the vendor) to what it does differently; every entry names its public source: the report in a
middleware's tracker, or ``inferred:`` with where the fact comes from when no report was found.
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


@dataclass(frozen=True)
class ReaderQuirk:
    """One table entry: a part of the reader name, the behaviour and where the fact comes from."""

    name_part: str
    behaviour: ReaderBehaviour
    #: The public report (an issue URL) or ``inferred: <where the fact comes from>``.
    source: str

    def matches(self, reader_name: str) -> bool:
        """Whether ``reader_name`` contains :attr:`name_part` (case-insensitive)."""
        return self.name_part.casefold() in reader_name.casefold()

    @property
    def reported(self) -> bool:
        """Whether a public report backs the entry (else it is inferred)."""
        return not self.source.startswith("inferred")


_EIDMW = "https://github.com/Fedict/eid-mw/issues"
_PPDU_LIST = "inferred: eid-mw's PPDU reader list (spec beid-card.md §8.1); no failure report found"

#: The reader-quirk table (``docs/readers.md``).
READER_QUIRKS: tuple[ReaderQuirk, ...] = (
    ReaderQuirk("Windows Hello for Business", ReaderBehaviour.VIRTUAL, f"{_EIDMW}/57"),
    ReaderQuirk("Microsoft Virtual Smart Card", ReaderBehaviour.VIRTUAL, f"{_EIDMW}/180"),
    ReaderQuirk("Microsoft IFD", ReaderBehaviour.VIRTUAL,
                "inferred: the other name Windows gives its virtual readers (eid-mw issue 180 describes them)"),
    ReaderQuirk("ACS APG8201", ReaderBehaviour.PPDU, f"{_EIDMW}/101"),
    ReaderQuirk("VASCO DIGIPASS 870", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("VASCO DIGIPASS 875", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("VASCO DIGIPASS 920", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("VASCO DIGIPASS 840", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("VASCO DIGIPASS 876", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("Gemalto ING Shield Pro", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("ETSWW eKrypto PINPhab", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("ETSWW eKrypto PINPad", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("DIOSS pinpad", ReaderBehaviour.PPDU, _PPDU_LIST),
    ReaderQuirk("OMNIKEY 3x21", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/pull/1438"),
    ReaderQuirk("OMNIKEY 6121", ReaderBehaviour.NO_PIN_PAD, "https://github.com/open-eid/DigiDoc4-Client/pull/298"),
    ReaderQuirk("HP USB Smart Card Keyboard", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/issues/201"),
    ReaderQuirk("C3PO LTC31 v2", ReaderBehaviour.NO_PIN_PAD, "https://github.com/OpenSC/OpenSC/issues/201"),
    ReaderQuirk("HP Skylab USB Smartcard Keyboard", ReaderBehaviour.NO_PIN_PAD,
                "https://github.com/LudovicRousseau/CCID/pull/65"),
    ReaderQuirk("KB813t", ReaderBehaviour.NO_PIN_PAD, "https://github.com/open-eid/minidriver/issues/47"),
    ReaderQuirk("Gemplus GemPC Pinpad", ReaderBehaviour.PIN_MAX_8,
                "inferred: eid-mw caps this reader's PIN length at 8 (spec beid-card.md §8.2); no report found"),
)


def reader_behaviours(reader_name: str, quirks: Iterable[ReaderQuirk] = READER_QUIRKS) -> frozenset[ReaderBehaviour]:
    """Every behaviour the table gives ``reader_name``."""
    return frozenset(q.behaviour for q in quirks if q.matches(reader_name))


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
