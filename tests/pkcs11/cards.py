"""Helpers for the virtual cards behind the real pcscd (``pcsc_cards`` fixture)."""

from __future__ import annotations

from tests.pcsc_harness import PcscStack


def slot_of(stack: PcscStack, reader: str) -> int:
    """The vpcd slot serving ``reader``."""
    return next(slot for slot in stack.cards if stack.reader(slot) == reader)


def reset_card(stack: PcscStack, reader: str) -> None:
    """Pull the card out and put it back (a card reset).

    OpenSC leaves the card's security environment on the non-repudiation key (83) when it refuses to
    sign with it; the card keeps that SE, and a later VERIFY sent without MSE by another program then
    counts as a non-repudiation verify (beid-card.md §4.3), so that program's next authentication
    signature gets 6982. The tests that make OpenSC refuse reset the card so they leave no such state.
    """
    slot = slot_of(stack, reader)
    stack.remove_card(slot)
    stack.insert_card(slot)
