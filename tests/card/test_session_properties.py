"""Protocol invariants of the session under random operation sequences, and PIN-free traces."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from eidlib.apdu.replay import RecordingTransport
from eidlib.apdu.trace import TRAFFIC
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from eidlib.token.errors import PinBlocked, PinRequired, WrongPin
from tests.card.virtual_cards import PIN, virtual_card

WRONG = "9999"


class SessionMachine(RuleBasedStateMachine):
    """A model of the PIN counter and the "PIN once" right, checked against the card after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.vc = virtual_card("1.8")
        self.recorder = RecordingTransport(VirtualTransport(self.vc))
        self.card = BeidCard(self.recorder).open()
        self.tries = 3
        self.auth_right = False

    def teardown(self) -> None:
        self.card.close()

    def _sent_since(self, start: int) -> list[int]:
        return [c[1] for c, _ in self.recorder.exchanges[start:]]

    def _pin_outcome(self, pin: str) -> None:
        """Update the model for one VERIFY with ``pin``."""
        if self.tries == 0:
            return
        if pin == PIN:
            self.tries = 3
        else:
            self.tries -= 1
            self.auth_right = False

    @rule(correct=st.booleans())
    def verify(self, correct: bool) -> None:
        pin = PIN if correct else WRONG
        blocked = self.tries == 0
        try:
            self.card.verify_pin(pin)
            assert correct and not blocked
            self.auth_right = True
        except WrongPin as exc:
            assert not correct and exc.tries_left == self.tries - 1
        except PinBlocked:
            assert blocked or self.tries == 1
        self._pin_outcome(pin)

    @rule(with_pin=st.sampled_from([None, PIN, WRONG]))
    def sign_authentication(self, with_pin: str | None) -> None:
        start = len(self.recorder.exchanges)
        try:
            signature = self.card.sign(b"auth", pin=with_pin)
            assert len(signature) == 96
            assert self.tries > 0 and (self.auth_right or with_pin == PIN)
            self.auth_right = True
        except PinRequired:
            assert with_pin is None and not self.auth_right
        except (WrongPin, PinBlocked):
            assert with_pin is not None
        sent = self._sent_since(start)
        assert sent.count(0x20) <= 1  # never a second VERIFY
        if self.auth_right and with_pin is None:
            # MSE + PSO + GET RESPONSE; the MSE may already have been sent just before VERIFY.
            assert [i for i in sent if i != 0xA4] in ([0x22, 0x2A, 0xC0], [0x2A, 0xC0])
        if 0x20 in sent:
            self._pin_outcome(with_pin or "")

    @rule(with_pin=st.sampled_from([PIN, WRONG]))
    def sign_non_repudiation(self, with_pin: str) -> None:
        start = len(self.recorder.exchanges)
        try:
            assert len(self.card.sign(b"contract", key="signature", pin=with_pin)) == 96
            assert with_pin == PIN and self.tries > 0
        except (WrongPin, PinBlocked):
            assert with_pin == WRONG or self.tries == 0
        sent = [i for i in self._sent_since(start) if i != 0xA4]
        assert sent[:2] == [0x22, 0x20] and sent.count(0x20) == 1
        if 0x2A in sent:
            assert sent == [0x22, 0x20, 0x2A, 0xC0]  # nothing between VERIFY and PSO
        self._pin_outcome(with_pin)

    @rule()
    def log_off(self) -> None:
        self.card.log_off()
        self.auth_right = False

    @precondition(lambda self: self.tries > 0)
    @rule()
    def tries_are_free(self) -> None:
        assert self.card.pin_tries_left() == self.tries
        assert self.card.pin_tries_left() == self.tries

    @invariant()
    def every_pso_has_its_own_mse(self) -> None:
        last_se_command = None
        for command, _ in self.recorder.exchanges:
            if command[1] == 0x2A:
                assert last_se_command == 0x22, "a PSO without an MSE since the previous PSO"
            if command[1] in (0x22, 0x2A, 0xE6):
                last_se_command = command[1]

    @invariant()
    def card_agrees(self) -> None:
        assert self.vc.pin_tries_left == self.tries
        assert self.card.pin_verified == self.auth_right
        assert self.vc.internal_errors == 0


SessionMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=12, deadline=None)
test_session_machine = SessionMachine.TestCase


def test_traffic_log_never_shows_a_pin(caplog: pytest.LogCaptureFixture) -> None:
    vc = virtual_card("1.7")
    with caplog.at_level(TRAFFIC, logger="eidlib.apdu"), BeidCard(VirtualTransport(vc)).open() as card:
        card.verify_pin(PIN)
        card.sign(b"x", key="signature", pin=PIN)
        card.change_pin(PIN, "567890")
        with pytest.raises(WrongPin):
            card.verify_pin("4321")
    text = caplog.text.replace(" ", "").lower()
    assert "00200001" in text and "redacted" in caplog.text
    for secret in ("241234", "26567890", "244321"):
        assert secret not in text
    assert all(r.levelno == TRAFFIC for r in caplog.records if r.name == "eidlib.apdu")
