"""The BELPIC command APDUs (spec §3.1), built in one place."""

from __future__ import annotations

from enum import IntEnum

from eidlib.apdu.command import CommandAPDU
from eidlib.card.files import APPLET_AID

#: Largest READ BINARY chunk eidlib asks for (eid-mw's ``MAX_APDU_READ_LEN``, safe on every reader).
READ_CHUNK = 252
#: READ BINARY offsets are 15 bits (P1 bit 8 must be 0).
MAX_OFFSET = 0x7FFF


class Ins(IntEnum):
    """Instruction bytes."""

    SELECT = 0xA4
    READ_BINARY = 0xB0
    VERIFY = 0x20
    CHANGE_REFERENCE_DATA = 0x24
    MSE = 0x22
    PSO = 0x2A
    INTERNAL_AUTHENTICATE = 0x88
    GET_CARD_DATA = 0xE4
    LOG_OFF = 0xE6


SELECT_APPLET = CommandAPDU(0x00, Ins.SELECT, 0x04, 0x0C, APPLET_AID)
GET_CARD_DATA = CommandAPDU(0x80, Ins.GET_CARD_DATA, 0x00, 0x00, le=0x1C)
GET_CARD_DATA_EXTENDED = CommandAPDU(0x80, Ins.GET_CARD_DATA, 0x00, 0x01, le=0x1F)
LOG_OFF = CommandAPDU(0x80, Ins.LOG_OFF, 0x00, 0x00)
#: VERIFY with Lc=0: the PIN status without costing a try.
PIN_STATUS = CommandAPDU(0x00, Ins.VERIFY, 0x00, 0x01)
#: Tag of the challenge in INTERNAL AUTHENTICATE data.
CHALLENGE_TAG = 0x94


def select_path(path: bytes) -> CommandAPDU:
    """SELECT by absolute path (``00 A4 08 0C``), path including ``3F00``."""
    return CommandAPDU(0x00, Ins.SELECT, 0x08, 0x0C, path)


def read_binary(offset: int, length: int) -> CommandAPDU:
    """READ BINARY of ``length`` (1..256) bytes at ``offset``."""
    return CommandAPDU(0x00, Ins.READ_BINARY, offset >> 8, offset & 0xFF, le=length)


def mse_set(algorithm: int, key_reference: int) -> CommandAPDU:
    """MSE:SET DST ``04 80 <algo> 84 <key>``."""
    return CommandAPDU(0x00, Ins.MSE, 0x41, 0xB6, bytes((0x04, 0x80, algorithm, 0x84, key_reference)))


#: PSO: COMPUTE DIGITAL SIGNATURE header; Lc and the data follow, no Le (the card answers ``61xx``).
PSO_HEADER = bytes((0x00, Ins.PSO, 0x9E, 0x9A))
_GET_RESPONSES = [CommandAPDU(0x00, 0xC0, 0x00, 0x00, le=n or 256) for n in range(256)]


def get_response(available: int) -> CommandAPDU:
    """GET RESPONSE for the ``xx`` of a ``61xx`` answer (``00`` = 256), built once per length."""
    return _GET_RESPONSES[available & 0xFF]


def internal_authenticate(algorithm: int, challenge: bytes) -> CommandAPDU:
    """INTERNAL AUTHENTICATE with the basic key ``81``, challenge in tag ``94``."""
    data = bytes((CHALLENGE_TAG, len(challenge))) + challenge
    return CommandAPDU(0x00, Ins.INTERNAL_AUTHENTICATE, algorithm, 0x81, data)


def verify_header() -> bytes:
    """``00 20 00 01 08``: VERIFY of PIN 01 with an 8-byte block (the block is appended by the caller)."""
    return bytes((0x00, Ins.VERIFY, 0x00, 0x01, 0x08))


def change_header() -> bytes:
    """``00 24 00 01 10``: CHANGE REFERENCE DATA with old and new blocks appended by the caller."""
    return bytes((0x00, Ins.CHANGE_REFERENCE_DATA, 0x00, 0x01, 0x10))
