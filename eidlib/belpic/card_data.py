"""Layout of the GET CARD DATA answer (spec §3.7): lengths, byte positions, life cycle."""

from __future__ import annotations

from enum import IntEnum

#: ``80 E4 00 00 1C``: the basic answer.
BASIC_LENGTH = 28
#: ``80 E4 00 01 1F`` (1.8 only): basic answer, PIN tries, two RFU bytes.
EXTENDED_LENGTH = 31
SERIAL_LENGTH = 16
APPLET_VERSION_OFFSET = 21
#: Bytes 22-23, the global OS version; ``00 01`` makes eid-mw pause before a 6Cxx resend.
GLOBAL_OS_VERSION_OFFSET = 22
LIFE_CYCLE_OFFSET = 27
PIN_TRIES_OFFSET = 28
#: Byte 28 when the card does not give the PIN tries.
NO_PIN_TRIES = 0xFF


class LifeCycle(IntEnum):
    """Applet life cycle (byte 27)."""

    NOT_ISSUED = 0x07
    PERSONALISED = 0x0F


class AppletVersion(IntEnum):
    """Byte 21 of the answer."""

    V17 = 0x17
    V18 = 0x18
