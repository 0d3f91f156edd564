"""Fault injection for the virtual card: removal, a mute card, forced status words, damaged files.

A :class:`Faults` object is attached to every card as ``card.faults``. The card
consults it for each APDU; transports consult :attr:`Faults.removed` and
:attr:`Faults.mute` to raise the errors a real reader would give
(``CardRemovedError``, a protocol time-out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.filesystem import FileSystem, parse_image_path


@dataclass
class ForcedStatus:
    """Answer ``sw`` instead of running a command with instruction ``ins``."""

    ins: int
    sw: int
    times: int | None  # None: always


class Faults:
    """The faults currently armed on one card. All of them are off after construction."""

    def __init__(self, filesystem: FileSystem) -> None:
        self._fs = filesystem
        self.removed = False
        self.mute = False
        #: How many times the card was pulled out; a transport compares it to notice a swap.
        self.removals = 0
        self._remove_countdown: int | None = None
        self._mute_countdown: int | None = None
        self._forced: dict[int, ForcedStatus] = {}
        #: (APDUs still to answer normally, the raw answer the next one gets instead).
        self._replacement: tuple[int, bytes] | None = None

    @property
    def armed(self) -> bool:
        """True when a per-APDU fault is pending (the card's fast path skips the checks otherwise)."""
        return (bool(self._forced) or self._remove_countdown is not None or self._mute_countdown is not None
                or self._replacement is not None)

    def remove_after(self, apdus: int = 0) -> None:
        """The card answers ``apdus`` more APDUs, then is pulled out of the reader."""
        if apdus < 0:
            raise EmulatorError("the APDU count must be >= 0")
        self._remove_countdown = apdus
        if apdus == 0:
            self._pull_out()

    def _pull_out(self) -> None:
        self._remove_countdown = None
        if not self.removed:
            self.removed = True
            self.removals += 1

    def insert(self) -> None:
        """Put a removed card back (it is unpowered until the next connect)."""
        self.removed = False
        self._remove_countdown = None

    def mute_after(self, apdus: int = 0) -> None:
        """The card answers ``apdus`` more APDUs, then stops answering (until :meth:`unmute`)."""
        if apdus < 0:
            raise EmulatorError("the APDU count must be >= 0")
        self._mute_countdown = apdus
        if apdus == 0:
            self._mute_countdown = None
            self.mute = True

    def unmute(self) -> None:
        """The card answers again."""
        self.mute = False
        self._mute_countdown = None

    def answer_sw(self, ins: int, sw: int, *, times: int | None = 1) -> None:
        """Answer ``sw`` to the next ``times`` commands with instruction ``ins`` (``None``: always).

        The command is not executed: no PIN try is used, no state changes.
        """
        if not (0 <= ins <= 0xFF and 0 <= sw <= 0xFFFF):
            raise EmulatorError("ins must be a byte and sw a 16-bit status word")
        if times is not None and times < 1:
            raise EmulatorError("times must be >= 1 or None")
        self._forced[ins] = ForcedStatus(ins, sw, times)

    def answer_at(self, apdus: int, answer: bytes) -> None:
        """After ``apdus`` more APDUs, answer the next one with the raw ``answer`` instead of running it.

        ``answer`` is data followed by a status word, any bytes at all (a garbled or wrong
        answer: ``6B00`` in the middle of a file, ``9000`` without data, a cut signature...).
        """
        if apdus < 0 or len(answer) < 2:
            raise EmulatorError("the APDU count must be >= 0 and the answer needs a status word")
        self._replacement = (apdus, bytes(answer))

    def replacement(self) -> bytes | None:
        """The raw answer that replaces this APDU's, if one is due (consumes it)."""
        pending = self._replacement
        if pending is None:
            return None
        countdown, answer = pending
        if countdown:
            self._replacement = (countdown - 1, answer)
            return None
        self._replacement = None
        return answer

    def corrupt_file(self, path: str, *, flip: Iterable[int] = (0,), truncate: int | None = None) -> None:
        """Damage an EF: XOR ``0xFF`` into the bytes at offsets ``flip``, then cut it to ``truncate`` bytes.

        ``path`` is the full path in hex, as in :class:`~eidlib.emulator.image.CardImage`
        (``"3F00DF014031"``). Corruption lasts until :meth:`clear` (it is EEPROM damage).
        """
        df, fid = parse_image_path(path)
        content = bytearray(self._fs.content(df, fid))
        for offset in flip:
            if not 0 <= offset < len(content):
                raise EmulatorError(f"offset {offset} is outside {path} ({len(content)} bytes)")
            content[offset] ^= 0xFF
        if truncate is not None:
            if truncate < 0:
                raise EmulatorError("truncate must be >= 0")
            del content[truncate:]
        self._fs.replace(df, fid, bytes(content))

    def clear(self) -> None:
        """Disarm every fault and restore every file."""
        self.removed = False
        self.mute = False
        self._remove_countdown = None
        self._mute_countdown = None
        self._forced.clear()
        self._replacement = None
        self._fs.restore()

    def forced_status(self, ins: int) -> int | None:
        """The status word forced for this command, if any (consumes one use)."""
        forced = self._forced.get(ins)
        if forced is None:
            return None
        if forced.times is not None:
            forced.times -= 1
            if forced.times == 0:
                del self._forced[ins]
        return forced.sw

    def after_apdu(self) -> None:
        """Count one answered APDU towards a pending removal or silence."""
        if self._remove_countdown is not None:
            self._remove_countdown -= 1
            if self._remove_countdown <= 0:
                self._pull_out()
        if self._mute_countdown is not None:
            self._mute_countdown -= 1
            if self._mute_countdown <= 0:
                self._mute_countdown = None
                self.mute = True
