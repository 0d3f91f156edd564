"""Status words (ISO 7816-4 and the BELPIC applet tables) and :class:`ApduError`."""

from __future__ import annotations

from enum import IntEnum

from eidlib.errors import EidError


class SW(IntEnum):
    """Named status words. ``61xx``, ``6Cxx`` and ``63Cx`` are families: see :func:`describe`."""

    OK = 0x9000
    NO_PRECISE_DIAGNOSIS = 0x6400
    PINPAD_CANCELLED = 0x6401
    PINPAD_PINS_DIFFER = 0x6402
    PINPAD_WRONG_LENGTH = 0x6403
    EEPROM_CORRUPTED = 0x6581
    WRONG_LENGTH = 0x6700
    FILE_NOT_ACTIVATED_SELECT = 0x6283
    CLA_NOT_SUPPORTED_17 = 0x6881
    RECORD_ON_NON_STRUCTURED_EF = 0x6981
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    NO_CURRENT_EF = 0x6986
    FORBIDDEN_LOGICAL_CHANNEL = 0x6999
    INCORRECT_DATA = 0x6A80
    FILE_NOT_FOUND = 0x6A82
    RECORD_NOT_FOUND = 0x6A83
    INCORRECT_P1P2 = 0x6A86
    LC_INCONSISTENT = 0x6A87
    REFERENCE_NOT_FOUND = 0x6A88
    WRONG_P1P2 = 0x6B00
    PINPAD_INVALID_PARAMETER = 0x6B80
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00


_MEANINGS: dict[int, str] = {
    SW.OK: "success",
    SW.NO_PRECISE_DIAGNOSIS: "no precise diagnosis (PIN pad: timeout)",
    SW.PINPAD_CANCELLED: "cancelled on the PIN pad",
    SW.PINPAD_PINS_DIFFER: "the new PINs entered on the PIN pad differ",
    SW.PINPAD_WRONG_LENGTH: "wrong PIN length or format on the PIN pad",
    SW.EEPROM_CORRUPTED: "card memory corrupted",
    SW.WRONG_LENGTH: "wrong length",
    SW.FILE_NOT_ACTIVATED_SELECT: "selected file not activated",
    SW.CLA_NOT_SUPPORTED_17: "class not supported",
    SW.RECORD_ON_NON_STRUCTURED_EF: "command incompatible with the file structure",
    SW.SECURITY_STATUS_NOT_SATISFIED: "security status not satisfied (PIN required)",
    SW.AUTH_METHOD_BLOCKED: "PIN blocked",
    SW.CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW.NO_CURRENT_EF: "no current file",
    SW.FORBIDDEN_LOGICAL_CHANNEL: "forbidden logical channel",
    SW.INCORRECT_DATA: "incorrect data field",
    SW.FILE_NOT_FOUND: "file not found",
    SW.RECORD_NOT_FOUND: "record not found",
    SW.INCORRECT_P1P2: "incorrect P1-P2",
    SW.LC_INCONSISTENT: "Lc inconsistent with P1-P2",
    SW.REFERENCE_NOT_FOUND: "referenced key or PIN not found",
    SW.WRONG_P1P2: "wrong P1-P2 or offset outside the file",
    SW.PINPAD_INVALID_PARAMETER: "invalid parameter (PIN pad)",
    SW.INS_NOT_SUPPORTED: "instruction not available (unknown, or card not activated)",
    SW.CLA_NOT_SUPPORTED: "class not supported",
}

INS_NAMES: dict[int, str] = {
    0xA4: "SELECT",
    0xB0: "READ BINARY",
    0xB2: "READ RECORD",
    0xC0: "GET RESPONSE",
    0x20: "VERIFY",
    0x24: "CHANGE REFERENCE DATA",
    0x2C: "RESET RETRY COUNTER",
    0x22: "MSE:SET",
    0x2A: "PSO:CDS",
    0x88: "INTERNAL AUTHENTICATE",
    0xE4: "GET CARD DATA",
    0xE6: "LOG OFF",
    0x84: "GET CHALLENGE",
}


def describe(sw: int) -> str:
    """Human-readable meaning of a status word, families included."""
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw in _MEANINGS:
        return _MEANINGS[sw]
    if sw1 == 0x61:
        return f"{sw2 or 256} more bytes available"
    if sw1 == 0x6C:
        return f"wrong Le, {sw2 or 256} bytes available"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"wrong PIN, {sw2 & 0x0F} tries left"
    return "unknown status"


def ins_name(ins: int) -> str:
    """Name of an instruction byte, for messages and traces."""
    return INS_NAMES.get(ins, f"INS {ins:02X}")


class ApduError(EidError):
    """The card answered a command with a status word other than 9000."""

    def __init__(self, sw: int, data: bytes = b"", ins: int | None = None) -> None:
        self.sw = sw
        self.data = bytes(data)
        self.ins = ins
        what = ins_name(ins) if ins is not None else "command"
        super().__init__(f"{what} failed: {sw:04X} {describe(sw)}")

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF
