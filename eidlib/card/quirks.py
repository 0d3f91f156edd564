"""Card and middleware quirks as processors on the session's send path (one wrapper each).

* :class:`SelectBeforeMse` — eid-mw selects DF00 before MSE:SET; done once, not before
  every signature.
* :class:`SecurityEnvironment` — follows the security environment the card holds (what the
  last MSE:SET set, whether a PSO has used it yet) and, configured with ``auth_mse``, sets
  the authentication SE before a PIN command that does not follow its own MSE: another
  application (OpenSC) may have left key 83 selected, and a VERIFY under it would be a
  non-repudiation verify, not "PIN once" (spec §4.3). A PIN-pad command counts as the VERIFY or
  CHANGE it makes the reader send, whether it goes through SCardControl or as a PPDU
  (``FF C2 01 06|07 ..`` through SCardTransmit).

Both watch the commands that go by, so the session needs no flags for them; a removal or
any failure on the way resets what they know.
"""

from __future__ import annotations

from eidlib.apdu.channel import Link, Processor, RawCommand
from eidlib.belpic.files import DF_BELPIC
from eidlib.belpic.ins import Ins
from eidlib.card.pinpad import PPDU_INS, ppdu_pin_instruction

_OK = b"\x90\x00"
_SELECT_BY_PATH = 0x08
_SELECT_BY_AID = 0x04
#: Offsets in ``00 22 41 B6 05 04 80 <algorithm> 84 <key>``.
_MSE_ALGORITHM = 7
_MSE_KEY = 9


# Plain ints: the hot path compares every command's INS with them.
_MSE, _SELECT, _VERIFY, _CHANGE = int(Ins.MSE), int(Ins.SELECT), int(Ins.VERIFY), int(Ins.CHANGE_REFERENCE_DATA)
_PSO, _LOG_OFF, _INTERNAL_AUTHENTICATE = int(Ins.PSO), int(Ins.LOG_OFF), int(Ins.INTERNAL_AUTHENTICATE)
#: Commands before which the authentication SE may have to be restored.
_PIN_INS = frozenset((_VERIFY, _CHANGE, PPDU_INS))
#: Commands that change what the SE tracker knows.
_SE_INS = frozenset((_MSE, _PSO, _LOG_OFF, _INTERNAL_AUTHENTICATE, _SELECT))


class SelectBeforeMse(Processor):
    """Selects DF(BELPIC) before an MSE:SET unless it is the current DF already."""

    def __init__(self, inner: Link) -> None:
        super().__init__(inner)
        self.current_df: bytes | None = None

    def exchange(self, raw: RawCommand) -> bytes:
        ins = raw[1] if len(raw) > 1 else -1
        if ins != _MSE and ins != _SELECT:
            return self.inner.exchange(raw)  # neither needs nor changes the current DF
        try:
            if ins == _MSE and self.current_df != DF_BELPIC:
                select = bytes((0x00, Ins.SELECT, _SELECT_BY_PATH, 0x0C, len(DF_BELPIC))) + DF_BELPIC
                if self.inner.exchange(select)[-2:] == _OK:
                    self.current_df = DF_BELPIC
            answer = self.inner.exchange(raw)
        except BaseException:
            self.current_df = None
            raise
        if ins == _SELECT:
            self._selected(raw, answer[-2:] == _OK)
        return answer

    def _selected(self, raw: RawCommand, ok: bool) -> None:
        if ok and raw[2] == _SELECT_BY_PATH and len(raw) >= 9:
            self.current_df = bytes(raw[5:9])
        else:
            self.current_df = None  # the applet (MF) or a failed selection: no known DF


class SecurityEnvironment(Processor):
    """Tracks the card's SE; with ``auth_mse`` set, restores the authentication SE before a PIN command.

    ``key`` is the key reference the SE names (``None`` when unknown or cleared), ``armed``
    the ``(algorithm, key)`` of an MSE no PSO has used yet (MSE → VERIFY → PSO needs one MSE).
    """

    def __init__(self, inner: Link, *, auth_key: int) -> None:
        super().__init__(inner)
        self.auth_key = auth_key
        #: The encoded MSE:SET of the authentication key, once the applet is known.
        self.auth_mse: bytes | None = None
        self.key: int | None = None
        self.armed: tuple[int, int] | None = None
        self._after_mse = False

    def reset(self) -> None:
        """Forget the SE (new applet session, removal, LOG OFF)."""
        self.key = None
        self.armed = None
        self._after_mse = False

    def exchange(self, raw: RawCommand) -> bytes:
        ins = raw[1] if len(raw) > 1 else -1
        try:
            if ins in _PIN_INS and (self._needs_auth_environment(ins, len(raw)) or (
                    ins == PPDU_INS and self._ppdu_needs_auth_environment(raw))):
                self._send_auth_mse()
            answer = self.inner.exchange(raw)
        except BaseException:
            self.reset()
            raise
        if ins in _SE_INS:
            self._observe(raw, ins, answer[-2:] == _OK)
        else:
            self._after_mse = False  # the next VERIFY no longer follows its own MSE
        return answer

    def control(self, code: int, data: bytes) -> bytes:
        # A PIN-pad VERIFY/MODIFY goes to the card like a VERIFY: same rule before it.
        try:
            if self._needs_auth_environment(Ins.VERIFY, len(data)):
                self._send_auth_mse()
            answer = self.inner.control(code, data)
        except BaseException:
            self.reset()
            raise
        self._after_mse = False
        return answer

    def _needs_auth_environment(self, ins: int, length: int) -> bool:
        if ins != Ins.VERIFY and ins != Ins.CHANGE_REFERENCE_DATA:
            return False  # the common case, decided first
        carries_pin = length > 5 or ins == Ins.CHANGE_REFERENCE_DATA
        return carries_pin and self.auth_mse is not None and not self._after_mse and self.key != self.auth_key

    def _ppdu_needs_auth_environment(self, raw: RawCommand) -> bool:
        # A PPDU PIN-pad command (PIN_VERIFY/PIN_MODIFY structure in FF C2 01 ..) is a VERIFY/CHANGE
        # to the card: the same rule as before one sent through SCardControl.
        pin_ins = ppdu_pin_instruction(raw)
        return pin_ins is not None and self._needs_auth_environment(pin_ins, len(raw))

    def _send_auth_mse(self) -> None:
        assert self.auth_mse is not None
        answer = self.inner.exchange(self.auth_mse)
        self._observe(self.auth_mse, Ins.MSE, answer[-2:] == _OK)

    def _observe(self, raw: RawCommand, ins: int, ok: bool) -> None:
        self._after_mse = False
        if ins == Ins.MSE:
            if ok and len(raw) > _MSE_KEY:
                self.key = raw[_MSE_KEY]
                self.armed = (raw[_MSE_ALGORITHM], raw[_MSE_KEY])
                self._after_mse = True
            else:
                self.reset()  # a refused MSE leaves no environment (the card fails closed)
        elif ins == Ins.PSO:
            self.armed = None  # every PSO gets an MSE of its own
        elif ins == Ins.LOG_OFF or (ins == Ins.INTERNAL_AUTHENTICATE and ok):
            self.reset()  # both clear the SE on the card (spec §3.8)
        elif ins == Ins.SELECT and raw[2] == _SELECT_BY_AID:
            self.reset()  # selecting the applet starts a new applet session
