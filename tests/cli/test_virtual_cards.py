"""The card personas of the catalogue from the command line: ``eid --virtual NAME`` and
``eid emulate --card NAME`` / ``--list-cards``, through the installed ``eid`` command."""

from __future__ import annotations

import pytest

from eidlib.cli.emulate import build_card
from eidlib.cli.virtual_cards import SUMMARIES, card_names
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.generations import CARD_PERSONAS
from tests.cli.contract import checked, eid, error_of
from tests.pcsc_harness import PcscStack


def test_read_shows_the_kids_card_persona() -> None:
    document = checked(eid("--virtual", "kids", "--json", "read").out, "read")
    identity = document["identity"]
    assert identity["firstnames"] == "Lina" and identity["date_of_birth"] == "2022-03-03"
    assert identity["document_type"] == "kids_card"
    assert document["integrity"]["valid"] is True
    text = eid("--virtual", "kids", "read")
    assert text.code == 0 and "Lina" in text.out


def test_read_shows_a_foreigners_card_and_info_its_applet() -> None:
    identity = checked(eid("--virtual", "article-50", "--json", "read").out, "read")["identity"]
    assert identity["nationality"] == "Britannique" and identity["brexit_mention_1"] == "B"
    info = checked(eid("--virtual", "1.1", "--json", "info").out, "info")
    assert info["applet_version"] == "1.1" and info["key_algorithm"] == "rsa"


def test_options_apply_to_a_card_persona() -> None:
    run = eid("--virtual", "eu-citizen", "--virtual-option", "tries=1", "--json", "pin", "status")
    assert checked(run.out, "pin status")["pin_tries_left"] == 1
    run = eid("--virtual", "kids", "--virtual-option", "expired", "--json", "read")
    assert run.code == 0
    assert checked(run.out, "read")["identity"]["firstnames"] == "Lina"  # the persona's holder, now expired


def test_certificates_of_a_persona_validate_against_its_own_test_root() -> None:
    """1.7-ec runs the 1.7 applet with certificates of the EC test PKI: that root is the one trusted."""
    certificates = checked(eid("--virtual", "1.7-ec", "--json", "certs").out, "certs")["certificates"]
    authentication = next(c for c in certificates if c["slot"] == "authentication")
    assert authentication["valid"] is True and authentication["key"] == "EC secp384r1"


def test_unknown_persona_is_a_usage_error() -> None:
    run = eid("--virtual", "no-such-card", "read")
    assert run.code == 2
    assert "unknown virtual card 'no-such-card'" in run.err and "kids" in run.err and "--list-cards" in run.err
    error = error_of(eid("--virtual", "no-such-card", "--json", "read").out, "read", "UsageError")
    assert "no-such-card" in error["message"]
    run = eid("emulate", "--card", "no-such-card")
    assert run.code == 2 and "unknown virtual card 'no-such-card'" in run.err


def test_card_and_profile_do_not_go_together() -> None:
    run = eid("emulate", "--card", "kids", "--profile", "1.7")
    assert run.code == 2 and "--card and --profile" in run.err


def test_list_cards_one_line_each_in_the_users_language() -> None:
    run = eid("emulate", "--list-cards")
    lines = run.out.splitlines()
    assert run.code == 0 and [line.split()[0] for line in lines] == list(CARD_PERSONAS)
    assert lines[0].endswith(SUMMARIES["1.1"])
    french = eid("emulate", "--list-cards", env={"LC_ALL": "fr_BE.UTF-8", "LANG": "fr_BE.UTF-8"}).out
    assert "Kids-ID d'un enfant de moins de 6 ans" in french
    listing = checked(eid("emulate", "--list-cards", "--json").out, "emulate")["cards"]
    assert [(c["name"], c["profile"]) for c in listing] == [(p.name, p.profile) for p in CARD_PERSONAS.values()]


def test_every_card_persona_has_a_summary() -> None:
    assert set(SUMMARIES) == set(card_names()) == set(CARD_PERSONAS)


def test_emulate_builds_a_card_persona() -> None:
    old = build_card({"card": "1.1"})
    assert old.image.extra["applet_version"] == b"\x11"  # type: ignore[attr-defined]
    kids = build_card({"card": "kids-6-12", "profile": "1.7", "activated": False})  # the persona's applet wins
    assert kids.profile == "1.8" and not kids.activated  # type: ignore[attr-defined]
    with pytest.raises(EmulatorError, match="unknown card persona"):
        build_card({"card": "no-such-card"})


def test_emulate_serves_a_card_persona_through_pcscd(pcsc_cards: PcscStack) -> None:
    """``eid emulate --card`` (the control socket's ``restart card=...``) behind the real pcscd and vpcd."""
    pcsc_cards.restart_card(1, card="eu-citizen")
    document = checked(eid("--reader", pcsc_cards.reader_18, "--json", "read").out, "read")
    assert document["identity"]["nationality"] == "Française" and document["integrity"]["valid"] is True
    pcsc_cards.restart_card(1, card="1.1")
    info = checked(eid("--reader", pcsc_cards.reader_18, "--json", "info").out, "info")
    assert info["applet_version"] == "1.1" and info["pin_tries_left"] is None
