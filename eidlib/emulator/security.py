"""The cardholder PIN and the access rules of the two signing keys (spec §3.4, §4).

:class:`SecurityState` is an explicit state object the applet consults: the PIN
reference and its try counter (persistent, like EEPROM), and the session state a
reset wipes — the security environment set by MSE:SET, the "PIN once" right of
the authentication key and the one-shot "PIN just before" right of the
non-repudiation key.

Rules (spec §4.3, "mixed mode"):

* A successful VERIFY while the SE names key ``83`` is a *non-repudiation verify*:
  it allows exactly one PSO with key 83, with no other command in between on
  applet 1.7 and at most one other (not VERIFY, PSO, MSE, LOG OFF, INTERNAL
  AUTHENTICATE) on 1.8. It does not grant the "PIN once" right.
* Any other successful VERIFY grants the persistent right of key ``82``; later
  non-repudiation verifies and signatures leave it in place.
* A wrong PIN clears every right; so do reset, power-off and LOG OFF.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from eidlib.apdu.status import SW, counter_status
from eidlib.belpic.ins import Ins
from eidlib.belpic.keys import KeyReference
from eidlib.belpic.pin import PIN_TRIES, encode_pin_block, is_valid_pin_block
from eidlib.emulator.errors import EmulatorError

__all__ = ["PIN_TRIES", "SecurityEnvironment", "SecurityState", "is_valid_pin_block", "pin_block"]

#: INTERNAL AUTHENTICATE is blocked after this many uses until a successful VERIFY (RM18 §5.2).
INTERNAL_AUTH_LIMIT = 5000

#: Commands that void a pending non-repudiation verify when they come between VERIFY and PSO.
_VOIDING_INS = frozenset((Ins.VERIFY, Ins.CHANGE_REFERENCE_DATA, Ins.MSE, Ins.LOG_OFF,
                          Ins.INTERNAL_AUTHENTICATE))


@dataclass(frozen=True)
class SecurityEnvironment:
    """What MSE:SET selected: algorithm reference and key reference."""

    algorithm: int
    key: int


def pin_block(pin: str) -> bytearray:
    """The format-2 block of the card's PIN (the caller wipes it); :class:`EmulatorError` if malformed."""
    try:
        return encode_pin_block(pin)
    except ValueError:
        raise EmulatorError("the card PIN must be 4 to 12 decimal digits") from None


class SecurityState:
    """PIN counter and access rights of one card; see the module docstring for the rules."""

    def __init__(self, pin: str, *, profile: str, tries: int = PIN_TRIES,
                 empty_verify_counts: bool = False) -> None:
        self._reference = pin_block(pin)
        #: Applet 1.1: a VERIFY without a PIN block counts as a wrong PIN (RM17 §6.5 compatibility note).
        self.empty_verify_counts = empty_verify_counts
        self.max_tries = tries
        self.tries_left = tries
        #: Commands allowed between a non-repudiation VERIFY and its PSO: 0 on 1.7, 1 on 1.8.
        self.nonrep_gap = 0 if profile == "1.7" else 1
        self.se: SecurityEnvironment | None = None
        self.auth_granted = False
        #: ``None`` when no non-repudiation verify is pending, else the commands still allowed before PSO.
        self.nonrep_credit: int | None = None
        self.internal_auth_count = 0

    @property
    def blocked(self) -> bool:
        """True when the PIN try counter reached zero."""
        return self.tries_left == 0

    @property
    def nonrep_pending(self) -> bool:
        """True when a non-repudiation verify is waiting for its PSO."""
        return self.nonrep_credit is not None

    def clear_rights(self) -> None:
        """Drop every PIN-based right (wrong PIN, LOG OFF, reset)."""
        self.auth_granted = False
        self.nonrep_credit = None

    def reset(self) -> None:
        """Card reset or power cycle: rights and SE are gone; the PIN counter stays."""
        self.clear_rights()
        self.se = None

    def log_off(self) -> None:
        """LOG OFF discards the access conditions and the SE."""
        self.reset()

    def before_command(self, ins: int) -> None:
        """Account for one more command between a non-repudiation VERIFY and its PSO."""
        credit = self.nonrep_credit
        if credit is None or ins == Ins.PSO:
            return
        if credit == 0 or ins in _VOIDING_INS:
            self.nonrep_credit = None
        else:
            self.nonrep_credit = credit - 1

    def _grant(self) -> None:
        self.tries_left = self.max_tries
        self.internal_auth_count = 0
        if self.se is not None and self.se.key == KeyReference.NON_REPUDIATION:
            self.nonrep_credit = self.nonrep_gap
        else:
            self.auth_granted = True

    def _wrong_pin(self) -> int:
        self.tries_left -= 1
        self.clear_rights()
        return counter_status(self.tries_left)

    def status(self) -> int:
        """VERIFY with Lc=0: 9000 when verified, 63Cx when not, 6983 when blocked; a penalty on 1.1 only."""
        if self.blocked:
            return SW.AUTH_METHOD_BLOCKED
        if self.empty_verify_counts:
            return self._wrong_pin()
        if self.auth_granted:
            return SW.OK
        return counter_status(self.tries_left)

    def verify(self, block: bytes | bytearray | memoryview) -> int:
        """VERIFY with a PIN block; returns the status word."""
        if self.blocked:
            return SW.AUTH_METHOD_BLOCKED
        if not is_valid_pin_block(block):
            return SW.INCORRECT_DATA
        if hmac.compare_digest(block, self._reference):
            self._grant()
            return SW.OK
        return self._wrong_pin()

    def change(self, old: bytes | bytearray | memoryview, new: bytes | bytearray | memoryview) -> int:
        """CHANGE REFERENCE DATA: old block then new block; atomic."""
        if self.blocked:
            return SW.AUTH_METHOD_BLOCKED
        if not (is_valid_pin_block(old) and is_valid_pin_block(new)):
            return SW.INCORRECT_DATA
        if not hmac.compare_digest(old, self._reference):
            return self._wrong_pin()
        self._reference[:] = new
        self._grant()
        return SW.OK

    def authorize_signature(self) -> int:
        """May PSO:CDS run now? Consumes a pending non-repudiation verify; returns 9000 or the SW."""
        se = self.se
        if se is None or se.key == KeyReference.BASIC:
            self.nonrep_credit = None
            return SW.CONDITIONS_NOT_SATISFIED
        if se.key == KeyReference.AUTHENTICATION:
            self.nonrep_credit = None
            return SW.OK if self.auth_granted else SW.SECURITY_STATUS_NOT_SATISFIED
        granted = self.nonrep_credit is not None
        self.nonrep_credit = None
        return SW.OK if granted else SW.SECURITY_STATUS_NOT_SATISFIED

    def internal_auth_allowed(self) -> bool:
        """False once INTERNAL AUTHENTICATE ran :data:`INTERNAL_AUTH_LIMIT` times without a VERIFY."""
        return self.internal_auth_count < INTERNAL_AUTH_LIMIT

    def internal_auth_done(self) -> None:
        """A successful INTERNAL AUTHENTICATE counts towards the limit and clears the SE (RM18 §6.11)."""
        self.internal_auth_count += 1
        self.se = None

    def wipe(self) -> None:
        """Zero the stored PIN reference (the card object is being discarded)."""
        self._reference[:] = bytes(len(self._reference))
