"""Class and instruction bytes of the commands the BELPIC applet knows (spec §3.1)."""

from __future__ import annotations

from enum import IntEnum

CLA_ISO = 0x00
CLA_PROPRIETARY = 0x80


class Ins(IntEnum):
    """Instruction bytes."""

    VERIFY = 0x20
    MSE = 0x22
    CHANGE_REFERENCE_DATA = 0x24
    PSO = 0x2A
    RESET_RETRY_COUNTER = 0x2C
    GET_CHALLENGE = 0x84
    INTERNAL_AUTHENTICATE = 0x88
    SELECT = 0xA4
    READ_BINARY = 0xB0
    READ_RECORD = 0xB2
    GET_RESPONSE = 0xC0
    GET_CARD_DATA = 0xE4
    LOG_OFF = 0xE6
