"""Response APDUs: data followed by SW1 SW2."""

from __future__ import annotations

from dataclasses import dataclass

from eidlib.apdu.errors import ApduFormatError
from eidlib.apdu.status import SW, ApduError


@dataclass(frozen=True)
class ResponseAPDU:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW.OK

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseAPDU:
        raw = bytes(raw)
        if len(raw) < 2:
            raise ApduFormatError(f"response APDU needs at least SW1 SW2, got {len(raw)} bytes")
        return cls(raw[:-2], raw[-2], raw[-1])

    def to_bytes(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))

    def check(self, ins: int | None = None) -> bytes:
        """Return the data, or raise :class:`ApduError` when the status is not 9000."""
        if self.sw != SW.OK:
            raise ApduError(self.sw, self.data, ins)
        return self.data
