"""Stateful property test: ``MemoryChallengeStore`` against a plain model (issue, consume, time)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from eidlib.auth import MemoryChallengeStore, NonceExpired, NonceNotFound

TTL = 300.0
SESSIONS = st.sampled_from(["a", "b", "c"])


class ChallengeStoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.store = MemoryChallengeStore(ttl=TTL, clock=lambda: self.now)
        self.model: dict[str, tuple[str, float]] = {}
        self.spent: set[str] = set()

    @rule(session=SESSIONS)
    def issue(self, session: str) -> None:
        nonce = self.store.issue(session)
        assert nonce not in self.spent and all(nonce != n for n, _ in self.model.values())
        self.model[session] = (nonce, self.now + TTL)

    @rule(seconds=st.floats(min_value=0, max_value=400, allow_nan=False))
    def wait(self, seconds: float) -> None:
        self.now += seconds

    @rule(session=SESSIONS)
    def consume(self, session: str) -> None:
        expected = self.model.pop(session, None)
        try:
            nonce = self.store.consume(session)
        except NonceNotFound:
            assert expected is None
            return
        except NonceExpired:
            assert expected is not None and self.now > expected[1]
            self.spent.add(expected[0])
            return
        assert expected is not None and nonce == expected[0] and self.now <= expected[1]
        assert nonce not in self.spent
        self.spent.add(nonce)

    @invariant()
    def sizes_agree(self) -> None:
        assert len(self.store) == len(self.model)


ChallengeStoreMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestChallengeStore = ChallengeStoreMachine.TestCase
