"""A real browser, as a citizen logs in: Chromium + OpenSC (NSS) + the virtual 1.7 card through pcscd →
nginx login host (TLS 1.2) → the portal's logged-in page with the card holder's name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.portal.tlsdemo import Demo
from tests.pcsc_harness import PcscStack
from tests.tls.browser import chromium_login
from tests.tls.stack import portal_stack

pytestmark = [pytest.mark.ocsp, pytest.mark.opensc, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def demo12(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with portal_stack(tmp_path_factory.mktemp("nginx12"), login_protocols="TLSv1.2") as running:
        yield running


def test_chromium_logs_in_with_the_17_card(demo12: Demo, pcsc_cards: PcscStack, tmp_path: Path) -> None:
    opensc_conf = tmp_path / "opensc.conf"
    opensc_conf.write_text('app default {\n    ignored_readers = "Virtual PCD 00 01";\n}\n')
    result = chromium_login(
        tmp_path, url=demo12.start_url, login_origin=demo12.login_url, expect="Emma Louise Specimen", pin="1234",
        server_ca=demo12.server_ca, resolver_rules="MAP portal.test 127.0.0.1, MAP login.portal.test 127.0.0.1",
        opensc_conf=opensc_conf,
    )
    assert result["dialog"] is True, result
    assert result["ok"] is True, result
    assert str(result["url"]).startswith(f"{demo12.portal_url}/en/home")
    assert pcsc_cards.card_attribute(0, "pin_tries_left") == 3


def test_the_whole_journey_from_the_language_page_with_the_17_card(demo12: Demo, pcsc_cards: PcscStack,
                                                                   tmp_path: Path) -> None:
    """Language page → English → Log in → eID card reader → eID step → login host → PIN (the browser's
    dialog) → the certificate confirmed in Chromium's "Select a certificate" → logged in."""
    opensc_conf = tmp_path / "opensc.conf"
    opensc_conf.write_text('app default {\n    ignored_readers = "Virtual PCD 00 01";\n}\n')
    result = chromium_login(
        tmp_path, url=demo12.start_url, login_origin=demo12.login_url, expect="Emma Louise Specimen", pin="1234",
        server_ca=demo12.server_ca, resolver_rules="MAP portal.test 127.0.0.1, MAP login.portal.test 127.0.0.1",
        opensc_conf=opensc_conf, portal=demo12.portal_url, confirm_certificate=True,
    )
    assert result["steps"] == ["Nederlands / Français / Deutsch / English", "en", f"{demo12.portal_url}/en/login",
                               f"{demo12.portal_url}/en/login/eid"], result
    assert result["dialog"] is True, result
    assert result["ok"] is True, result
    assert str(result["url"]).startswith(f"{demo12.portal_url}/en/home")
    assert pcsc_cards.card_attribute(0, "pin_tries_left") == 3
