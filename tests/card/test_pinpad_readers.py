"""PIN-pad readers as they really behave, played by the in-process virtual reader
(:class:`eidlib.emulator.pinpad.VirtualPinPadReader`): DIRECT, START/FINISH, PPDU, false PIN pads,
cancel and timeout on the pad, properties (display, timeout), an 8-digit keypad."""

from __future__ import annotations

import pytest

from eidlib.apdu.readers import READER_QUIRKS, ReaderBehaviour, ReaderQuirk, UsbId
from eidlib.apdu.status import ApduError
from eidlib.card.pinpad import (
    CM_IOCTL_GET_FEATURE_REQUEST,
    PinPadProperties,
    modify_structure,
    parse_pin_properties,
    parse_tlv_properties,
    verify_structure,
)
from eidlib.card.session import BeidCard
from eidlib.carddata.errors import CardDataError
from eidlib.emulator.pinpad import CANCEL, TIMEOUT, PinPadStyle, VirtualPinPadReader
from eidlib.token.errors import PinCancelled, PinFormatError, PinTimeout, WrongPin
from tests.card.virtual_cards import PIN, virtual_card

STYLES: tuple[PinPadStyle, ...] = ("direct", "start-finish", "ppdu")
#: A PPDU reader is recognised by name (the quirk table); the others by their features.
NAMES = {"direct": "eidlib virtual PIN pad 00 00", "start-finish": "eidlib virtual PIN pad 00 00",
         "ppdu": "ACS APG8201 USB Reader 00 00"}


def _reader(style: PinPadStyle, **kwargs: object) -> VirtualPinPadReader:
    kwargs.setdefault("reader_name", NAMES[style])
    return VirtualPinPadReader(virtual_card("1.8"), style=style, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("style", STYLES)
def test_user_types_the_pin_on_the_pad(style: PinPadStyle) -> None:
    reader = _reader(style)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.can_verify and pad.can_modify
        assert pad.ppdu == (style == "ppdu")
        assert len(card.sign(b"contract", key="signature")) == 96  # PIN from the pad
        assert reader.structures == [verify_structure()]
        card.verify_pin(None)
    assert reader.card.pin_tries_left == 3


@pytest.mark.parametrize("style", STYLES)
def test_user_changes_the_pin_on_the_pad(style: PinPadStyle) -> None:
    reader = _reader(style, user=f"{PIN}/567890")
    with BeidCard(reader).open() as card:
        card.change_pin(None, None)
        assert reader.structures == [modify_structure()]
        card.verify_pin("567890")  # the new PIN, typed on the keyboard this time


@pytest.mark.parametrize("style", STYLES)
def test_wrong_pin_on_the_pad(style: PinPadStyle) -> None:
    reader = _reader(style, user="9999")
    with BeidCard(reader).open() as card, pytest.raises(WrongPin) as info:
        card.verify_pin(None)
    assert info.value.tries_left == 2
    assert len(reader.structures) == 1  # never sent again


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("user", "error"), [(CANCEL, PinCancelled), (TIMEOUT, PinTimeout)])
def test_cancel_and_timeout_on_the_pad_are_typed_and_cost_no_try(
        style: PinPadStyle, user: str, error: type[Exception]) -> None:
    reader = _reader(style, user=user)
    with BeidCard(reader).open() as card:
        with pytest.raises(error):
            card.verify_pin(None)
        with pytest.raises(error):
            card.sign(b"x", key="signature")
        with pytest.raises(error):
            card.change_pin(None, None)
    assert reader.card.pin_tries_left == 3


def test_start_finish_sends_the_structure_then_asks_for_the_result() -> None:
    reader = _reader("start-finish")
    with BeidCard(reader).open() as card:
        card.verify_pin(None)
    start, finish = 0x42330001, 0x42330002
    assert reader.controls[-2:] == [start, finish]


def test_ppdu_commands_go_through_transmit() -> None:
    reader = _reader("ppdu")
    with BeidCard(reader).open() as card:
        card.verify_pin(None)
    assert reader.controls == [0x42000D48]  # the feature request only: the PIN went as a PPDU


def test_ppdu_reader_not_in_the_table_is_a_keyboard_reader() -> None:
    """Without the quirk-table entry nothing is sent as a PPDU (it would reach the card)."""
    reader = _reader("ppdu", reader_name="Some Reader 00 00")
    with BeidCard(reader).open() as card:
        assert card.pinpad() is None
        card.verify_pin(PIN)
    assert reader.structures == []


@pytest.mark.parametrize("name", ["HID Global OMNIKEY 3x21 Smart Card Reader 00 00",
                                  "HP USB Smart Card Keyboard 00 00", "Dell Dell Smart Card Reader Keyboard KB813t"])
def test_false_pin_pads_of_the_table_are_ignored(name: str) -> None:
    reader = VirtualPinPadReader(virtual_card("1.8"), style="false", reader_name=name)
    with BeidCard(reader).open() as card:
        assert card.pinpad() is None
        card.verify_pin(PIN)  # typed on the keyboard
        assert len(card.sign(b"x", key="signature", pin=PIN)) == 96
    # Asked for its features and properties (to learn its USB ids), never for a PIN.
    assert reader.controls == [CM_IOCTL_GET_FEATURE_REQUEST, _TLV_PROPERTIES_CODE]
    assert reader.structures == []


#: The control code the virtual reader gives FEATURE_GET_TLV_PROPERTIES.
_TLV_PROPERTIES_CODE = 0x42330012
OMNIKEY_3X21 = UsbId(0x076B, 0x3031)
GEMPC_PINPAD = UsbId(0x08E6, 0x3478)


def test_quirk_matched_by_usb_ids_whatever_the_name() -> None:
    """A false PIN pad under a name the table does not know is still recognised by its USB ids."""
    reader = VirtualPinPadReader(virtual_card("1.8"), style="false", reader_name="Generic CCID Reader 00 00",
                                 usb_id=OMNIKEY_3X21)
    with BeidCard(reader).open() as card:
        assert card.pinpad() is None
        card.verify_pin(PIN)
        assert len(card.sign(b"x", key="signature", pin=PIN)) == 96
    assert reader.structures == []
    assert reader.card.pin_tries_left == 3


def test_usb_ids_that_contradict_the_name_win() -> None:
    """Named like an OMNIKEY 3x21 (no PIN pad) but telling the ids of a GemPC Pinpad: its keypad is used,
    with the GemPC's 8-digit limit."""
    reader = _reader("direct", reader_name="HID Global OMNIKEY 3x21 Smart Card Reader 00 00", usb_id=GEMPC_PINPAD)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.max_digits == 8 and pad.properties.usb_id == GEMPC_PINPAD
        assert len(card.sign(b"contract", key="signature")) == 96  # PIN typed on the pad
    assert reader.structures == [verify_structure(max_digits=8)]


def test_same_name_other_ids_is_a_plain_pin_pad() -> None:
    """Without the ids the name alone makes the entry; with ids of another model it does not apply."""
    name = "Gemplus GemPC Pinpad 00 00"
    with BeidCard(_reader("direct", reader_name=name)).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.max_digits == 8
    with BeidCard(_reader("direct", reader_name=name, usb_id=UsbId(0x1234, 0x5678))).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.max_digits == 12


def test_entry_without_ids_is_matched_by_name_even_when_the_reader_tells_ids() -> None:
    reader = VirtualPinPadReader(virtual_card("1.8"), style="false", usb_id=UsbId(0x413C, 0x2101),
                                 reader_name="Dell Dell Smart Card Reader Keyboard KB813t 00 00")
    with BeidCard(reader).open() as card:
        assert card.pinpad() is None
        card.verify_pin(PIN)
    assert reader.structures == []


def test_false_pin_pad_not_in_the_table_fails_with_a_typed_error() -> None:
    reader = VirtualPinPadReader(virtual_card("1.8"), style="false", reader_name="Unknown Keyboard 00 00")
    with BeidCard(reader).open() as card, pytest.raises(ApduError) as info:
        card.verify_pin(None)
    assert info.value.sw == 0x6B80
    assert reader.card.pin_tries_left == 3


def test_eight_digit_keypad() -> None:
    reader = _reader("direct", reader_name="Gemplus GemPC Pinpad 00 00", user="1234567890")
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.max_digits == 8
        with pytest.raises(PinFormatError):
            card.verify_pin(None)
    assert reader.structures == [verify_structure(max_digits=8)]
    assert reader.structures[0][5:7] == bytes((8, 4))
    assert reader.card.pin_tries_left == 3


def test_reader_max_pin_size_from_tlv_properties() -> None:
    reader = _reader("direct", max_digits=6)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
    assert pad is not None and pad.max_digits == 6


@pytest.mark.parametrize(("style", "display"), [("direct", (2, 16)), ("start-finish", (4, 20)), ("direct", (0, 0))])
def test_properties_display_and_timeout(style: PinPadStyle, display: tuple[int, int]) -> None:
    reader = _reader(style, display=display, timeout=45)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
    assert pad is not None
    assert pad.properties.display == display and pad.properties.timeout == 45
    assert pad.properties.has_display == (display != (0, 0))


def test_ppdu_reader_has_no_properties() -> None:
    with BeidCard(_reader("ppdu")).open() as card:
        pad = card.pinpad()
    assert pad is not None and pad.properties == PinPadProperties()


def test_property_parsers() -> None:
    assert parse_pin_properties(bytes((16, 2, 2, 30))) == PinPadProperties(display=(2, 16), timeout=30)
    tlv = parse_tlv_properties(bytes.fromhex("01021002" "03011e" "0b026b07" "0c022130" "ff0100"))
    assert tlv.display == (2, 16) and tlv.timeout == 30
    assert (tlv.vendor_id, tlv.product_id) == (0x076B, 0x3021)
    with pytest.raises(CardDataError):
        parse_tlv_properties(bytes.fromhex("0105aa"))
    with pytest.raises(CardDataError):
        parse_pin_properties(b"\x00")


def test_every_quirk_behaviour_is_played_by_the_virtual_reader() -> None:
    """The table's PIN-pad behaviours each have a reader style above (the VIRTUAL one: test_readers)."""
    behaviours = {q.behaviour for q in READER_QUIRKS}
    assert behaviours == {ReaderBehaviour.VIRTUAL, ReaderBehaviour.NO_PIN_PAD, ReaderBehaviour.PPDU,
                          ReaderBehaviour.PIN_MAX_8}


def _entry_cases() -> list[tuple[ReaderQuirk, str, UsbId | None]]:
    """Every PIN-pad entry of the table as the reader shows itself: by name, and by each of its USB ids
    under a name the table does not know."""
    cases: list[tuple[ReaderQuirk, str, UsbId | None]] = []
    for quirk in READER_QUIRKS:
        if quirk.behaviour is ReaderBehaviour.VIRTUAL:
            continue  # not a PIN pad: reader choice, tests/apdu/test_readers.py
        cases.append((quirk, f"{quirk.name_part} 00 00", None))
        cases.extend((quirk, "Generic CCID Reader 00 00", usb_id) for usb_id in quirk.usb_ids)
    return cases


_STYLE_OF: dict[ReaderBehaviour, PinPadStyle] = {
    ReaderBehaviour.NO_PIN_PAD: "false", ReaderBehaviour.PPDU: "ppdu", ReaderBehaviour.PIN_MAX_8: "direct"}


@pytest.mark.parametrize(("quirk", "name", "usb_id"), _entry_cases(),
                         ids=lambda value: str(value) if isinstance(value, (str, UsbId)) else "")
def test_every_pin_pad_entry_on_the_virtual_reader(quirk: ReaderQuirk, name: str, usb_id: UsbId | None) -> None:
    """Each entry's behaviour, played by the virtual reader and found by name or by USB ids."""
    reader = VirtualPinPadReader(virtual_card("1.8"), style=_STYLE_OF[quirk.behaviour], reader_name=name,
                                 usb_id=usb_id)
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        if quirk.behaviour is ReaderBehaviour.NO_PIN_PAD:
            assert pad is None
            card.verify_pin(PIN)  # typed on the keyboard; the false pad never gets a PIN command
            assert reader.structures == []
        else:
            assert pad is not None
            assert pad.ppdu == (quirk.behaviour is ReaderBehaviour.PPDU)
            assert pad.max_digits == (8 if quirk.behaviour is ReaderBehaviour.PIN_MAX_8 else 12)
            assert len(card.sign(b"contract", key="signature")) == 96  # the PIN typed on the pad
            assert reader.structures == [verify_structure(max_digits=pad.max_digits)]
    assert reader.card.pin_tries_left == 3


def test_ppdu_reader_telling_its_ids_is_a_ppdu_reader_whatever_its_name() -> None:
    """pcsc-lite's CCID lists GET_TLV_PROPERTIES even without PIN features: the ids find the PPDU entry."""
    reader = VirtualPinPadReader(virtual_card("1.8"), style="ppdu", reader_name="Zetes Reader 00 00",
                                 usb_id=UsbId(0x072F, 0x8201))
    with BeidCard(reader).open() as card:
        pad = card.pinpad()
        assert pad is not None and pad.ppdu and pad.properties.usb_id == UsbId(0x072F, 0x8201)
        card.verify_pin(None)
    assert reader.controls == [CM_IOCTL_GET_FEATURE_REQUEST, _TLV_PROPERTIES_CODE]  # the PIN went as a PPDU
