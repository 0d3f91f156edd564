"""ISO 7816-4 command APDUs: the four cases, short and extended encodings."""

from __future__ import annotations

from dataclasses import dataclass, field

from eidlib.apdu.errors import ApduFormatError

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LC = 65535
EXTENDED_MAX_LE = 65536


@dataclass(frozen=True)
class CommandAPDU:
    """A command APDU.

    ``le`` is the number of response bytes expected (Ne): ``None`` when absent,
    1..256 in short form, 1..65536 in extended form. ``extended`` forces the
    encoding; ``None`` picks short whenever the data and Le fit.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    extended: bool | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 0xFF:
                raise ApduFormatError(f"{name} must be a byte, got {value!r}")
        if not isinstance(self.data, (bytes, bytearray, memoryview)):
            raise ApduFormatError("data must be bytes")
        object.__setattr__(self, "data", bytes(self.data))
        if len(self.data) > EXTENDED_MAX_LC:
            raise ApduFormatError(f"data too long for any APDU: {len(self.data)} bytes")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise ApduFormatError(f"Le must be 1..65536 or None, got {self.le}")
        if self.extended is False and not self._fits_short():
            raise ApduFormatError("data or Le too large for a short APDU")

    def _fits_short(self) -> bool:
        return len(self.data) <= SHORT_MAX_LC and (self.le is None or self.le <= SHORT_MAX_LE)

    @property
    def is_extended(self) -> bool:
        """True when this command encodes in extended form."""
        if self.extended is not None:
            return self.extended
        return not self._fits_short()

    @property
    def case(self) -> int:
        """ISO 7816-3 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le)."""
        return 1 + (self.le is not None) + 2 * bool(self.data)

    def with_le(self, le: int | None) -> CommandAPDU:
        """The same command with another Le (used for 6Cxx retries)."""
        return CommandAPDU(self.cla, self.ins, self.p1, self.p2, self.data, le, self.extended)

    def to_bytes(self) -> bytes:
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        lc, le = len(self.data), self.le
        if not self.is_extended:
            body = b""
            if lc:
                body += bytes((lc,)) + self.data
            if le is not None:
                body += bytes((le & 0xFF,))
            return header + body
        body = b"\x00"
        if lc:
            body += lc.to_bytes(2, "big") + self.data
        if le is not None:
            body += (le & 0xFFFF).to_bytes(2, "big")
        if not lc and le is None:
            return header
        return header + body

    @classmethod
    def from_bytes(cls, raw: bytes) -> CommandAPDU:
        """Parse a command APDU; anything malformed raises :class:`ApduFormatError`."""
        raw = bytes(raw)
        n = len(raw)
        if n < 4:
            raise ApduFormatError(f"command APDU shorter than its header: {n} bytes")
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        if n == 4:
            return cls(cla, ins, p1, p2)
        if n == 5:
            return cls(cla, ins, p1, p2, le=raw[4] or SHORT_MAX_LE, extended=False)
        if raw[4] != 0:
            lc = raw[4]
            if n == 5 + lc:
                return cls(cla, ins, p1, p2, raw[5:], extended=False)
            if n == 6 + lc:
                return cls(cla, ins, p1, p2, raw[5 : 5 + lc], raw[-1] or SHORT_MAX_LE, extended=False)
            raise ApduFormatError(f"short APDU: Lc={lc} does not match {n - 5} body bytes")
        if n == 6:
            raise ApduFormatError("6-byte APDU with a zero length byte is not a valid case")
        if n == 7:
            return cls(cla, ins, p1, p2, le=int.from_bytes(raw[5:7], "big") or EXTENDED_MAX_LE,
                       extended=True)
        lc = int.from_bytes(raw[5:7], "big")
        if lc == 0:
            raise ApduFormatError("extended APDU with Lc=0 and a body")
        if n == 7 + lc:
            return cls(cla, ins, p1, p2, raw[7:], extended=True)
        if n == 9 + lc:
            le = int.from_bytes(raw[-2:], "big") or EXTENDED_MAX_LE
            return cls(cla, ins, p1, p2, raw[7 : 7 + lc], le, extended=True)
        raise ApduFormatError(f"extended APDU: Lc={lc} does not match {n - 7} body bytes")

    def __bytes__(self) -> bytes:
        return self.to_bytes()
