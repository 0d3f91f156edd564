"""Status words with a BELPIC or PIN-pad meaning, on top of the ISO 7816-4 ones (spec §3.9, §8.4).

The PIN-pad words come from the reader (PC/SC part 10), not from the card; the APDU
layer only knows ISO 7816, so the card layer adds :data:`MEANINGS` to its table.
"""

from __future__ import annotations

from enum import IntEnum


class BelpicSW(IntEnum):
    """Status words outside ISO 7816-4, or with a meaning of their own on a BELPIC card."""

    PINPAD_TIMEOUT = 0x6400
    PINPAD_CANCELLED = 0x6401
    PINPAD_PINS_DIFFER = 0x6402
    PINPAD_WRONG_LENGTH = 0x6403
    PINPAD_INVALID_PARAMETER = 0x6B80
    FORBIDDEN_LOGICAL_CHANNEL = 0x6999
    #: ISO "instruction not supported"; a BELPIC applet answers it to everything before activation.
    NOT_ACTIVATED = 0x6D00


#: Status word → meaning, for messages and traces (overrides the plain ISO text where BELPIC says more).
MEANINGS: dict[int, str] = {
    BelpicSW.PINPAD_TIMEOUT: "no precise diagnosis (PIN pad: timeout)",
    BelpicSW.PINPAD_CANCELLED: "cancelled on the PIN pad",
    BelpicSW.PINPAD_PINS_DIFFER: "the new PINs entered on the PIN pad differ",
    BelpicSW.PINPAD_WRONG_LENGTH: "wrong PIN length or format on the PIN pad",
    BelpicSW.PINPAD_INVALID_PARAMETER: "invalid parameter (PIN pad)",
    BelpicSW.FORBIDDEN_LOGICAL_CHANNEL: "forbidden logical channel",
    BelpicSW.NOT_ACTIVATED: "instruction not available (unknown, or card not activated)",
}
