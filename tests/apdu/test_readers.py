"""The reader-quirk table and reader choice: virtual readers skipped, a pinned reader found after a rename."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import eidlib.apdu.pcsc as pcsc
from eidlib.apdu.pcsc import ReaderStatus
from eidlib.apdu.readers import (
    READER_QUIRKS,
    USB_IDS_SOURCE,
    ReaderBehaviour,
    ReaderQuirk,
    UsbId,
    is_virtual_reader,
    match_reader,
    reader_behaviours,
)
from eidlib.belpic.atr import ATR_18
from eidlib.errors import NoCardError, NoReaderError
from eidlib.opener import READER_ENVIRONMENT, _find_reader, open_card
from tests.pcsc_harness import PcscStack
from tests.support.vectors import REPO_ROOT

READERS = ["Gemalto PC Twin Reader 00 00", "ACS ACR38U-CCID 01 00", "Virtual PCD 00 00", "Virtual PCD 00 01"]


@pytest.mark.parametrize(("wanted", "found"), [
    ("Gemalto PC Twin Reader 00 00", "Gemalto PC Twin Reader 00 00"),
    ("Gemalto PC Twin Reader 03 00", "Gemalto PC Twin Reader 00 00"),  # re-plugged: new index
    ("acs acr38u-ccid 00 00", "ACS ACR38U-CCID 01 00"),
    ("Virtual PCD 05 01", "Virtual PCD 00 01"),  # the slot still tells the two apart
    ("Gemalto", "Gemalto PC Twin Reader 00 00"),
    ("Virtual PCD", None),  # two readers start so: ambiguous
    ("Omnikey", None),
])
def test_match_reader(wanted: str, found: str | None) -> None:
    assert match_reader(wanted, READERS) == found


@given(st.lists(st.text(min_size=1, max_size=20), max_size=6), st.text(max_size=20))
def test_match_reader_answers_one_of_the_readers(readers: list[str], wanted: str) -> None:
    found = match_reader(wanted, readers)
    assert found is None or found in readers
    if wanted in readers:
        assert found == wanted


@pytest.mark.parametrize("name", ["Windows Hello for Business 1", "Microsoft Virtual Smart Card 0",
                                  "Microsoft IFD 0"])
def test_windows_virtual_readers_are_virtual(name: str) -> None:
    assert is_virtual_reader(name)


@pytest.mark.parametrize("name", READERS)
def test_real_and_vpcd_readers_are_not_virtual(name: str) -> None:
    assert not is_virtual_reader(name)


def test_every_quirk_names_its_source_and_is_documented() -> None:
    text = (REPO_ROOT / "docs" / "readers.md").read_text(encoding="utf-8")
    for quirk in READER_QUIRKS:
        assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/(issues|pull)/\d+", quirk.source) or (
            quirk.source.startswith("inferred: ")), quirk
        assert f"`{quirk.name_part}`" in text and quirk.behaviour.value in text, quirk
        if quirk.reported:
            assert quirk.source in text, quirk
        assert reader_behaviours(f"{quirk.name_part} 00 00") >= {quirk.behaviour}
        for usb_id in quirk.usb_ids:
            assert str(usb_id) in text, quirk
            assert reader_behaviours("Some Reader 00 00", usb_id=usb_id) >= {quirk.behaviour}
    assert USB_IDS_SOURCE in text


_IDS = st.builds(UsbId, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))


@given(st.sampled_from(READER_QUIRKS), st.text(max_size=30), _IDS)
def test_usb_ids_decide_before_the_name(quirk: ReaderQuirk, name: str, other: UsbId) -> None:
    """With ids on both sides the name is not looked at; without ids on either side the name decides."""
    named = f"{name}{quirk.name_part}"
    for usb_id in quirk.usb_ids:
        assert quirk.matches(name, usb_id)
    if quirk.usb_ids:
        assert quirk.matches(named, other) == (other in quirk.usb_ids)
    else:
        assert quirk.matches(named, other)
    assert quirk.matches(named, None)
    assert quirk.matches(name, None) == (quirk.name_part.casefold() in name.casefold())


def test_usb_id_text() -> None:
    assert str(UsbId(0x76B, 0x3031)) == "076B:3031"


class _FakeTransport:
    """Stands for PcscTransport in the unit tests of the choice (the pcsc tests below use pcscd)."""

    opened: ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.name = name

    def connect(self) -> None:
        _FakeTransport.opened.append(self.name)

    def transaction(self) -> AbstractContextManager[None]:
        return nullcontext()

    def transmit(self, raw: bytes) -> bytes:
        return b"\x90\x00" if "eID" in self.name else b"\x6a\x82"

    def disconnect(self) -> None:
        pass


def _readers(monkeypatch: pytest.MonkeyPatch, statuses: list[ReaderStatus]) -> None:
    _FakeTransport.opened = []
    monkeypatch.setattr(pcsc, "all_reader_status", lambda: statuses)
    monkeypatch.setattr(pcsc, "PcscTransport", _FakeTransport)
    monkeypatch.delenv(READER_ENVIRONMENT, raising=False)


def test_choice_never_touches_a_virtual_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    _readers(monkeypatch, [ReaderStatus("Windows Hello for Business 1", True, ATR_18),
                           ReaderStatus("Other card 00 00", True, b"\x3b\x00"),
                           ReaderStatus("Real eID reader 00 00", True, b"\x3b\x01")])
    chosen = _find_reader(None)
    assert isinstance(chosen, _FakeTransport) and chosen.name == "Real eID reader 00 00"
    assert "Windows Hello for Business 1" not in _FakeTransport.opened


def test_beid_atr_is_tried_before_other_cards(monkeypatch: pytest.MonkeyPatch) -> None:
    _readers(monkeypatch, [ReaderStatus("Bank card eID 00 00", True, b"\x3b\x00"),
                           ReaderStatus("Second eID 01 00", True, ATR_18)])
    chosen = _find_reader(None)
    assert isinstance(chosen, _FakeTransport) and chosen.name == "Second eID 01 00"
    assert _FakeTransport.opened == ["Second eID 01 00"]


def test_only_virtual_readers_is_no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    _readers(monkeypatch, [ReaderStatus("Microsoft Virtual Smart Card 0", True, b"\x3b\x00")])
    with pytest.raises(NoReaderError, match="virtual readers skipped"):
        _find_reader(None)
    _readers(monkeypatch, [ReaderStatus("Some reader 00 00", False, b"")])
    with pytest.raises(NoCardError):
        _find_reader(None)


def test_environment_pins_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    _readers(monkeypatch, [])
    monkeypatch.setenv(READER_ENVIRONMENT, "Pinned 00 00")
    chosen = _find_reader(None)
    assert isinstance(chosen, _FakeTransport) and chosen.name == "Pinned 00 00"
    chosen = _find_reader("Argument wins 00 00")
    assert isinstance(chosen, _FakeTransport) and chosen.name == "Argument wins 00 00"


@pytest.mark.pcsc
def test_through_pcscd_default_choice_renamed_and_pinned_readers(
        pcsc_cards: PcscStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(READER_ENVIRONMENT, raising=False)
    with open_card() as card:
        assert card.applet_version in ("1.7", "1.8")
    renamed = pcsc_cards.reader_18.replace("00 0", "07 0", 1)  # same slot, another reader index
    assert renamed != pcsc_cards.reader_18
    with open_card(renamed) as card:
        assert card.applet_version == "1.8"
        assert card.transport.reader_name == pcsc_cards.reader_18  # type: ignore[attr-defined]
    monkeypatch.setenv(READER_ENVIRONMENT, pcsc_cards.reader_17)
    with open_card() as card:
        assert card.applet_version == "1.7"
    with pytest.raises(NoReaderError):
        open_card("No such reader 00 00")


def test_behaviour_values_are_stable() -> None:
    assert {b.value for b in ReaderBehaviour} == {"virtual", "no-pin-pad", "ppdu", "pin-max-8"}
