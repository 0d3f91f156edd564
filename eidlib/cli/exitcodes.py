"""The exit statuses of ``eid`` (documented in ``docs/cli-json.md``; scripts may rely on them)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What an ``eid`` exit status means."""

    OK = 0
    #: An error not in another class below.
    ERROR = 1
    #: Wrong command line (unknown option, conflicting options).
    USAGE = 2
    #: The command ran, and its verdict is negative: integrity or chain not valid, revoked, diagnose problem.
    INVALID = 3
    #: No pcscd, no reader, no card, card removed, reader in exclusive use, nothing arrived in time.
    NO_CARD = 4
    #: PIN not accepted: wrong, blocked, badly formed, cancelled, last try refused.
    PIN = 5
    #: The card cannot do it: not a Belgian eID, not activated, key absent, not supported.
    CARD = 6
    #: An input file cannot be read or an output path cannot be written.
    FILE = 7
    #: Ctrl-C.
    INTERRUPTED = 130
    #: The reader of the output went away (``eid read | head``).
    BROKEN_PIPE = 141
