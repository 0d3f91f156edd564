"""Class and instruction bytes of the BELPIC applet (spec §3.1), one table for host, card and traces."""

from __future__ import annotations

from enum import IntEnum

#: CLA of the ISO 7816-4 commands.
CLA_ISO = 0x00
#: CLA of the proprietary commands (GET CARD DATA, LOG OFF).
CLA_PROPRIETARY = 0x80


class Ins(IntEnum):
    """Instruction bytes; :attr:`label` is the name traces and error messages show."""

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

    @property
    def label(self) -> str:
        """``"READ BINARY"``, ``"MSE:SET"``, ``"PSO:CDS"``..."""
        return _LABELS.get(self, self.name.replace("_", " "))


_LABELS = {Ins.MSE: "MSE:SET", Ins.PSO: "PSO:CDS"}

#: Instruction byte → label, for the APDU layer's name table.
INS_NAMES: dict[int, str] = {int(ins): ins.label for ins in Ins}

#: P1-P2 of MSE:SET for a digital signature template.
MSE_SET_DST = (0x41, 0xB6)
#: P1-P2 of PSO: COMPUTE DIGITAL SIGNATURE.
PSO_CDS = (0x9E, 0x9A)
#: P2 of GET CARD DATA for the 1.8 extended answer (with the PIN tries).
CARD_DATA_EXTENDED = 0x01
