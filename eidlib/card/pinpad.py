"""PIN-pad readers through PC/SC part 10 (spec §8): feature discovery, the PIN structures, and the
three ways a reader takes them.

* ``FEATURE_VERIFY_PIN_DIRECT`` / ``MODIFY_PIN_DIRECT``: one SCardControl that answers the card's SW;
* the ``START`` / ``FINISH`` pairs: SCardControl with the structure, then with nothing for the SW;
* PPDU: readers that answer nothing to the feature request but take ``FF C2 01 <feature> Lc
  <structure>`` through SCardTransmit (the readers the quirk table marks :attr:`~ReaderBehaviour.PPDU`).

``FEATURE_IFD_PIN_PROPERTIES`` and ``FEATURE_GET_TLV_PROPERTIES`` tell the display and the timeout
(:class:`PinPadProperties`). Readers the quirk table marks :attr:`~ReaderBehaviour.NO_PIN_PAD` report
PIN features they do not have: they are ignored. The structures are byte-exact with what eid-mw
sends (§8.2, §8.3), including its ``wLangId`` byte order (high byte first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum

from eidlib.apdu.readers import ReaderBehaviour, UsbId, reader_behaviours
from eidlib.belpic.ins import Ins
from eidlib.belpic.pin import EMPTY_PIN_BLOCK, MAX_PIN_LENGTH, MIN_PIN_LENGTH, PIN_BLOCK_LENGTH
from eidlib.card.commands import change_header, verify_header
from eidlib.carddata.errors import CardDataError
from eidlib.errors import TransportError

#: ``SCARD_CTL_CODE(3400)`` as pcsc-lite defines it.
CM_IOCTL_GET_FEATURE_REQUEST = 0x42000D48
#: The same request on Windows (``0x31 << 16 | 3400 << 2``).
CM_IOCTL_GET_FEATURE_REQUEST_WINDOWS = 0x00313520


class Feature(IntEnum):
    """PC/SC part 10 feature tags (spec §8.1)."""

    VERIFY_PIN_START = 0x01
    VERIFY_PIN_FINISH = 0x02
    MODIFY_PIN_START = 0x03
    MODIFY_PIN_FINISH = 0x04
    GET_KEY_PRESSED = 0x05
    VERIFY_PIN_DIRECT = 0x06
    MODIFY_PIN_DIRECT = 0x07
    IFD_PIN_PROPERTIES = 0x0A
    GET_TLV_PROPERTIES = 0x12
    EID_PIN_PAD_READER = 0x80


#: ``FF C2 01 00 00``: the PPDU feature request; the answer lists feature tags, one byte each.
PPDU_FEATURES = bytes.fromhex("FFC2010000")
#: The INS byte of PC/SC part 10 pseudo-APDUs (``FF C2 01 <feature> ..``).
PPDU_INS = 0xC2
_PPDU_HEADER = bytes((0xFF, PPDU_INS, 0x01))
_SW_OK = b"\x90\x00"


def ppdu_pin_instruction(raw: bytes | bytearray) -> int | None:
    """The card command a PPDU PIN-pad command makes the reader send (VERIFY or CHANGE REFERENCE
    DATA), or ``None`` for anything else (other APDUs, the PPDU feature request)."""
    if len(raw) <= 5 or raw[:3] != _PPDU_HEADER:
        return None
    return _PPDU_PIN_COMMANDS.get(raw[3])


#: PPDU feature tag → the instruction of the APDU the reader builds from the structure.
_PPDU_PIN_COMMANDS: dict[int, int] = {Feature.VERIFY_PIN_DIRECT: Ins.VERIFY,
                                      Feature.MODIFY_PIN_DIRECT: Ins.CHANGE_REFERENCE_DATA}


class TlvProperty(IntEnum):
    """``FEATURE_GET_TLV_PROPERTIES`` tags eidlib reads (PC/SC part 10 v2.02.09)."""

    LCD_LAYOUT = 0x01
    TIMEOUT2 = 0x03
    MIN_PIN_SIZE = 0x06
    MAX_PIN_SIZE = 0x07
    VENDOR_ID = 0x0B
    PRODUCT_ID = 0x0C


class Language(IntEnum):
    """``wLangId`` values for the reader's prompts."""

    EN = 0x0409
    NL = 0x0813
    FR = 0x080C
    DE = 0x0407


def parse_features(raw: bytes) -> dict[int, int]:
    """Decode the feature list: 6-byte TLVs ``tag 04 <control code, big-endian>``."""
    data = bytes(raw)
    if len(data) % 6:
        raise CardDataError(f"PC/SC feature list length {len(data)} is not a multiple of 6")
    features: dict[int, int] = {}
    for offset in range(0, len(data), 6):
        tag, length = data[offset], data[offset + 1]
        if length != 4:
            raise CardDataError(f"PC/SC feature 0x{tag:02X} has length {length}, expected 4")
        features[tag] = int.from_bytes(data[offset + 2 : offset + 6], "big")
    return features


@dataclass(frozen=True)
class PinPadProperties:
    """What a PIN-pad reader says about itself (``None`` when it did not say)."""

    #: Display as (lines, characters per line); ``(0, 0)`` for a reader without a display.
    display: tuple[int, int] | None = None
    #: Seconds the reader waits for the first key (``bTimeOut2``; 0 = the reader's default).
    timeout: int | None = None
    min_digits: int | None = None
    max_digits: int | None = None
    vendor_id: int | None = None
    product_id: int | None = None

    @property
    def usb_id(self) -> UsbId | None:
        """The reader's USB model when it told both ids (what the quirk table matches first)."""
        if self.vendor_id is None or self.product_id is None:
            return None
        return UsbId(self.vendor_id, self.product_id)

    @property
    def has_display(self) -> bool:
        """Whether the reader shows its own prompt (else the application should say "type your PIN")."""
        return bool(self.display and self.display != (0, 0))


def parse_pin_properties(raw: bytes) -> PinPadProperties:
    """``PIN_PROPERTIES_STRUCTURE``: wLcdLayout (little-endian: lines, characters), validation, bTimeOut2."""
    data = bytes(raw)
    if len(data) < 4:
        raise CardDataError(f"PIN properties of {len(data)} bytes, expected 4")
    return PinPadProperties(display=(data[1], data[0]), timeout=data[3])


def parse_tlv_properties(raw: bytes) -> PinPadProperties:
    """``FEATURE_GET_TLV_PROPERTIES``: tag, length, little-endian value; unknown tags are skipped."""
    data = bytes(raw)
    values: dict[int, int] = {}
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data) or offset + 2 + data[offset + 1] > len(data):
            raise CardDataError("TLV properties end inside an entry")
        tag, length = data[offset], data[offset + 1]
        values[tag] = int.from_bytes(data[offset + 2 : offset + 2 + length], "little")
        offset += 2 + length
    layout = values.get(TlvProperty.LCD_LAYOUT)
    return PinPadProperties(
        display=None if layout is None else (layout >> 8, layout & 0xFF),
        timeout=values.get(TlvProperty.TIMEOUT2),
        min_digits=values.get(TlvProperty.MIN_PIN_SIZE),
        max_digits=values.get(TlvProperty.MAX_PIN_SIZE),
        vendor_id=values.get(TlvProperty.VENDOR_ID),
        product_id=values.get(TlvProperty.PRODUCT_ID),
    )


Control = Callable[[int, bytes], bytes]
Transmit = Callable[[bytes], bytes]


@dataclass(frozen=True)
class PinPad:
    """How a PIN-pad reader takes VERIFY and MODIFY (``None`` codes when it cannot).

    ``verify_code`` / ``modify_code`` are the SCardControl codes of the DIRECT features, or of the
    START features when ``verify_finish`` / ``modify_finish`` are set, or the feature tags sent in
    a PPDU when ``ppdu``.
    """

    verify_code: int | None
    modify_code: int | None
    verify_finish: int | None = None
    modify_finish: int | None = None
    ppdu: bool = False
    max_digits: int = MAX_PIN_LENGTH
    properties: PinPadProperties = PinPadProperties()

    @classmethod
    def from_features(cls, features: dict[int, int], *, ppdu: bool = False) -> PinPad:
        """DIRECT features first, else a START/FINISH pair (spec §8.1's selection rule)."""
        verify = features.get(Feature.VERIFY_PIN_DIRECT)
        verify_finish = None
        if verify is None and Feature.VERIFY_PIN_START in features and Feature.VERIFY_PIN_FINISH in features:
            verify, verify_finish = features[Feature.VERIFY_PIN_START], features[Feature.VERIFY_PIN_FINISH]
        modify = features.get(Feature.MODIFY_PIN_DIRECT)
        modify_finish = None
        if modify is None and Feature.MODIFY_PIN_START in features and Feature.MODIFY_PIN_FINISH in features:
            modify, modify_finish = features[Feature.MODIFY_PIN_START], features[Feature.MODIFY_PIN_FINISH]
        if ppdu:  # a PPDU reader is addressed by feature tag, and only its DIRECT features are used
            verify = Feature.VERIFY_PIN_DIRECT if Feature.VERIFY_PIN_DIRECT in features else None
            modify = Feature.MODIFY_PIN_DIRECT if Feature.MODIFY_PIN_DIRECT in features else None
            verify_finish = modify_finish = None
        return cls(verify, modify, verify_finish, modify_finish, ppdu)

    @property
    def can_verify(self) -> bool:
        """The reader can take the PIN for VERIFY."""
        return self.verify_code is not None

    @property
    def can_modify(self) -> bool:
        """The reader can take old and new PINs for CHANGE REFERENCE DATA."""
        return self.modify_code is not None

    def structure(self, modify: bool, language: Language) -> bytes:
        """The PIN_VERIFY/PIN_MODIFY structure for this reader (its digit limit applied)."""
        if modify:
            return modify_structure(language, max_digits=self.max_digits)
        return verify_structure(language, max_digits=self.max_digits)

    def run(self, control: Control, transmit: Transmit, *, modify: bool, language: Language) -> int:
        """Let the user enter the PIN(s) on the reader; the status word of the card (or the reader's 64xx)."""
        code = self.modify_code if modify else self.verify_code
        finish = self.modify_finish if modify else self.verify_finish
        if code is None:
            raise ValueError("the reader cannot do this PIN command")
        structure = self.structure(modify, language)
        if self.ppdu:
            answer = transmit(_PPDU_HEADER + bytes((code, len(structure))) + structure)
        else:
            answer = control(code, structure)
            if finish is not None:
                answer = control(finish, b"")
        return (answer[-2] << 8) | answer[-1] if len(answer) >= 2 else 0


def discover_pinpad(control: Control, transmit: Transmit, reader_name: str) -> PinPad | None:
    """The PIN pad of reader ``reader_name`` as it really behaves, or ``None`` (typed PIN).

    Reader quirks come from :data:`eidlib.apdu.readers.READER_QUIRKS`, matched by the USB ids the
    reader's TLV properties tell, else by ``reader_name``: a reader that falsely reports a PIN pad
    gets no PIN command; a PPDU reader is asked through SCardTransmit when SCardControl gives
    nothing; a reader with an 8-digit keypad gets structures that say so. Asking for the features
    and the properties is safe on every reader (they go to the reader, never to the card).
    """
    try:
        features = parse_features(control(CM_IOCTL_GET_FEATURE_REQUEST, b""))
    except (TransportError, CardDataError):
        features = {}
    properties = _properties(control, features)
    behaviours = reader_behaviours(reader_name, usb_id=properties.usb_id)
    if ReaderBehaviour.NO_PIN_PAD in behaviours:
        return None
    pad = PinPad.from_features(features)
    if not (pad.can_verify or pad.can_modify) and ReaderBehaviour.PPDU in behaviours:
        try:
            answer = transmit(PPDU_FEATURES)
        except TransportError:
            answer = b""
        if answer[-2:] == _SW_OK:
            pad = PinPad.from_features({tag: tag for tag in answer[:-2]}, ppdu=True)
    if not (pad.can_verify or pad.can_modify):
        return None
    limits = [MAX_PIN_LENGTH, properties.max_digits or MAX_PIN_LENGTH]
    if ReaderBehaviour.PIN_MAX_8 in behaviours:
        limits.append(8)
    return replace(pad, max_digits=max(MIN_PIN_LENGTH, min(limits)), properties=properties)


def _properties(control: Control, features: dict[int, int]) -> PinPadProperties:
    """Display and timeout from the TLV properties, else the PIN properties; nothing when neither answers."""
    for feature, parse in ((Feature.GET_TLV_PROPERTIES, parse_tlv_properties),
                           (Feature.IFD_PIN_PROPERTIES, parse_pin_properties)):
        code = features.get(feature)
        if code is None:
            continue
        try:
            return parse(control(code, b""))
        except (TransportError, CardDataError):
            continue
    return PinPadProperties()


_TIMEOUT = 0x1E
_FORMAT_STRING = 0x89
_PIN_BLOCK_STRING = 0x47
_PIN_LENGTH_FORMAT = 0x04
_VALIDATION_KEY = 0x02
_PROLOGUE = b"\x00\x00\x00"


def _lang_bytes(language: Language) -> bytes:
    return int(language).to_bytes(2, "big")


def _digits(max_digits: int) -> bytes:
    # wPINMaxExtraDigit as eid-mw writes it: maximum, then minimum.
    return bytes((max_digits, MIN_PIN_LENGTH))


def verify_structure(language: Language = Language.EN, *, max_digits: int = MAX_PIN_LENGTH) -> bytes:
    """PIN_VERIFY_STRUCTURE for VERIFY of PIN 01 with an empty PIN block (32 bytes, §8.2)."""
    apdu = verify_header() + EMPTY_PIN_BLOCK
    return (
        bytes((_TIMEOUT, _TIMEOUT, _FORMAT_STRING, _PIN_BLOCK_STRING, _PIN_LENGTH_FORMAT))
        + _digits(max_digits)
        + bytes((_VALIDATION_KEY, 0x01))
        + _lang_bytes(language)
        + b"\x00"
        + _PROLOGUE
        + len(apdu).to_bytes(4, "little")
        + apdu
    )


def modify_structure(language: Language = Language.EN, *, max_digits: int = MAX_PIN_LENGTH) -> bytes:
    """PIN_MODIFY_STRUCTURE for CHANGE REFERENCE DATA of PIN 01 (45 bytes, §8.3)."""
    apdu = change_header() + EMPTY_PIN_BLOCK + EMPTY_PIN_BLOCK
    return (
        bytes((_TIMEOUT, _TIMEOUT, _FORMAT_STRING, _PIN_BLOCK_STRING, _PIN_LENGTH_FORMAT))
        + bytes((0x00, PIN_BLOCK_LENGTH))
        + _digits(max_digits)
        + bytes((0x03, _VALIDATION_KEY, 0x03))
        + _lang_bytes(language)
        + bytes((0x00, 0x01, 0x02))
        + _PROLOGUE
        + len(apdu).to_bytes(4, "little")
        + apdu
    )
