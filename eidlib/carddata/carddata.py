"""GET CARD DATA answers (spec §3.7): ``80 E4 00 00 1C`` and, on applet 1.8, ``80 E4 00 01 1F``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eidlib.belpic.applet import Version
from eidlib.belpic.card_data import BASIC_LENGTH, EXTENDED_LENGTH, NO_PIN_TRIES, PIN_TRIES_OFFSET, LifeCycle
from eidlib.carddata.errors import CardDataError


@dataclass(frozen=True)
class CardData:
    """The fields of GET CARD DATA. ``pin_tries_left`` is only known from the 1.8 extended answer."""

    serial_number: bytes
    component_code: int
    os_number: int
    os_version: int
    softmask_number: int
    softmask_version: int
    #: Prints as ``1.8``; compares equal to the version byte (``0x18``) as well.
    applet_version: Version
    global_os_version: int
    applet_interface_version: int
    pkcs1_support: int
    key_exchange_version: int
    applet_life_cycle: int
    pin_tries_left: int | None = None
    raw: bytes = field(default=b"", repr=False)

    @classmethod
    def parse(cls, raw: bytes) -> CardData:
        """Parse a 28-byte answer, or a 31-byte 1.8 extended answer (PIN tries in byte 28)."""
        data = bytes(raw)
        if len(data) not in (BASIC_LENGTH, EXTENDED_LENGTH):
            raise CardDataError(f"GET CARD DATA answer must be 28 or 31 bytes, got {len(data)}")
        tries = None
        if len(data) == EXTENDED_LENGTH and data[PIN_TRIES_OFFSET] != NO_PIN_TRIES:
            tries = data[PIN_TRIES_OFFSET]
        return cls(
            serial_number=data[0:16],
            component_code=data[16],
            os_number=data[17],
            os_version=data[18],
            softmask_number=data[19],
            softmask_version=data[20],
            applet_version=Version(data[21]),
            global_os_version=int.from_bytes(data[22:24], "big"),
            applet_interface_version=data[24],
            pkcs1_support=data[25],
            key_exchange_version=data[26],
            applet_life_cycle=data[27],
            pin_tries_left=tries,
            raw=data,
        )

    @property
    def serial_hex(self) -> str:
        """The 16-byte serial as upper-case hex (32 characters)."""
        return self.serial_number.hex().upper()

    @property
    def token_serial(self) -> str:
        """The PKCS#11 token serial: the last 16 hex characters of the serial (spec §7.1)."""
        return self.serial_hex[-16:]

    @property
    def chip_manufacturer(self) -> int:
        """Bytes 2-3 of the serial."""
        return int.from_bytes(self.serial_number[2:4], "big")

    @property
    def applet_version_text(self) -> str:
        """``"1.7"`` for ``0x17``, ``"1.8"`` for ``0x18``."""
        return str(self.applet_version)

    @property
    def activated(self) -> bool:
        """True when the applet life cycle is "personalised" (``0F``)."""
        return self.applet_life_cycle == LifeCycle.PERSONALISED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields keyed by the eid-mw ``carddata_*`` labels (spec §7.2)."""
        return {
            "carddata_serialnumber": self.serial_hex,
            "carddata_comp_code": self.component_code,
            "carddata_os_number": self.os_number,
            "carddata_os_version": self.os_version,
            "carddata_soft_mask_number": self.softmask_number,
            "carddata_soft_mask_version": self.softmask_version,
            "carddata_appl_version": self.applet_version_text,
            "carddata_glob_os_version": self.global_os_version,
            "carddata_appl_int_version": self.applet_interface_version,
            "carddata_pkcs1_support": self.pkcs1_support,
            "carddata_key_exchange_version": self.key_exchange_version,
            "carddata_appl_lifecycle": self.applet_life_cycle,
            "carddata_pin_counter": self.pin_tries_left,
            "activated": self.activated,
        }
