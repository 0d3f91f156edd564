"""What the host prepares while the user types the PIN, and what it must never do then.

A fresh host process pays once for loading the certificate's key and for its first verification;
the host does that in a thread while the PIN dialog is open. These tests hold the dialog open
(an in-process ``get_pin`` that calls the host's ``waiting`` hook and waits for the preparation):
the preparation must touch neither the card nor the PIN, must use the certificate the operation
will check, and a failing preparation must not change the outcome.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from eidlib.auth import AuthTokenValidator, generate_nonce
from eidlib.auth.client import prepare_login
from eidlib.card.session import BeidCard
from eidlib.carddata.certificate import certificate_public_key
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.token.protocol import CardCertificates
from eidlib.webeid import card_access, host, pinentry
from eidlib.webeid.errors import PinEntryError
from eidlib.webeid.protocol import Authenticate, Sign
from tests.webeid.driver import FAKE_PINENTRY
from tests.webeid.test_host_transactions import TransactionLog

ORIGIN = "https://portal.example.be"


class CountingTransport(TransactionLog):
    """The virtual card, counting what reaches it (and, as its base, how deep its transactions are)."""

    def __init__(self, card: VirtualCard) -> None:
        super().__init__(card)
        self.commands = 0

    def transmit(self, raw: bytes) -> bytes:
        self.commands += 1
        return super().transmit(raw)


class HeldDialog:
    """A PIN dialog that stays open until the host's preparation has finished, watching the card meanwhile."""

    def __init__(self, transport: CountingTransport) -> None:
        self.transport = transport
        self.commands_while_open: int | None = None
        self.depth_while_open: int | None = None
        self.prepared: list[tuple[str, object]] = []

    def get_pin(self, prompt: pinentry.PinPrompt, *, waiting: Callable[[], None] | None = None,
                **_: object) -> bytearray:
        before = self.transport.commands
        assert waiting is not None
        waiting()
        for thread in threading.enumerate():
            if thread.name == "eidlib-prepare":
                thread.join(30)
        self.commands_while_open = self.transport.commands - before
        self.depth_while_open = self.transport.depth
        return bytearray(b"1234")


@pytest.fixture
def card_and_dialog(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> tuple[CardCertificates, HeldDialog]:
    transport = CountingTransport(VirtualCard(request.param))  # type: ignore[arg-type]

    @contextlib.contextmanager
    def open_token(source: card_access.CardSource) -> Iterator[card_access.Token]:
        with BeidCard(transport).open() as card:
            yield card

    dialog = HeldDialog(transport)
    monkeypatch.setattr(card_access, "open_token", open_token)
    monkeypatch.setattr(pinentry, "get_pin", dialog.get_pin)
    for name in ("prepare_login", "_prepare_check"):
        original = getattr(host, name)

        def recorded(*args: object, _original: Callable[..., None] = original, _name: str = name) -> None:
            dialog.prepared.append((threading.current_thread().name, args))
            _original(*args)

        monkeypatch.setattr(host, name, recorded)
    with BeidCard(VirtualTransport(VirtualCard(request.param))).open() as card:  # type: ignore[arg-type]
        return card.read_certificates(), dialog


@pytest.mark.parametrize("card_and_dialog", ["1.7", "1.8"], indirect=True)
def test_login_check_is_prepared_during_the_dialog_without_the_card(
    card_and_dialog: tuple[CardCertificates, HeldDialog],
) -> None:
    certificates, dialog = card_and_dialog
    nonce = generate_nonce()
    reply = host.execute(Authenticate(challenge_nonce=nonce, origin=ORIGIN), host.HostOptions())
    assert dialog.prepared == [("eidlib-prepare", (certificates.authentication,))]
    assert dialog.commands_while_open == 0 and dialog.depth_while_open == 0  # the card was left alone
    assert certificates.root and certificates.ca
    AuthTokenValidator(ORIGIN, [certificates.root, certificates.ca], check_revocation=False).validate(reply, nonce)


@pytest.mark.parametrize("card_and_dialog", ["1.7", "1.8"], indirect=True)
def test_sign_check_is_prepared_during_the_dialog_with_the_named_certificate(
    card_and_dialog: tuple[CardCertificates, HeldDialog],
) -> None:
    certificates, dialog = card_and_dialog
    assert certificates.signature
    digest = hashlib.sha256(b"a document").digest()
    reply = host.execute(Sign(digest=digest, hash_function="SHA-256", certificate=certificates.signature,
                              origin=ORIGIN), host.HostOptions())
    assert dialog.prepared == [("eidlib-prepare", (certificates.signature, "SHA-256"))]
    assert dialog.commands_while_open == 0 and dialog.depth_while_open == 0
    signature = base64.b64decode(reply["signature"])
    key = certificate_public_key(certificates.signature)
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        half = len(signature) // 2
        r, s = (int.from_bytes(part, "big") for part in (signature[:half], signature[half:]))
        der = utils.encode_dss_signature(r, s)
        key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


@pytest.mark.parametrize("card_and_dialog", ["1.7"], indirect=True)
def test_a_failing_preparation_changes_nothing(
    card_and_dialog: tuple[CardCertificates, HeldDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    certificates, _ = card_and_dialog

    def broken(*_: object) -> None:
        raise RuntimeError("preparation broke")

    monkeypatch.setattr(host, "prepare_login", broken)
    nonce = generate_nonce()
    reply = host.execute(Authenticate(challenge_nonce=nonce, origin=ORIGIN), host.HostOptions())
    assert certificates.root and certificates.ca
    AuthTokenValidator(ORIGIN, [certificates.root, certificates.ca], check_revocation=False).validate(reply, nonce)


def test_prepare_login_ignores_what_the_login_itself_refuses() -> None:
    for garbage in (b"", b"\x30\x03\x02\x01\x01", bytes(300)):
        prepare_login(garbage)  # no exception: the login reports a bad certificate itself


def test_pinentry_calls_waiting_once_the_dialog_awaits_the_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "assuan.log"
    monkeypatch.setenv("FAKE_PINENTRY_ACTION", "pin")
    monkeypatch.setenv("FAKE_PINENTRY_PIN", "1234")
    monkeypatch.setenv("FAKE_PINENTRY_LOG", str(log))
    calls: list[str] = []
    pin = pinentry.get_pin(pinentry.PinPrompt(title="t", description="d"), program=FAKE_PINENTRY,
                           waiting=lambda: calls.append(log.read_text() if log.exists() else ""))
    assert pin == bytearray(b"1234") and len(calls) == 1
    assert '"command": "SETDESC"' in calls[0] and '"command": "SETTIMEOUT"' in calls[0]  # the dialog was set up
    with pytest.raises(PinEntryError):
        pinentry.get_pin(pinentry.PinPrompt(title="t", description="d"), program=str(tmp_path / "missing"),
                         waiting=lambda: calls.append("never"))
    assert len(calls) == 1  # a program that never ran starts nothing
