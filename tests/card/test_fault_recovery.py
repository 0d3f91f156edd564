"""Issue 12.2: a glitch at any APDU of a read never poisons the session; the retry gets the right answer.

For each operation and each APDU index, the virtual card answers that one APDU with a wrong
answer (``card.faults.answer_at``); the operation may fail (with an eidlib error) or not, then
the fault is gone and the same :class:`BeidCard` must return what a clean card returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from eidlib.errors import EidError
from tests.card.virtual_cards import virtual_card

#: Wrong answers a glitching card or reader gives: a premature end of file, a wrong Le, no data,
#: a transient "not found", internal errors, a PIN demand, "not activated", three stray bytes.
GLITCHES = (b"\x6b\x00", b"\x6c\x10", b"\x90\x00", b"\x6a\x82", b"\x6f\x00", b"\x69\x82", b"\x6d\x00",
            b"\x01\x02\x03\x90\x00")
OPERATIONS: dict[str, Callable[[BeidCard], object]] = {
    "read_identity": BeidCard.read_identity,
    "read_address": BeidCard.read_address,
    "read_photo": BeidCard.read_photo,
    "read_certificates": BeidCard.read_certificates,
    "verify_integrity": lambda card: card.verify_integrity().identity,
}


@dataclass
class Sweep:
    """Fault cases run and those whose retry did not give the clean answer."""

    cases: int = 0
    unrecovered: list[str] = field(default_factory=list)


def _apdus(profile: str, operation: Callable[[BeidCard], object]) -> int:
    vc = virtual_card(profile)
    card = BeidCard(VirtualTransport(vc)).open()
    before = vc.apdu_count
    operation(card)
    return vc.apdu_count - before


def sweep(profile: str, name: str) -> Sweep:
    """Every glitch at every APDU index of one operation."""
    operation = OPERATIONS[name]
    clean = operation(BeidCard(VirtualTransport(virtual_card(profile))).open())
    result = Sweep()
    vc = virtual_card(profile)
    transport = VirtualTransport(vc)
    for index in range(_apdus(profile, operation)):
        for glitch in GLITCHES:
            result.cases += 1
            vc.faults.clear()
            card = BeidCard(transport, owns_transport=False).open()
            vc.faults.answer_at(index, glitch)
            with contextlib.suppress(EidError):  # a typed error is fine; what matters is the retry
                operation(card)
            vc.faults.clear()
            try:
                again = operation(card)
            except EidError as exc:
                result.unrecovered.append(f"{name}@{index} {glitch.hex()}: {exc}")
                continue
            if again != clean:
                result.unrecovered.append(f"{name}@{index} {glitch.hex()}: wrong result on retry")
    return result


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_glitch_recovers_on_retry(profile: str, name: str) -> None:
    result = sweep(profile, name)
    assert result.cases > len(GLITCHES)
    assert result.unrecovered == []
