"""The host with a PIN-pad reader (in process: the tests' PIN-pad transport in front of a virtual card).

No pinentry dialog is opened (the scripted one is set to answer garbage, which would fail the request):
the reader collects the PIN, for the authentication key and again for a signature.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator

import pytest

from eidlib.auth import AuthTokenValidator, generate_nonce
from eidlib.card.session import BeidCard
from eidlib.webeid import card_access
from eidlib.webeid.host import HostOptions, execute
from eidlib.webeid.protocol import Authenticate, Sign
from tests.card.virtual_cards import PinPadTransport, virtual_card
from tests.webeid.driver import FAKE_PINENTRY

ORIGIN = "https://portal.example.be"


@pytest.fixture
def pinpad_card(monkeypatch: pytest.MonkeyPatch) -> PinPadTransport:
    transport = PinPadTransport(virtual_card("1.8"))

    @contextlib.contextmanager
    def open_token(source: card_access.CardSource) -> Iterator[card_access.Token]:
        with BeidCard(transport).open() as card:
            yield card

    monkeypatch.setattr(card_access, "open_token", open_token)
    monkeypatch.setenv("FAKE_PINENTRY_ACTION", "garbage")
    return transport


def test_authenticate_and_sign_on_a_pin_pad_without_any_dialog(pinpad_card: PinPadTransport) -> None:
    options = HostOptions(pinentry=FAKE_PINENTRY)
    nonce = generate_nonce()
    token = execute(Authenticate(nonce, ORIGIN), options)
    with BeidCard(pinpad_card).open() as card:
        certs = card.read_certificates()
    assert certs.root and certs.ca and certs.signature
    assert AuthTokenValidator(ORIGIN, [certs.root, certs.ca], check_revocation=False).validate(json.dumps(token), nonce)
    reply = execute(Sign(b"\x05" * 48, "SHA-384", certs.signature, ORIGIN), options)
    assert len(base64.b64decode(reply["signature"])) == 96
    assert len(pinpad_card.structures) == 2  # one PIN-pad VERIFY per operation
