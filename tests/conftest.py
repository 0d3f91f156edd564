"""Shared fixtures: the real PC/SC stack (pcscd + vpcd + virtual cards) from ``tests/pcsc_harness.py``.

* ``pcsc_stack`` (session): pcscd with an applet 1.7 card in ``.reader_17`` (vpcd slot 0) and an
  applet 1.8 card in ``.reader_18`` (slot 1). ``restart_card(slot, **options)``,
  ``remove_card(slot)``, ``insert_card(slot)``, ``inject(slot, fault, ...)``, ``pcscd_pid``.
* ``pcsc_cards``: the same stack; after the test both cards are back, faults cleared, and a card
  whose PIN counter or options (``restart_card``) changed is replaced by the session's default one.
* ``pcscd_no_card``: the stack with both readers empty during the test.
* ``pcscd_no_readers``: a pcscd without any reader during the test.
* ``pcscd_not_running``: no pcscd at all during the test.

Tests using any of them get the ``pcsc`` marker automatically.

``softhsm`` (session, from ``tests/pkcs11/fixtures.py``): SoftHSM2 tokens provisioned like eID cards.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from eidlib.apdu.errors import NoCardError
from eidlib.apdu.pcsc import wait_for_card
from eidlib.emulator.security import PIN_TRIES
from eidlib.emulator.vpcd import VpcdError
from tests.pcsc_harness import PcscStack, machine_lock, pcscd_stopped, pcscd_without_readers
from tests.pkcs11.fixtures import _softhsm_conf, softhsm

__all__ = ["_softhsm_conf", "softhsm"]

#: Non-empty while this session holds the machine-wide pcscd lock taken at collection.
_session_lock: list[bool] = []

PCSC_FIXTURES = frozenset({"pcsc_stack", "pcsc_cards", "pcscd_no_card", "pcscd_no_readers", "pcscd_not_running"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be there before ``-m`` selects on it.
    for item in items:
        if uses_pcscd(item):
            item.add_marker(pytest.mark.pcsc)


def uses_pcscd(item: pytest.Item) -> bool:
    """Whether a test needs the machine-wide pcscd (it requests one of the PC/SC fixtures)."""
    return bool(PCSC_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(uses_pcscd(item) for item in session.items) and not _session_lock:
        # Wait for other test sessions here, outside any test: a wait inside a fixture would count
        # against the per-test timeout. Held until the session ends.
        machine_lock.acquire()
        _session_lock.append(True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _session_lock:
        _session_lock.clear()
        machine_lock.release()


@pytest.fixture(scope="session")
def pcsc_stack() -> Iterator[PcscStack]:
    """pcscd + vpcd with the 1.7 card in slot 0 and the 1.8 card in slot 1, for the whole session."""
    with PcscStack() as stack:
        yield stack


def _put_cards_back(stack: PcscStack) -> None:
    if not stack.running:
        return
    missing: list[int] = []
    for slot in sorted(stack.cards):
        try:
            if stack.restore_card(slot):  # a test swapped in a kids/other-persona card: the default is back
                continue
            stack.inject(slot, "clear")
            if stack.card_attribute(slot, "pin_tries_left") != PIN_TRIES:
                # A test used up PIN tries: the next test gets a card with a fresh counter.
                stack.remove_card(slot)
                stack.insert_card(slot, fresh=True, wait=False)
            elif not stack.card_status(slot)["present"]:
                stack.insert_card(slot, wait=False)
        except VpcdError:  # the card process does not answer its control socket any more
            missing.append(slot)
    for slot in sorted(set(stack.cards) - set(missing)):
        try:
            wait_for_card(stack.reader(slot), 10.0)
        except NoCardError:
            missing.append(slot)
    if missing:
        _recover(stack, missing)


class HarnessRecovered(UserWarning):
    """The pcscd stack had to be rebuilt between tests."""


def _recover(stack: PcscStack, missing: list[int]) -> None:
    """A card did not come back: report what pcscd and the card process say, then rebuild the stack.

    Seen rarely (about 1 run in 15 of tests/apdu/test_pcsc.py) after both cards were pulled and put
    back: pcscd then reported one vpcd slot empty for the rest of the run, even after that card was
    restarted; the cause is not known yet. The next tests need a working stack, so it is rebuilt,
    and the diagnosis is reported as a warning so it can be studied.
    """
    for slot in missing:
        try:
            status: object = stack.card_status(slot)
        except Exception as exc:  # the diagnosis must not hide the recovery
            status = f"(no answer: {exc!r})"
        # A warning, not a print: pytest lists it in the run's summary even though the tests pass.
        warnings.warn(
            f"pcsc harness: card of slot {slot} not seen by pcscd after re-insertion; card status {status};"
            f" pcscd log tail:\n{stack.log_tail(15)}",
            HarnessRecovered,
            stacklevel=2,
        )
    stack.restart()
    for slot in sorted(stack.cards):
        wait_for_card(stack.reader(slot), 30.0)


@pytest.fixture
def pcsc_cards(pcsc_stack: PcscStack) -> Iterator[PcscStack]:
    """The session stack; after the test both cards are back, unfaulted, with a full PIN counter."""
    yield pcsc_stack
    _put_cards_back(pcsc_stack)


@pytest.fixture
def pcscd_no_card(pcsc_stack: PcscStack) -> Iterator[PcscStack]:
    """pcscd running with its readers but no card in any of them."""
    for slot in sorted(pcsc_stack.cards):
        pcsc_stack.remove_card(slot)
    yield pcsc_stack
    _put_cards_back(pcsc_stack)


@pytest.fixture
def pcscd_no_readers() -> Iterator[PcscStack]:
    """pcscd running with an empty reader configuration (no reader at all)."""
    with pcscd_without_readers() as stack:
        yield stack


@pytest.fixture
def pcscd_not_running() -> Iterator[None]:
    """No pcscd running (the session stack, if started, is stopped for the test and restarted after)."""
    with pcscd_stopped():
        yield
