"""How the host holds the card around the PIN dialog.

In process, on the virtual card: the card facts the PIN dialog needs come from one transaction that
has ended before the dialog opens (the card is not held while the user types).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from eidlib.auth import AuthTokenValidator, generate_nonce
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.webeid import card_access, host, pinentry
from eidlib.webeid.protocol import Authenticate

ORIGIN = "https://portal.example.be"


class TransactionLog(VirtualTransport):
    """A virtual card transport that notes when its outermost transactions start and how deep it is."""

    def __init__(self, card: VirtualCard) -> None:
        super().__init__(card)
        self.depth = 0
        self.started = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with super().transaction():
            self.started += self.depth == 0
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_pin_facts_come_from_one_transaction_released_before_the_dialog(
    profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = TransactionLog(VirtualCard(profile))  # type: ignore[arg-type]

    @contextlib.contextmanager
    def open_token(source: card_access.CardSource) -> Iterator[card_access.Token]:
        with BeidCard(transport).open() as card:
            yield card

    seen: list[tuple[int, int, str]] = []

    def get_pin(prompt: pinentry.PinPrompt, **_: object) -> bytearray:
        seen.append((transport.depth, transport.started, prompt.description))
        return bytearray(b"1234")

    monkeypatch.setattr(card_access, "open_token", open_token)
    monkeypatch.setattr(pinentry, "get_pin", get_pin)
    nonce = generate_nonce()
    reply = host.execute(Authenticate(challenge_nonce=nonce, origin=ORIGIN), host.HostOptions())
    [(depth, started, description)] = seen
    assert depth == 0  # nothing held while the user types
    assert started == 2  # opening the card, then certificates + tries left + PIN pad together
    assert f"{ORIGIN} asks you" in description and "Tries left: 3" in description and "Holder: " in description
    with BeidCard(VirtualTransport(VirtualCard(profile))).open() as card:  # type: ignore[arg-type]
        certificates = card.read_certificates()
    assert certificates.root and certificates.ca
    validator = AuthTokenValidator(ORIGIN, [certificates.root, certificates.ca], check_revocation=False)
    user = validator.validate(reply, nonce)
    assert f"Holder: {user.given_names} {user.surname}" in description
