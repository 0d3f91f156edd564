"""The whole journey through Web eID: Chromium (``--headless=new``) with the tests' relay extension, the
``eu.webeid`` native host (``eid webeid-host``) asking the PIN from the scripted pinentry, and the virtual
1.8 card through pcscd. The browser, extension, host manifest and HTTPS portal are the fixtures of
``tests/webeid/test_browser.py``.

language page → English → "Log in" → "eID card reader" → eID step (Web eID detected) → "Log in with
Web eID" → the host's PIN prompt (pinentry; scripted here, so it has no screenshot) → the logged-in page
with the holder's name, and a session the server knows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.pcsc_harness import PcscStack
from tests.portal.journey import (
    PAGE_WAIT,
    browser_session_cookie,
    holder_name,
    session_of,
    shots_dir,
    wait_for_home,
    walk_to_eid_step,
)
from tests.webeid.driver import pinentry_log
from tests.webeid.test_browser import chromium, portal

__all__ = ["chromium", "portal"]

pytestmark = pytest.mark.timeout(120)

#: Bound of the wait for the signed login: host start, PIN prompt, card signature, token check.
LOGIN_WAIT = 40.0


@pytest.mark.parametrize("chromium", [("1.8", "pin")], indirect=True, ids=["1.8"])
def test_journey_through_web_eid_with_the_18_card(chromium: webdriver.Chrome, portal: str, pcsc_cards: PcscStack,
                                                   tmp_path: Path) -> None:
    given, surname = holder_name(pcsc_cards.reader_18)
    shots = shots_dir(tmp_path)
    chromium.set_window_size(1000, 800)

    def shot(name: str) -> None:
        shots.mkdir(parents=True, exist_ok=True)
        assert chromium.save_screenshot(str(shots / f"journey-webeid-{name}.png"))

    walk_to_eid_step(chromium, portal, "en", shot)
    button = chromium.find_element(By.ID, "webeid-login")
    WebDriverWait(chromium, PAGE_WAIT).until(lambda d: button.is_enabled())  # the extension and host answered
    assert chromium.find_element(By.ID, "webeid-status").text == "Web eID is available."
    assert not chromium.find_element(By.ID, "install-help").is_displayed()
    shot("04-eid-step")

    button.click()
    heading = wait_for_home(chromium, "en", LOGIN_WAIT)
    shot("05-logged-in")
    assert given in heading and surname in heading, heading

    prompts = [e["argument"] for e in pinentry_log(tmp_path / "pinentry.log") if e["command"] == "SETDESC"]
    assert len(prompts) == 1 and portal in prompts[0] and "authentication" in prompts[0], prompts
    cafile = tmp_path / "portal.pem"  # the portal fixture's self-signed certificate
    status, body = session_of(portal, browser_session_cookie(chromium), cafile)
    assert status == 200, body
    assert body["user"]["surname"] == surname and body["session"]["authMethod"] == "eid"
    assert session_of(portal, None, cafile)[0] == 401
    assert pcsc_cards.card_attribute(1, "pin_tries_left") == 3
