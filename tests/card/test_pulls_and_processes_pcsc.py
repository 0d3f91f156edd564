"""Through the real pcscd: the card pulled at each APDU of an operation, and several processes on one card.

Issue 12's adversarial runs found these sound on the old main (a typed error, nothing half-returned,
recovery after re-insertion; every signature of four concurrent processes valid); these tests keep them so.
They are bounded: every APDU index for a signature and a login, a spread of indices for a whole read.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from eidlib.auth.client import authenticate
from eidlib.card.session import BeidCard
from eidlib.errors import CardRemovedError, NoCardError
from eidlib.opener import open_card
from tests.card.virtual_cards import PIN
from tests.pcsc_harness import PcscStack
from tests.support.signatures import verify_signature

SLOT = 1  # the applet 1.8 card
CHALLENGE = "q2SzyXT0hqF1pP6+o7WZ9bYRJ9Ct9kn5XBEWJcNtBts="
ORIGIN = "https://portal.example"


def _read_all(card: BeidCard) -> object:
    return (card.read_identity(), card.read_address(), card.read_photo(), card.read_certificates())


def _sign(card: BeidCard) -> object:
    return card.sign(b"pulled", pin=PIN)


def _login(card: BeidCard) -> object:
    return authenticate(PIN, challenge=CHALLENGE, origin=ORIGIN, token=card)


OPERATIONS: dict[str, Callable[[BeidCard], object]] = {"read": _read_all, "sign": _sign, "authenticate": _login}


def _apdus_of(stack: PcscStack, operation: Callable[[BeidCard], object]) -> int:
    with open_card(stack.reader(SLOT)) as card:
        card.card_data()  # the session is started: count the operation alone
        before = card.channel.apdu_count
        operation(card)
        return card.channel.apdu_count - before


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_card_pulled_at_each_apdu_gives_a_typed_error_and_comes_back(pcsc_cards: PcscStack, name: str) -> None:
    operation = OPERATIONS[name]
    count = _apdus_of(pcsc_cards, operation)
    assert count > 0
    # Every index of a signature or a login; for a read-all (about 50 APDUs) the first, the last and a spread.
    indices = range(count) if count <= 8 else sorted({0, 1, count // 4, count // 2, 3 * count // 4, count - 1})
    for index in indices:
        with open_card(pcsc_cards.reader(SLOT)) as card:
            card.card_data()
            pcsc_cards.inject(SLOT, "remove_after", index)
            outcome: object = None
            with pytest.raises((CardRemovedError, NoCardError)):
                outcome = operation(card)
            assert outcome is None, f"{name} returned a result with the card pulled after {index} APDUs"
        pcsc_cards.insert_card(SLOT)
        with open_card(pcsc_cards.reader(SLOT)) as card:
            assert operation(card) is not None, f"{name} did not recover after a pull at APDU {index}"


_WORKER = """
import sys
from eidlib.opener import open_card
reader, count = sys.argv[1], int(sys.argv[2])
with open_card(reader) as card:
    for i in range(count):
        with card.transaction():
            card.verify_pin("1234")
            signature = card.sign(b"process %d" % i)
        print(signature.hex(), flush=True)
"""


def test_four_processes_share_one_card(pcsc_cards: PcscStack) -> None:
    """4 processes x 200 signatures on one card through pcscd: every one verifies with the card's key."""
    reader = pcsc_cards.reader(SLOT)
    with open_card(reader) as card:
        certificate = card.read_certificates().authentication
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, reader, "200"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err[-2000:]
        outputs.append(out.split())
    assert [len(lines) for lines in outputs] == [200] * 4
    for lines in outputs:
        for number, signature in enumerate(lines):
            verify_signature(certificate, bytes.fromhex(signature), b"process %d" % number)
    # ECDSA signatures are randomised: 800 different ones, none an answer handed to another process twice.
    assert len({signature for lines in outputs for signature in lines}) == 800
