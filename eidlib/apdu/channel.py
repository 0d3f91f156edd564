"""The send path: small processors wrapped around a :class:`Transport`, assembled by :class:`CardChannel`.

Each processor does one thing and hands the command on to the one inside it:

* :class:`ResponseChaining` — ``61xx``: GET RESPONSE until the card stops chaining (bounded);
* :class:`WrongLengthResend` — ``6Cxx``: the same command once more with Le=xx, after an
  optional pause (old V1 cards need one, spec §3.2);
* :class:`TransportLink` — the wire: the transport itself (``transmit``, and ``control`` for PIN
  pads), with what went over it counted and traced (TRAFFIC log, PIN blocks redacted).

Commands travel as raw bytes (``bytes`` or, for PIN blocks, a ``bytearray`` the caller
wipes), so a pre-encoded command costs no parsing; only the rare ``6Cxx`` path parses one.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TypeVar

from eidlib.apdu.command import CommandAPDU
from eidlib.apdu.errors import ProtocolError
from eidlib.apdu.response import ResponseAPDU
from eidlib.apdu.trace import TRAFFIC, carries_pin, trace_control, trace_exchange
from eidlib.apdu.trace import logger as _trace_logger
from eidlib.apdu.transport import ControlTransport, Transport

GET_RESPONSE_INS = 0xC0
#: 61xx parts accepted for one command: 64 x 256 bytes is far beyond any BELPIC answer.
MAX_RESPONSE_PARTS = 64
_MORE_DATA = 0x61
_WRONG_LE = 0x6C

RawCommand = bytes | bytearray
P = TypeVar("P", bound="Processor")


class Link(ABC):
    """One stage of the send path: a raw command in, the raw answer (data ‖ SW1 SW2) out."""

    @abstractmethod
    def exchange(self, raw: RawCommand) -> bytes:
        """Send one command and return its answer."""

    @abstractmethod
    def control(self, code: int, data: bytes) -> bytes:
        """Send a reader control command (PIN pads) and return its answer."""


class TransportLink(Link):
    """The innermost stage, the wire: the transport, with every exchange counted and traced.

    Counting and tracing sit here rather than in processors of their own because they
    describe exactly what crossed the wire (GET RESPONSE and resends included), and the
    hot path of a signature pays for one stage instead of three.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        #: APDUs (and PIN-pad control commands) sent over the transport.
        self.apdus = 0
        #: Response bytes received over the transport.
        self.bytes_received = 0

    def exchange(self, raw: RawCommand) -> bytes:
        # A bytearray goes through as is: a PIN block is never copied into an immutable bytes.
        answer = self.transport.transmit(raw)  # type: ignore[arg-type]
        self.apdus += 1
        self.bytes_received += len(answer)
        if _trace_logger.isEnabledFor(TRAFFIC):
            trace_exchange(raw, answer)
        if len(answer) < 2:
            raise ProtocolError(f"the card answered {len(answer)} bytes, without a status word")
        return answer

    def control(self, code: int, data: bytes) -> bytes:
        if not isinstance(self.transport, ControlTransport):
            raise ProtocolError(f"{type(self.transport).__name__} cannot send reader control commands")
        answer = self.transport.control(code, data)
        self.apdus += 1  # a PIN-pad VERIFY/CHANGE is one APDU to the card
        self.bytes_received += len(answer)
        trace_control(code, data, answer)
        return answer


class Processor(Link):
    """A stage that wraps another; by default it passes everything through."""

    def __init__(self, inner: Link) -> None:
        self.inner = inner

    def exchange(self, raw: RawCommand) -> bytes:
        return self.inner.exchange(raw)

    def control(self, code: int, data: bytes) -> bytes:
        return self.inner.control(code, data)


class WrongLengthResend(Processor):
    """``6Cxx``: resend the command once with Le=xx, ``pause`` seconds later."""

    def __init__(self, inner: Link, *, pause: float = 0.0, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(inner)
        self.pause = pause
        self._sleep = sleep

    def exchange(self, raw: RawCommand) -> bytes:
        answer = self.inner.exchange(raw)
        if answer[-2] != _WRONG_LE or carries_pin(raw):
            return answer  # a PIN block is never re-encoded (copied) for a resend
        if self.pause:
            self._sleep(self.pause)
        again = CommandAPDU.from_bytes(bytes(raw)).with_le(answer[-1] or 256).to_bytes()
        answer = self.inner.exchange(again)
        if answer[-2] == _WRONG_LE:
            raise ProtocolError(f"card answered 6C{answer[-1]:02X} twice for the same command")
        return answer


class ResponseChaining(Processor):
    """``61xx``: GET RESPONSE with Le=xx until the card stops chaining; the parts are joined."""

    def __init__(self, inner: Link, *, max_parts: int = MAX_RESPONSE_PARTS) -> None:
        super().__init__(inner)
        self.max_parts = max_parts

    def exchange(self, raw: RawCommand) -> bytes:
        answer = self.inner.exchange(raw)
        if answer[-2] != _MORE_DATA:
            return answer
        channel_bits = raw[0] & 0x03
        parts = [answer[:-2]]
        for _ in range(self.max_parts):
            answer = self.inner.exchange(bytes((channel_bits, GET_RESPONSE_INS, 0, 0, answer[-1])))
            parts.append(answer[:-2])
            if answer[-2] != _MORE_DATA:
                parts.append(answer[-2:])
                return b"".join(parts)
        raise ProtocolError(f"card kept answering 61xx after {self.max_parts} GET RESPONSE commands")


class CardChannel:
    """The send path of one card session: chaining → 6Cxx resend → the wire (count, trace, transport).

    * ``61xx``: GET RESPONSE with Le=xx, repeated until the card stops chaining;
      the parts are concatenated.
    * ``6Cxx``: the same command is sent again once with Le=xx, after
      ``wrong_le_delay`` seconds (old V1 cards need a pause, spec §3.2).
    * A card that never stops chaining raises :class:`ProtocolError` instead of hanging.

    ``apdu_count`` counts what went over the transport, for benchmarks and tests.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        wrong_le_delay: float = 0.0,
        max_parts: int = MAX_RESPONSE_PARTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = transport
        self._wire = TransportLink(transport)
        self._resend = WrongLengthResend(self._wire, pause=wrong_le_delay, sleep=sleep)
        self._chaining = ResponseChaining(self._resend, max_parts=max_parts)
        self._link: Link = self._chaining

    @property
    def wrong_le_delay(self) -> float:
        """Seconds to wait before a ``6Cxx`` resend."""
        return self._resend.pause

    @wrong_le_delay.setter
    def wrong_le_delay(self, seconds: float) -> None:
        self._resend.pause = seconds

    @property
    def max_parts(self) -> int:
        """GET RESPONSE commands accepted for one command."""
        return self._chaining.max_parts

    @property
    def apdu_count(self) -> int:
        """APDUs sent over the transport (GET RESPONSE, resends and PIN-pad commands included)."""
        return self._wire.apdus

    @property
    def bytes_received(self) -> int:
        """Response bytes received over the transport."""
        return self._wire.bytes_received

    def wrap(self, wrapper: Callable[[Link], P]) -> P:
        """Put one more processor around the send path (a card or middleware quirk); returns it."""
        processor = wrapper(self._link)
        self._link = processor
        return processor

    def transmit(self, command: CommandAPDU) -> ResponseAPDU:
        """Send ``command`` and return the complete response, chained parts joined."""
        return ResponseAPDU.from_bytes(self._link.exchange(command.to_bytes()))

    def exchange(self, raw: bytes) -> bytes:
        """Send a command already encoded; the raw answer (data ‖ SW1 SW2), chained parts joined.

        The signing hot path reads the status word off the end and builds no response object.
        """
        return self._link.exchange(raw)

    def transmit_raw(self, raw: bytes) -> ResponseAPDU:
        """Like :meth:`transmit` for a command already encoded (hot paths build it once)."""
        return ResponseAPDU.from_bytes(self._link.exchange(raw))

    def transmit_secret(self, raw: bytearray) -> ResponseAPDU:
        """Send a command carrying a PIN block, then wipe ``raw`` (also when sending fails)."""
        try:
            return ResponseAPDU.from_bytes(self._link.exchange(raw))
        finally:
            raw[:] = bytes(len(raw))

    def control(self, code: int, data: bytes) -> bytes:
        """A reader control command (PIN-pad VERIFY/MODIFY), counted and traced like an APDU."""
        return self._link.control(code, data)

    def send(self, command: CommandAPDU) -> bytes:
        """Transmit and return the data, raising :class:`~eidlib.apdu.status.ApduError` unless 9000."""
        return self.transmit(command).check(command.ins)
