"""T=0 response handling on top of a :class:`Transport`: ``61xx`` chaining and ``6Cxx`` retries."""

from __future__ import annotations

import time
from collections.abc import Callable

from eidlib.apdu.command import CommandAPDU
from eidlib.apdu.errors import ProtocolError
from eidlib.apdu.response import ResponseAPDU
from eidlib.apdu.trace import trace_exchange
from eidlib.apdu.transport import Transport

GET_RESPONSE_INS = 0xC0
#: 61xx parts accepted for one command: 64 x 256 bytes is far beyond any BELPIC answer.
MAX_RESPONSE_PARTS = 64


class CardChannel:
    """Sends commands and applies the T=0 rules a BELPIC card needs.

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
        self.wrong_le_delay = wrong_le_delay
        self.max_parts = max_parts
        self._sleep = sleep
        self.apdu_count = 0
        self.bytes_received = 0

    def _exchange(self, command: CommandAPDU) -> ResponseAPDU:
        raw = command.to_bytes()
        answer = self.transport.transmit(raw)
        self.apdu_count += 1
        self.bytes_received += len(answer)
        trace_exchange(raw, answer)
        return ResponseAPDU.from_bytes(answer)

    def _with_wrong_le_retry(self, command: CommandAPDU) -> ResponseAPDU:
        response = self._exchange(command)
        if response.sw1 == 0x6C:
            if self.wrong_le_delay:
                self._sleep(self.wrong_le_delay)
            response = self._exchange(command.with_le(response.sw2 or 256))
            if response.sw1 == 0x6C:
                raise ProtocolError(f"card answered 6C{response.sw2:02X} twice for the same command")
        return response

    def transmit(self, command: CommandAPDU) -> ResponseAPDU:
        """Send ``command`` and return the complete response, chained parts joined."""
        response = self._with_wrong_le_retry(command)
        if response.sw1 != 0x61:
            return response
        parts = [response.data]
        for _ in range(self.max_parts):
            get_response = CommandAPDU(command.cla & 0x03, GET_RESPONSE_INS, 0, 0, le=response.sw2 or 256)
            response = self._with_wrong_le_retry(get_response)
            parts.append(response.data)
            if response.sw1 != 0x61:
                return ResponseAPDU(b"".join(parts), response.sw1, response.sw2)
        raise ProtocolError(f"card kept answering 61xx after {self.max_parts} GET RESPONSE commands")

    def send(self, command: CommandAPDU) -> bytes:
        """Transmit and return the data, raising :class:`~eidlib.apdu.status.ApduError` unless 9000."""
        return self.transmit(command).check(command.ins)
