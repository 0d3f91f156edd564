"""The BELPIC command APDUs (spec §3.1), built in one place from the :mod:`eidlib.belpic` tables.

Importing this module also teaches the APDU layer the BELPIC names of instructions and
status words, so traces and :class:`~eidlib.apdu.status.ApduError` messages use them.
"""

from __future__ import annotations

from eidlib.apdu import status
from eidlib.apdu.command import CommandAPDU
from eidlib.belpic import status as belpic_status
from eidlib.belpic.card_data import BASIC_LENGTH, EXTENDED_LENGTH
from eidlib.belpic.files import APPLET_AID
from eidlib.belpic.ins import CARD_DATA_EXTENDED, CLA_ISO, CLA_PROPRIETARY, INS_NAMES, MSE_SET_DST, PSO_CDS, Ins
from eidlib.belpic.keys import CHALLENGE_TAG, MSE_ALGORITHM_TAG, MSE_DATA_TAG, MSE_KEY_TAG, KeyReference
from eidlib.belpic.pin import PIN_BLOCK_LENGTH, PIN_REFERENCE

status.add_ins_names(INS_NAMES)
status.add_meanings(belpic_status.MEANINGS)

_SELECT_BY_AID = 0x04
_SELECT_BY_PATH = 0x08
_SELECT_NO_ANSWER = 0x0C

SELECT_APPLET = CommandAPDU(CLA_ISO, Ins.SELECT, _SELECT_BY_AID, _SELECT_NO_ANSWER, APPLET_AID)
GET_CARD_DATA = CommandAPDU(CLA_PROPRIETARY, Ins.GET_CARD_DATA, 0x00, 0x00, le=BASIC_LENGTH)
GET_CARD_DATA_EXTENDED = CommandAPDU(CLA_PROPRIETARY, Ins.GET_CARD_DATA, 0x00, CARD_DATA_EXTENDED, le=EXTENDED_LENGTH)
LOG_OFF = CommandAPDU(CLA_PROPRIETARY, Ins.LOG_OFF, 0x00, 0x00)
#: VERIFY with Lc=0: the PIN status without costing a try.
PIN_STATUS = CommandAPDU(CLA_ISO, Ins.VERIFY, 0x00, PIN_REFERENCE)


def select_path(path: bytes) -> CommandAPDU:
    """SELECT by absolute path (``00 A4 08 0C``), path including ``3F00``."""
    return CommandAPDU(CLA_ISO, Ins.SELECT, _SELECT_BY_PATH, _SELECT_NO_ANSWER, path)


def read_binary(offset: int, length: int) -> CommandAPDU:
    """READ BINARY of ``length`` (1..256) bytes at ``offset``."""
    return CommandAPDU(CLA_ISO, Ins.READ_BINARY, offset >> 8, offset & 0xFF, le=length)


def mse_set(algorithm: int, key_reference: int) -> CommandAPDU:
    """MSE:SET DST ``04 80 <algo> 84 <key>``."""
    data = bytes((MSE_DATA_TAG, MSE_ALGORITHM_TAG, algorithm, MSE_KEY_TAG, key_reference))
    return CommandAPDU(CLA_ISO, Ins.MSE, *MSE_SET_DST, data)


#: PSO: COMPUTE DIGITAL SIGNATURE header; Lc and the data follow, no Le (the card answers ``61xx``).
PSO_HEADER = bytes((CLA_ISO, Ins.PSO, *PSO_CDS))


def pso(payload: bytes) -> bytes:
    """PSO:CDS over ``payload``, encoded (the signing hot path sends it without re-validation)."""
    return PSO_HEADER + bytes((len(payload),)) + payload


def internal_authenticate(algorithm: int, challenge: bytes) -> CommandAPDU:
    """INTERNAL AUTHENTICATE with the basic key ``81``, challenge in tag ``94``."""
    data = bytes((CHALLENGE_TAG, len(challenge))) + challenge
    return CommandAPDU(CLA_ISO, Ins.INTERNAL_AUTHENTICATE, algorithm, KeyReference.BASIC, data)


def verify_header() -> bytes:
    """``00 20 00 01 08``: VERIFY of PIN 01 with an 8-byte block (the block is appended by the caller)."""
    return bytes((CLA_ISO, Ins.VERIFY, 0x00, PIN_REFERENCE, PIN_BLOCK_LENGTH))


def change_header() -> bytes:
    """``00 24 00 01 10``: CHANGE REFERENCE DATA with old and new blocks appended by the caller."""
    return bytes((CLA_ISO, Ins.CHANGE_REFERENCE_DATA, 0x00, PIN_REFERENCE, 2 * PIN_BLOCK_LENGTH))
