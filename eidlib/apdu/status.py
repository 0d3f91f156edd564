"""ISO 7816-4 status words, their meanings and :class:`ApduError`.

Only ISO 7816 lives here. An application layer adds what its status words and instruction
bytes mean on its card with :func:`add_meanings` and :func:`add_ins_names` (the BELPIC card
layer does, from ``eidlib.belpic``), so traces and messages speak its language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from eidlib.errors import EidError


class SW(IntEnum):
    """Named status words. ``61xx``, ``6Cxx`` and ``63Cx`` are families: see :func:`describe`."""

    OK = 0x9000
    NO_PRECISE_DIAGNOSIS = 0x6400
    EEPROM_CORRUPTED = 0x6581
    WRONG_LENGTH = 0x6700
    FILE_NOT_ACTIVATED_SELECT = 0x6283
    CLA_NOT_SUPPORTED_17 = 0x6881
    RECORD_ON_NON_STRUCTURED_EF = 0x6981
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    NO_CURRENT_EF = 0x6986
    INCORRECT_DATA = 0x6A80
    FILE_NOT_FOUND = 0x6A82
    RECORD_NOT_FOUND = 0x6A83
    INCORRECT_P1P2 = 0x6A86
    LC_INCONSISTENT = 0x6A87
    REFERENCE_NOT_FOUND = 0x6A88
    WRONG_P1P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    TECHNICAL_PROBLEM = 0x6F00


_MEANINGS: dict[int, str] = {
    SW.OK: "success",
    SW.NO_PRECISE_DIAGNOSIS: "no precise diagnosis",
    SW.EEPROM_CORRUPTED: "card memory corrupted",
    SW.WRONG_LENGTH: "wrong length",
    SW.FILE_NOT_ACTIVATED_SELECT: "selected file not activated",
    SW.CLA_NOT_SUPPORTED_17: "class not supported",
    SW.RECORD_ON_NON_STRUCTURED_EF: "command incompatible with the file structure",
    SW.SECURITY_STATUS_NOT_SATISFIED: "security status not satisfied (PIN required)",
    SW.AUTH_METHOD_BLOCKED: "PIN blocked",
    SW.CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW.NO_CURRENT_EF: "no current file",
    SW.INCORRECT_DATA: "incorrect data field",
    SW.FILE_NOT_FOUND: "file not found",
    SW.RECORD_NOT_FOUND: "record not found",
    SW.INCORRECT_P1P2: "incorrect P1-P2",
    SW.LC_INCONSISTENT: "Lc inconsistent with P1-P2",
    SW.REFERENCE_NOT_FOUND: "referenced key or PIN not found",
    SW.WRONG_P1P2: "wrong P1-P2 or offset outside the file",
    SW.INS_NOT_SUPPORTED: "instruction not supported",
    SW.CLA_NOT_SUPPORTED: "class not supported",
    SW.TECHNICAL_PROBLEM: "technical problem, no precise diagnosis",
}

#: Instruction names, filled in by the application layer (:func:`add_ins_names`).
_INS_NAMES: dict[int, str] = {}

#: ``63Cx``: the verification failed, x tries are left (ISO 7816-4 §10.1.3, "counter").
_COUNTER_SW1 = 0x63
_COUNTER_NIBBLE = 0xC0


def add_meanings(meanings: Mapping[int, str]) -> None:
    """Add (or make more precise) the meanings of status words on the application's card."""
    _MEANINGS.update(meanings)


def add_ins_names(names: Mapping[int, str]) -> None:
    """Name the application's instruction bytes in traces and error messages."""
    _INS_NAMES.update(names)


def counter_status(tries_left: int) -> int:
    """The ``63Cx`` status word for ``tries_left`` (0..15) tries left."""
    if not 0 <= tries_left <= 0x0F:
        raise ValueError("a 63Cx counter holds 0 to 15")
    return _COUNTER_SW1 << 8 | _COUNTER_NIBBLE | tries_left


def tries_left(sw: int) -> int | None:
    """The counter of a ``63Cx`` status word, ``None`` for any other status word."""
    if sw >> 8 == _COUNTER_SW1 and sw & 0xF0 == _COUNTER_NIBBLE:
        return sw & 0x0F
    return None


def describe(sw: int) -> str:
    """Human-readable meaning of a status word, families included."""
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw in _MEANINGS:
        return _MEANINGS[sw]
    if sw1 == 0x61:
        return f"{sw2 or 256} more bytes available"
    if sw1 == 0x6C:
        return f"wrong Le, {sw2 or 256} bytes available"
    counter = tries_left(sw)
    if counter is not None:
        return f"wrong PIN, {counter} tries left"
    return "unknown status"


def ins_name(ins: int) -> str:
    """Name of an instruction byte, for messages and traces."""
    return _INS_NAMES.get(ins, f"INS {ins:02X}")


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
