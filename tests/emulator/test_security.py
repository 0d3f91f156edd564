"""PIN handling and the access rules of the two keys (spec §3.4, §4), unit and stateful tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from eidlib.emulator.card import VirtualCard
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.image import Profile
from eidlib.emulator.security import SecurityState, is_valid_pin_block, pin_block
from tests.emulator.card_images import make_image


def block(pin: str) -> bytes:
    return bytes(pin_block(pin))


def sw_of(card: VirtualCard, apdu: bytes) -> int:
    answer = card.process(apdu)
    return int.from_bytes(answer[-2:], "big")


def verify_apdu(pin_block_bytes: bytes) -> bytes:
    return bytes((0x00, 0x20, 0x00, 0x01, len(pin_block_bytes))) + pin_block_bytes


def change_apdu(old: str, new: str) -> bytes:
    return b"\x00\x24\x00\x01\x10" + block(old) + block(new)


@pytest.fixture(params=["1.7", "1.8"])
def card(request: Any) -> VirtualCard:
    c = VirtualCard(image=make_image(request.param))
    c.power_on()
    return c


# -- PIN blocks --------------------------------------------------------------------------------


def test_pin_block_examples() -> None:
    assert block("1234") == bytes.fromhex("241234FFFFFFFFFF")
    assert block("12345") == bytes.fromhex("2512345FFFFFFFFF")
    assert block("123456789012") == bytes.fromhex("2C123456789012FF")


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "", "١٢٣٤"])
def test_pin_block_rejects_bad_pins_without_echoing_them(pin: str) -> None:
    with pytest.raises(EmulatorError) as info:
        pin_block(pin)
    assert not pin or pin not in str(info.value)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789", min_size=4, max_size=12))
def test_pin_blocks_of_valid_pins_are_valid(pin: str) -> None:
    encoded = block(pin)
    assert is_valid_pin_block(encoded)
    assert encoded.hex().upper()[2 : 2 + len(pin)] == pin


_FORMAT_2 = re.compile(r"2([4-9a-c])([0-9]*)(f*)")


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=10))
def test_pin_block_validity_matches_a_regular_expression(raw: bytes) -> None:
    match = _FORMAT_2.fullmatch(raw.hex())
    expected = (len(raw) == 8 and match is not None and len(match.group(2)) == int(match.group(1), 16))
    assert is_valid_pin_block(raw) is expected


# -- VERIFY / CHANGE through APDUs ---------------------------------------------------------------


def test_verify_right_and_wrong(card: VirtualCard) -> None:
    assert sw_of(card, verify_apdu(block("1111"))) == 0x63C2
    assert card.pin_tries_left == 2
    assert sw_of(card, verify_apdu(block("1234"))) == 0x9000
    assert card.pin_tries_left == 3


def test_pin_blocks_after_three_wrong_tries(card: VirtualCard) -> None:
    for left in (2, 1, 0):
        assert sw_of(card, verify_apdu(block("0000"))) == 0x63C0 | left
    assert sw_of(card, verify_apdu(block("1234"))) == 0x6983
    assert sw_of(card, b"\x00\x20\x00\x01") == 0x6983
    assert sw_of(card, change_apdu("1234", "5678")) == 0x6983
    card.power_on()
    assert card.pin_tries_left == 0  # the counter lives in EEPROM


@pytest.mark.parametrize("query", [b"\x00\x20\x00\x01", b"\x00\x20\x00\x01\x00"])
def test_status_query_never_costs_a_try(card: VirtualCard, query: bytes) -> None:
    sw_of(card, verify_apdu(block("1111")))
    for _ in range(5):
        assert sw_of(card, query) == 0x63C2
    assert card.pin_tries_left == 2
    sw_of(card, verify_apdu(block("1234")))
    assert sw_of(card, query) == 0x9000


@pytest.mark.parametrize("bad", ["241234FFFFFFFFFE", "341234FFFFFFFFFF", "2312 3FFFFFFFFFFF", "24123AFFFFFFFFFF",
                                 "2D1234567890123F", "241234FF00FFFFFF"])
def test_malformed_pin_block_is_6a80_without_penalty(card: VirtualCard, bad: str) -> None:
    assert sw_of(card, verify_apdu(bytes.fromhex(bad.replace(" ", "")))) == 0x6A80
    assert card.pin_tries_left == 3


def test_verify_parameter_errors(card: VirtualCard) -> None:
    assert sw_of(card, b"\x00\x20\x00\x01\x07" + block("1234")[:7]) == 0x6700
    assert sw_of(card, b"\x00\x20\x01\x01\x08" + block("1234")) == 0x6A86
    assert sw_of(card, b"\x00\x20\x00\x02\x08" + block("1234")) == 0x6A88
    assert card.pin_tries_left == 3


def test_change_reference_data(card: VirtualCard) -> None:
    assert sw_of(card, change_apdu("1111", "5678")) == 0x63C2
    assert sw_of(card, change_apdu("1234", "5678")) == 0x9000
    assert card.pin_tries_left == 3
    assert sw_of(card, b"\x00\x20\x00\x01") == 0x9000  # the change grants the right
    assert sw_of(card, verify_apdu(block("1234"))) == 0x63C2
    assert sw_of(card, verify_apdu(block("5678"))) == 0x9000
    assert sw_of(card, b"\x00\x24\x00\x01\x08" + block("5678")) == 0x6700
    bad_new = block("5678") + bytes.fromhex("FF" * 8)
    assert sw_of(card, b"\x00\x24\x00\x01\x10" + bad_new) == 0x6A80
    assert sw_of(card, verify_apdu(block("5678"))) == 0x9000


def test_reset_retry_counter_is_refused_to_citizens(card: VirtualCard) -> None:
    for _ in range(3):
        sw_of(card, verify_apdu(block("0000")))
    assert sw_of(card, b"\x00\x2c\x00\x01\x08" + block("1234")) == 0x6982
    assert sw_of(card, b"\x00\x2c\x00\x01") == 0x6982
    assert card.pin_tries_left == 0


def test_wipe_zeroes_the_reference() -> None:
    state = SecurityState("1234", profile="1.8")
    state.wipe()
    assert state.verify(block("1234")) == 0x63C2


# -- the access rules as explicit sequences (spec §4.3 examples) --------------------------------

AUTH_ALGO = {"1.7": 0x08, "1.8": 0x01}
HASH = bytes(32)


def mse(key: int, profile: str) -> bytes:
    return bytes((0x00, 0x22, 0x41, 0xB6, 0x05, 0x04, 0x80, AUTH_ALGO[profile], 0x84, key))


def pso_sw(card: VirtualCard) -> int:
    sw = sw_of(card, b"\x00\x2a\x9e\x9a\x20" + HASH)
    return 0x9000 if sw >> 8 == 0x61 else sw


def test_auth_key_pin_once(card: VirtualCard) -> None:
    sw_of(card, mse(0x82, card.profile))
    assert pso_sw(card) == 0x6982
    sw_of(card, verify_apdu(block("1234")))
    for _ in range(3):
        sw_of(card, mse(0x82, card.profile))
        assert pso_sw(card) == 0x9000
    card.reset()
    sw_of(card, mse(0x82, card.profile))
    assert pso_sw(card) == 0x6982


def test_non_repudiation_needs_pin_just_before(card: VirtualCard) -> None:
    sw_of(card, verify_apdu(block("1234")))  # an authentication verify does not count
    sw_of(card, mse(0x83, card.profile))
    assert pso_sw(card) == 0x6982
    sw_of(card, mse(0x83, card.profile))
    sw_of(card, verify_apdu(block("1234")))
    assert pso_sw(card) == 0x9000
    assert pso_sw(card) == 0x6982  # one signature per verify
    # the authentication right survived the non-repudiation sequence
    sw_of(card, mse(0x82, card.profile))
    assert pso_sw(card) == 0x9000


def test_one_command_between_verify_and_pso(card: VirtualCard) -> None:
    sw_of(card, mse(0x83, card.profile))
    sw_of(card, verify_apdu(block("1234")))
    sw_of(card, b"\x80\xe4\x00\x00\x1c")
    assert pso_sw(card) == (0x6982 if card.profile == "1.7" else 0x9000)
    sw_of(card, verify_apdu(block("1234")))
    sw_of(card, b"\x80\xe4\x00\x00\x1c")
    sw_of(card, b"\x80\xe4\x00\x00\x1c")
    assert pso_sw(card) == 0x6982


def test_non_repudiation_verify_does_not_grant_pin_once(card: VirtualCard) -> None:
    sw_of(card, mse(0x83, card.profile))
    sw_of(card, verify_apdu(block("1234")))
    assert pso_sw(card) == 0x9000
    sw_of(card, mse(0x82, card.profile))
    assert pso_sw(card) == 0x6982


def test_wrong_pin_clears_all_rights(card: VirtualCard) -> None:
    sw_of(card, verify_apdu(block("1234")))
    sw_of(card, verify_apdu(block("9999")))
    sw_of(card, mse(0x82, card.profile))
    assert pso_sw(card) == 0x6982


# -- stateful test against a simple model -----------------------------------------------------

OTHER_COMMANDS = [
    b"\x80\xe4\x00\x00\x1c",  # GET CARD DATA
    b"\x00\xa4\x08\x0c\x04\x3f\x00\xdf\x00",  # SELECT DF00
    b"\x00\xb0\x00\x00\x10",  # READ BINARY (no EF, or the one selected)
    b"\x00\x84\x00\x00\x08",  # GET CHALLENGE
    b"\x00\xc0\x00\x00\x10",  # GET RESPONSE with nothing pending
]


class PinModel(RuleBasedStateMachine):
    """The card against a model that keeps the history of commands since the last VERIFY."""

    profile: Profile = "1.8"

    def __init__(self) -> None:
        super().__init__()
        self.card = VirtualCard(image=make_image(self.profile))
        self.card.power_on()
        self.pin = "1234"
        self.tries = 3
        self.auth = False
        self.se_key: int | None = None
        # commands seen since a non-repudiation VERIFY; None when there was none (or it was used)
        self.since_nonrep: list[str] | None = None

    @initialize()
    def start(self) -> None:
        assert self.card.pin_tries_left == 3

    def _command(self, kind: str) -> None:
        if self.since_nonrep is not None and kind != "pso":
            self.since_nonrep.append(kind)

    def _nonrep_valid(self) -> bool:
        between = self.since_nonrep
        if between is None:
            return False
        gap = 0 if self.profile == "1.7" else 1
        voiding = {"verify", "mse", "logoff", "ia", "change"}
        return len(between) <= gap and not voiding.intersection(between)

    def _send(self, apdu: bytes) -> int:
        return sw_of(self.card, apdu)

    @rule()
    def verify_right(self) -> None:
        self._command("verify")
        sw = self._send(verify_apdu(block(self.pin)))
        if self.tries == 0:
            assert sw == 0x6983
            return
        assert sw == 0x9000
        self.tries = 3
        if self.se_key == 0x83:
            self.since_nonrep = []
        else:
            self.auth = True

    @rule(pin=st.sampled_from(["0000", "4321", "123456"]))
    def verify_wrong(self, pin: str) -> None:
        if pin == self.pin:
            return
        self._command("verify")
        sw = self._send(verify_apdu(block(pin)))
        if self.tries == 0:
            assert sw == 0x6983
            return
        self.tries -= 1
        assert sw == 0x63C0 | self.tries
        self.auth = False
        self.since_nonrep = None

    @rule()
    def status_query(self) -> None:
        self._command("verify")
        sw = self._send(b"\x00\x20\x00\x01")
        if self.tries == 0:
            assert sw == 0x6983
        else:
            assert sw == (0x9000 if self.auth else 0x63C0 | self.tries)

    @rule(new=st.sampled_from(["1234", "98765"]), right=st.booleans())
    def change_pin(self, new: str, right: bool) -> None:
        self._command("change")
        old = self.pin if right else "0000"
        if old == "0000" and self.pin == "0000":
            return
        sw = self._send(change_apdu(old, new))
        if self.tries == 0:
            assert sw == 0x6983
        elif right:
            assert sw == 0x9000
            self.pin, self.tries = new, 3
            if self.se_key == 0x83:
                self.since_nonrep = []
            else:
                self.auth = True
        else:
            self.tries -= 1
            assert sw == 0x63C0 | self.tries
            self.auth = False
            self.since_nonrep = None

    @rule(key=st.sampled_from([0x82, 0x83]))
    def mse(self, key: int) -> None:
        self._command("mse")
        assert self._send(mse(key, self.profile)) == 0x9000
        self.se_key = key

    @rule(between=st.lists(st.sampled_from(["other", "select", "status", "mse83", "logoff", "verify"]),
                           max_size=3))
    def non_repudiation_attempt(self, between: list[str]) -> None:
        """MSE(83), VERIFY, some commands, PSO: the interleavings random rule order rarely reaches."""
        self.mse(0x83)
        self.verify_right()
        steps: dict[str, Callable[[], None]] = {
            "other": lambda: self.other_command(OTHER_COMMANDS[0]),
            "select": lambda: self.other_command(OTHER_COMMANDS[1]),
            "status": self.status_query,
            "mse83": lambda: self.mse(0x83),
            "logoff": self.log_off,
            "verify": self.verify_right,
        }
        for kind in between:
            steps[kind]()
        self.pso()

    @rule()
    def pso(self) -> None:
        self._command("pso")
        sw = pso_sw(self.card)
        if self.se_key is None:
            expected = 0x6985
        elif self.se_key == 0x82:
            expected = 0x9000 if self.auth else 0x6982
        else:
            expected = 0x9000 if self._nonrep_valid() else 0x6982
        self.since_nonrep = None
        assert sw == expected

    @rule()
    def log_off(self) -> None:
        self._command("logoff")
        assert self._send(b"\x80\xe6\x00\x00") == 0x9000
        self.auth, self.since_nonrep, self.se_key = False, None, None

    @rule()
    def reset(self) -> None:
        self.card.reset()
        self.auth, self.since_nonrep, self.se_key = False, None, None

    @precondition(lambda self: self.profile == "1.8")
    @rule()
    def internal_authenticate(self) -> None:
        self._command("ia")
        sw = self._send(b"\x00\x88\x02\x81\x32\x94\x30" + bytes(48))
        assert sw == 0x6160
        self.se_key = None

    @rule(apdu=st.sampled_from(OTHER_COMMANDS))
    def other_command(self, apdu: bytes) -> None:
        self._command("other")
        self._send(apdu)

    @invariant()
    def tries_match(self) -> None:
        assert self.card.pin_tries_left == self.tries
        assert self.card.internal_errors == 0


class PinModel17(PinModel):
    profile: Profile = "1.7"


class PinModel18(PinModel):
    profile: Profile = "1.8"


_STATEFUL = settings(max_examples=100, stateful_step_count=30, deadline=None)
TestPinModel17 = PinModel17.TestCase
TestPinModel17.settings = _STATEFUL
TestPinModel18 = PinModel18.TestCase
TestPinModel18.settings = _STATEFUL
