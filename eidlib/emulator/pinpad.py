""":class:`VirtualPinPadReader`: an in-process PIN-pad reader in front of a virtual card (PC/SC part 10).

It plays the readers of the quirk table (``eidlib.apdu.readers``) so that every PIN-pad path is
tested without hardware:

* ``style="direct"``: FEATURE_VERIFY_PIN_DIRECT / MODIFY_PIN_DIRECT (SCardControl answers the SW);
* ``style="start-finish"``: only the VERIFY/MODIFY_PIN_START and _FINISH pairs;
* ``style="ppdu"``: SCardControl answers no feature (an ACS APG8201 under some drivers); the
  features and PIN commands go as ``FF C2 01 ..`` pseudo-APDUs through SCardTransmit;
* ``style="false"``: reports DIRECT features but has no keypad (an OMNIKEY 3x21 with an old CCID
  driver): a PIN command fails with the reader's ``6B80``.

``usb_id`` makes the TLV properties (styles ``direct`` and ``false``, as the CCID driver gives
them for every reader) tell the reader's USB vendor and product, which the quirk table matches
before the name. A ``ppdu`` reader with ``usb_id`` lists ``FEATURE_GET_TLV_PROPERTIES`` and no PIN
feature through SCardControl (what pcsc-lite's CCID driver does for a reader whose descriptor
claims no PIN support), so its ids can be read while PIN commands still go as PPDUs.

What the user does on the keypad is :attr:`VirtualPinPadReader.user`: digits (``"1234"``, or
``"1234/5678"`` for old/new), :data:`CANCEL` (``6401``) or :data:`TIMEOUT` (``6400``). The reader
fills the card's PIN block from the structure it receives (length nibble, BCD digits, digit
limits), as a CCID reader does, and records each structure in :attr:`structures`.
"""

from __future__ import annotations

from typing import Literal

from eidlib.apdu.readers import UsbId
from eidlib.emulator.card import VirtualCard
from eidlib.emulator.transport import VirtualTransport

PinPadStyle = Literal["direct", "start-finish", "ppdu", "false"]

#: What the user may do instead of typing digits.
CANCEL = "cancel"
TIMEOUT = "timeout"

#: pcsc-lite's ``SCARD_CTL_CODE(3400)`` (the feature request).
_FEATURE_REQUEST = 0x42000D48
_VERIFY_START, _VERIFY_FINISH, _MODIFY_START, _MODIFY_FINISH = 0x01, 0x02, 0x03, 0x04
_VERIFY_DIRECT, _MODIFY_DIRECT = 0x06, 0x07
_PIN_PROPERTIES, _TLV_PROPERTIES = 0x0A, 0x12
#: Control codes this reader gives its features (``0x4233 0000 | tag``, like ``SCARD_CTL_CODE``).
_CODE_BASE = 0x42330000
_PPDU_CLA_INS_P1 = bytes.fromhex("FFC201")

_SW_TIMEOUT = bytes.fromhex("6400")
_SW_CANCELLED = bytes.fromhex("6401")
_SW_WRONG_LENGTH = bytes.fromhex("6403")
_SW_INVALID_PARAMETER = bytes.fromhex("6B80")
_SW_OK = bytes.fromhex("9000")
_SW_NOT_SUPPORTED = bytes.fromhex("6D00")

#: Offsets in PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE (PC/SC part 10 §2.5.2/§2.5.3).
_VERIFY_DATA = 19
_MODIFY_DATA = 24
_MAX_DIGITS_OFFSET = {False: 5, True: 7}
_PIN_OFFSET = 5  # the PIN block starts after CLA INS P1 P2 Lc
_STYLES: dict[PinPadStyle, tuple[int, ...]] = {
    "direct": (_VERIFY_DIRECT, _MODIFY_DIRECT, _PIN_PROPERTIES, _TLV_PROPERTIES),
    "start-finish": (_VERIFY_START, _VERIFY_FINISH, _MODIFY_START, _MODIFY_FINISH, _PIN_PROPERTIES),
    "ppdu": (_VERIFY_DIRECT, _MODIFY_DIRECT),
    "false": (_VERIFY_DIRECT, _MODIFY_DIRECT, _TLV_PROPERTIES),
}
#: ``FEATURE_GET_TLV_PROPERTIES`` tags of the USB ids (PC/SC part 10 ``wIdVendor``, ``wIdProduct``).
_TLV_VENDOR, _TLV_PRODUCT = 0x0B, 0x0C


class VirtualPinPadReader(VirtualTransport):
    """A PIN-pad reader of ``style`` holding ``card``; ``user`` is what the next PIN entry does."""

    def __init__(self, card: VirtualCard, *, style: PinPadStyle = "direct", user: str = "1234",
                 reader_name: str = "eidlib virtual PIN pad 00 00", display: tuple[int, int] = (2, 16),
                 timeout: int = 30, max_digits: int = 12, usb_id: UsbId | None = None) -> None:
        super().__init__(card)
        if style not in _STYLES:
            raise ValueError(f"unknown PIN-pad style {style!r}")
        self.style: PinPadStyle = style
        self.user = user
        self.reader_name = reader_name
        self.display = display
        self.timeout = timeout
        self.max_digits = max_digits
        self.usb_id = usb_id
        #: Every PIN structure the host sent, in order.
        self.structures: list[bytes] = []
        #: Control codes received (feature request included).
        self.controls: list[int] = []
        self._started: bytes | None = None

    # -- SCardControl -------------------------------------------------------------------------

    def control(self, code: int, data: bytes = b"") -> bytes:
        """PC/SC part 10 through SCardControl."""
        self.controls.append(code)
        if code == _FEATURE_REQUEST:
            if self.style == "ppdu":
                return b"" if self.usb_id is None else bytes((_TLV_PROPERTIES, 4)) + (
                    _CODE_BASE | _TLV_PROPERTIES).to_bytes(4, "big")
            return b"".join(bytes((tag, 4)) + (_CODE_BASE | tag).to_bytes(4, "big") for tag in _STYLES[self.style])
        tag = code - _CODE_BASE
        ppdu_properties = self.style == "ppdu" and self.usb_id is not None and tag == _TLV_PROPERTIES
        if not ppdu_properties and (self.style == "ppdu" or tag not in _STYLES[self.style]):
            return _SW_INVALID_PARAMETER
        if tag == _PIN_PROPERTIES:
            lines, chars = self.display
            return bytes((chars, lines, 0x02, self.timeout))
        if tag == _TLV_PROPERTIES:
            layout = (self.display[0] << 8) | self.display[1]
            answer = (bytes((0x01, 2)) + layout.to_bytes(2, "little") + bytes((0x03, 1, self.timeout))
                      + bytes((0x06, 1, 4, 0x07, 1, self.max_digits)))
            if self.usb_id is not None:
                answer += (bytes((_TLV_VENDOR, 2)) + self.usb_id.vendor.to_bytes(2, "little")
                           + bytes((_TLV_PRODUCT, 2)) + self.usb_id.product.to_bytes(2, "little"))
            return answer
        if tag in (_VERIFY_START, _MODIFY_START):
            self._started = bytes(data)
            return b""
        if tag in (_VERIFY_FINISH, _MODIFY_FINISH):
            started, self._started = self._started, None
            if started is None:
                return _SW_INVALID_PARAMETER
            return self._enter(started, modify=tag == _MODIFY_FINISH)
        return self._enter(bytes(data), modify=tag == _MODIFY_DIRECT)

    # -- SCardTransmit (PPDU) -----------------------------------------------------------------

    def transmit(self, raw: bytes) -> bytes:
        """APDUs to the card; ``FF C2 01`` pseudo-APDUs to the reader itself when it takes PPDUs."""
        if bytes(raw[:3]) != _PPDU_CLA_INS_P1:
            return super().transmit(raw)
        if self.style != "ppdu":
            return _SW_NOT_SUPPORTED  # a reader without PPDU passes the command on: the card refuses it
        feature = raw[3]
        if feature == 0x00:
            return bytes(_STYLES["ppdu"]) + _SW_OK
        if feature not in _STYLES["ppdu"] or len(raw) < 5 or len(raw) != 5 + raw[4]:
            return _SW_INVALID_PARAMETER
        return self._enter(bytes(raw[5:]), modify=feature == _MODIFY_DIRECT)

    # -- the keypad ---------------------------------------------------------------------------

    def _enter(self, structure: bytes, *, modify: bool) -> bytes:
        self.structures.append(structure)
        if self.style == "false":
            return _SW_INVALID_PARAMETER  # no keypad: the CCID command fails
        if self.user == CANCEL:
            return _SW_CANCELLED
        if self.user == TIMEOUT:
            return _SW_TIMEOUT
        start = _MODIFY_DATA if modify else _VERIFY_DATA
        if len(structure) <= start:
            return _SW_INVALID_PARAMETER
        declared = int.from_bytes(structure[start - 4 : start], "little")
        apdu = bytearray(structure[start:])
        if declared != len(apdu):
            return _SW_INVALID_PARAMETER
        limit_at = _MAX_DIGITS_OFFSET[modify]
        maximum, minimum = structure[limit_at], structure[limit_at + 1]
        pins = self.user.split("/") if modify else [self.user]
        if len(pins) != (2 if modify else 1):
            return _SW_INVALID_PARAMETER
        insert_at = [_PIN_OFFSET, _PIN_OFFSET + structure[6]] if modify else [_PIN_OFFSET]
        for offset, pin in zip(insert_at, pins, strict=True):
            if not pin.isdigit() or not minimum <= len(pin) <= min(maximum, self.max_digits):
                return _SW_WRONG_LENGTH
            block = bytes.fromhex(pin + "F" * (14 - len(pin)))
            apdu[offset] = 0x20 | len(pin)
            apdu[offset + 1 : offset + 8] = block
        try:
            return super().transmit(bytes(apdu))[-2:]
        finally:
            apdu[:] = bytes(len(apdu))
