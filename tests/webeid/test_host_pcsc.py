"""``eid webeid-host`` over stdio with the card in the real pcscd (vpcd virtual cards)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eidlib
from eidlib.auth import AuthTokenValidator, generate_nonce
from tests.pcsc_harness import PcscStack
from tests.webeid.driver import host_env, pinentry_log, request

ORIGIN = "https://portal.example.be"
SLOTS = {"1.7": 0, "1.8": 1}


def authenticate(reader: str, *, pin: str = "1234", action: str = "pin", log: Path | None = None) -> dict:
    exchange = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN},
                       args=["--host-reader", reader], env=host_env(pinentry_action=action, pin=pin, log=log))
    assert exchange.reply is not None and "Traceback" not in exchange.stderr
    return exchange.reply


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_authenticate_through_pcscd(pcsc_cards: PcscStack, profile: str) -> None:
    reader = pcsc_cards.reader(SLOTS[profile])
    with eidlib.open_card(reader) as card:
        certs = card.read_certificates()
    assert certs.root and certs.ca
    nonce = generate_nonce()
    exchange = request("authenticate", {"challengeNonce": nonce, "origin": ORIGIN},
                       args=["--host-reader", reader], env=host_env())
    assert exchange.reply is not None
    validator = AuthTokenValidator(ORIGIN, [certs.root, certs.ca], check_revocation=False)
    assert validator.validate(json.dumps(exchange.reply), nonce).algorithm == ("RS256" if profile == "1.7" else "ES384")


def test_wrong_pins_count_down_warn_on_the_last_try_then_block(pcsc_cards: PcscStack, tmp_path: Path) -> None:
    reader = pcsc_cards.reader_18
    for tries_before, tries_after in ((3, 2), (2, 1), (1, 0)):
        log = tmp_path / f"pinentry-{tries_before}.log"
        reply = authenticate(reader, pin="9999", log=log)
        assert reply["error"]["code"] == "ERR_WEBEID_NATIVE_FATAL"
        assert reply["error"]["reason"] in ("wrong-pin", "pin-blocked")
        assert reply["error"]["triesLeft"] == tries_after  # exactly one VERIFY per request: never retried
        commands = {e["command"]: e["argument"] for e in pinentry_log(log)}
        assert f"Tries left: {tries_before}" in commands["SETDESC"]
        assert ("SETERROR" in commands) == (tries_before == 1)
        if tries_before == 1:
            assert "Last try" in commands["SETERROR"]
    assert pcsc_cards.card_attribute(1, "pin_tries_left") == 0
    # Blocked: refused before any dialog (a "garbage" pinentry would give another reason).
    reply = authenticate(reader, action="garbage")
    assert reply["error"] == {"code": "ERR_WEBEID_NATIVE_FATAL", "message": "PIN blocked", "reason": "pin-blocked",
                              "triesLeft": 0}


def test_card_pulled_mid_command(pcsc_cards: PcscStack) -> None:
    reader = pcsc_cards.reader_17
    before = pcsc_cards.card_status(0)["apdus"]
    assert "unverifiedCertificate" in authenticate(reader)
    used = pcsc_cards.card_status(0)["apdus"] - before
    assert used > 4
    pcsc_cards.inject(0, "remove_after", used - 2)  # out of the reader while the card signs
    reply = authenticate(reader)
    assert reply["error"]["code"] == "ERR_WEBEID_NATIVE_FATAL"
    assert reply["error"]["reason"] in ("card-removed", "no-card")


def test_no_card(pcscd_no_card: PcscStack) -> None:
    reply = authenticate(pcscd_no_card.reader_18)
    assert reply["error"]["reason"] == "no-card"
    reply = request("get-signing-certificate", {"origin": ORIGIN}, args=[], env=host_env()).reply
    assert reply is not None and reply["error"]["reason"] == "no-card"


def test_no_reader(pcscd_no_readers: PcscStack) -> None:
    reply = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN}, args=[],
                    env=host_env()).reply
    assert reply is not None and reply["error"]["reason"] == "no-reader"


def test_pcscd_not_running(pcscd_not_running: None) -> None:
    reply = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN}, args=[],
                    env=host_env()).reply
    assert reply is not None and reply["error"]["reason"] == "no-reader"
