"""The login host's handoff: states and one-time codes are single use, bound to one session, and expire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examples.portal import loginhost
from examples.portal.loginhost import CODE_TTL, STATE_TTL, Handoff

USER = {"surname": "Specimen", "level": 500, "auth_method": "eid"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_code_is_single_use_and_bound_to_the_session() -> None:
    handoff = Handoff()
    state = handoff.start("session-a", "fr")
    code = handoff.complete(state, USER)
    assert code is not None
    assert handoff.complete(state, USER) is None  # the state is spent
    assert handoff.redeem(code, "session-b") is None  # another browser
    assert handoff.redeem(code, "session-a") is None  # ... and the code is gone even so
    fresh = handoff.complete(handoff.start("session-a", "fr"), USER)
    assert fresh is not None and handoff.redeem(fresh, "session-a") == (USER, "fr")
    assert handoff.redeem(fresh, "session-a") is None


def test_states_and_codes_expire() -> None:
    clock = Clock()
    handoff = Handoff(clock)
    late_state = handoff.start("s", "en")
    clock.now += STATE_TTL + 1
    assert handoff.complete(late_state, USER) is None
    code = handoff.complete(handoff.start("s", "en"), USER)
    assert code is not None
    clock.now += CODE_TTL + 1
    assert handoff.redeem(code, "s") is None


def test_pending_logins_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loginhost, "MAX_PENDING", 3)
    handoff = Handoff()
    first = handoff.start("s", "en")
    second = handoff.start("s", "en")
    for _ in range(2):
        handoff.start("s", "en")
    assert handoff.complete(first, USER) is None  # the oldest was dropped
    assert handoff.complete(second, USER) is not None


@given(st.text(max_size=64), st.text(max_size=64))
def test_unknown_codes_never_redeem(code: str, session: str) -> None:
    assert Handoff().redeem(code, session) is None
