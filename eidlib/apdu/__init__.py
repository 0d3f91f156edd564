"""ISO 7816-4 APDUs, status words, T=0 processing and transports. Knows nothing of BELPIC."""

from eidlib.apdu.channel import CardChannel
from eidlib.apdu.command import CommandAPDU
from eidlib.apdu.errors import (
    ApduFormatError,
    CardRemovedError,
    CardResetError,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ProtocolError,
    ReaderBusyError,
    TransportError,
    WaitTimeoutError,
)
from eidlib.apdu.replay import RecordingTransport, ReplayTransport
from eidlib.apdu.response import ResponseAPDU
from eidlib.apdu.status import SW, ApduError, describe, ins_name
from eidlib.apdu.trace import TRAFFIC, format_command, redact_command
from eidlib.apdu.transport import ControlTransport, Transport

__all__ = [
    "SW",
    "TRAFFIC",
    "ApduError",
    "ApduFormatError",
    "CardChannel",
    "CardRemovedError",
    "CardResetError",
    "CommandAPDU",
    "ControlTransport",
    "NoCardError",
    "NoReaderError",
    "PcscUnavailableError",
    "ProtocolError",
    "ReaderBusyError",
    "RecordingTransport",
    "ReplayTransport",
    "ResponseAPDU",
    "Transport",
    "TransportError",
    "WaitTimeoutError",
    "describe",
    "format_command",
    "ins_name",
    "redact_command",
]
