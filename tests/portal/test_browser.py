"""The citizen's journey in a real browser (headless Chromium + Debian's chromedriver), with short session
times (idle 20 s, warning 10 s before the end):

language → "Log in" → digital keys → eID step (method detection) → logged in (holder, end of session in
the browser's time zone and the page's language) → idle warning → OK extends (the server's expiry moves)
→ activity in another tab moves this tab's deadline → lapse shows "could not be extended" without a
reload, with a working link → logout page; the 501, 404 and Redis-down 503 pages.

The login itself goes through the portal's token path: the test signs the page's challenge with the
virtual card (``authenticate()``, origin = the page's origin) and the page posts the token with
``eidPortal.loginWithToken`` — the call the Web eID page script makes with the extension's token. The TLS
login host and the Web eID extension + native host are exercised by their own tests once they merge.

Each step is saved as ``NN-step.png`` (``EIDLIB_PORTAL_SCREENSHOTS=docs/portal`` refreshes the README's).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import eidlib
from eidlib import Token
from eidlib.auth import AuthTokenValidator, RedisChallengeStore, authenticate
from eidlib.emulator.pki import TestPki
from examples.portal.app import COOKIE, create_app
from examples.portal.sessions import MemorySessionStore, RedisSessionStore, SessionManager
from tests.portal.browser import chromium, screenshot, serve, tab_to
from tests.support.redis import free_port

IDLE = 20.0
LEAD = 10.0
PIN = "1234"


def _trust() -> list[Any]:
    pki = TestPki.load(profile="1.8")
    return [pki.citizen_ca.certificate, pki.root.certificate]


def _portal(sessions: SessionManager, **kwargs: Any) -> Callable[[str], Flask]:
    def make(origin: str) -> Flask:
        validator = AuthTokenValidator(origin, _trust(), check_revocation=False, allow_http_localhost=True,
                                       **kwargs)
        return create_app(validator=validator, sessions=sessions, secret_key=b"browser-test-secret-0123456789")

    return make


@pytest.fixture(scope="module")
def sessions() -> SessionManager:
    return SessionManager(MemorySessionStore(), idle_timeout=IDLE, warning_lead=LEAD, absolute_timeout=3600)


@pytest.fixture(scope="module")
def portal(sessions: SessionManager) -> Iterator[str]:
    with serve(_portal(sessions)) as served:
        yield served.origin


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def card() -> Iterator[Token]:
    with eidlib.open_card(virtual="1.8") as token:
        yield token


def wait(driver: WebDriver, seconds: float) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, seconds, poll_frequency=0.2)


def is_open(driver: WebDriver, dialog_id: str) -> bool:
    return bool(driver.execute_script("return document.getElementById(arguments[0]).open", dialog_id))


def expires_at(driver: WebDriver) -> dt.datetime:
    text = driver.execute_script("return document.getElementById('session').dataset.expiresAt")
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def server_session(driver: WebDriver) -> tuple[int, Any]:
    """``GET /session`` from the page (with its HttpOnly cookie): status and body."""
    return tuple(driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/session', {headers: {Accept: 'application/json'}})"
        ".then(async r => done([r.status, await r.json()]));"))


def status_of(driver: WebDriver) -> int:
    """The HTTP status of the page shown (fetched again from the page)."""
    return int(driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(location.href).then(r => done(r.status));"))


def log_in(driver: WebDriver, origin: str, card: Token, lang: str) -> None:
    """On the eID step: sign the page's challenge with the virtual card and let the page post the token."""
    if not driver.current_url.endswith(f"/{lang}/login/eid"):
        driver.get(f"{origin}/{lang}/login/eid")
    nonce = driver.execute_script("return document.getElementById('eid-step').dataset.challenge")
    token = authenticate(PIN, challenge=nonce, origin=origin, token=card, allow_http_localhost=True)
    ok = driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; eidPortal.loginWithToken(arguments[0]).then(done);",
        token.to_dict())
    assert ok is True
    wait(driver, 10).until(lambda d: d.current_url.endswith(f"/{lang}/home"))


def csp_violations(driver: Chrome) -> list[str]:
    logs = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry["message"] for entry in logs if "Content Security Policy" in entry["message"]]


def test_journey_warning_extend_other_tab_and_lapse(browser: Chrome, portal: str, card: Token) -> None:
    browser.get(portal + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.choice")]
    assert names == ["Nederlands", "Français", "Deutsch", "English"]
    screenshot(browser, "01-language")
    tab_to(browser, 'a.choice[hreflang="en"]')
    wait(browser, 5).until(lambda d: d.current_url.endswith("/en/"))
    screenshot(browser, "02-welcome")
    tab_to(browser, "#connect")
    wait(browser, 5).until(lambda d: d.current_url.endswith("/en/login"))
    assert "Not available in this demo" in browser.find_element(By.ID, "na-itsme").text
    screenshot(browser, "03-digital-keys")
    tab_to(browser, "#method-eid")
    wait(browser, 5).until(lambda d: d.current_url.endswith("/en/login/eid"))
    # No extension in this browser and no login host configured: the page says what to install.
    status = browser.find_element(By.ID, "webeid-status")
    wait(browser, 10).until(lambda d: status.text != "Checking whether Web eID is available…")
    assert status.text == "The Web eID extension is not installed in this browser."
    assert browser.find_element(By.ID, "install-help").is_displayed()
    assert not browser.find_element(By.ID, "webeid-login").is_enabled()
    screenshot(browser, "04-eid-step")

    log_in(browser, portal, card, "en")
    assert browser.find_element(By.ID, "holder").text == "Welcome, Emma Louise Specimen"
    end = expires_at(browser)
    local = end.astimezone(ZoneInfo("Europe/Brussels"))
    shown = browser.find_element(By.ID, "session-end").text
    assert local.strftime("%A") in shown and str(local.year) in shown and local.strftime("%H:%M") in shown
    assert not re.search(r"\d{4}-\d\d-\d\dT", shown)  # formatted, not the raw ISO timestamp
    screenshot(browser, "05-logged-in")

    # 1. The warning opens about LEAD seconds before the end, as a focused alertdialog; OK (Enter) extends.
    wait(browser, IDLE).until(lambda d: is_open(d, "idle-warning"))
    assert browser.find_element(By.ID, "idle-warning").get_attribute("role") == "alertdialog"
    assert browser.switch_to.active_element.get_attribute("id") == "idle-warning-ok"
    assert dt.datetime.now(dt.timezone.utc) >= end - dt.timedelta(seconds=LEAD + 1)
    screenshot(browser, "06-idle-warning")
    browser.switch_to.active_element.send_keys("\n")
    wait(browser, 5).until(lambda d: not is_open(d, "idle-warning"))
    extended = expires_at(browser)
    assert extended > end
    status_code, body = server_session(browser)
    assert status_code == 200 and body["session"]["expiresAt"] == extended.isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")

    # 2. Activity in another tab moves this tab's deadline: its warning closes without a click here.
    wait(browser, IDLE).until(lambda d: is_open(d, "idle-warning"))
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(portal + "/en/home")
    browser.close()
    browser.switch_to.window(first)
    wait(browser, 2 * LEAD).until(lambda d: not is_open(d, "idle-warning"))
    assert expires_at(browser) > extended

    # 3. Letting it lapse: "could not be extended" appears without a reload, and its link works.
    browser.execute_script("window.sameDocument = true")
    wait(browser, IDLE).until(lambda d: is_open(d, "idle-warning"))
    wait(browser, LEAD + 5).until(lambda d: is_open(d, "session-ended"))
    assert browser.execute_script("return window.sameDocument") is True
    assert browser.find_element(By.ID, "session-ended-title").text == "The session could not be extended"
    assert not is_open(browser, "idle-warning")
    assert not browser.find_element(By.ID, "holder").is_displayed()  # the holder's name left the screen
    assert browser.switch_to.active_element.get_attribute("id") == "login-again"
    screenshot(browser, "07-session-ended")
    assert server_session(browser)[0] == 401
    browser.switch_to.active_element.send_keys("\n")
    wait(browser, 5).until(lambda d: d.current_url.endswith("/en/login"))
    assert csp_violations(browser) == []


def test_extend_refused_by_the_server_shows_the_message(browser: Chrome, portal: str, card: Token,
                                                        sessions: SessionManager) -> None:
    log_in(browser, portal, card, "nl")
    wait(browser, IDLE).until(lambda d: is_open(d, "idle-warning"))
    cookie = browser.get_cookie(COOKIE)
    assert cookie is not None
    sessions.destroy(cookie["value"])  # e.g. the absolute cap, or an operator ended it
    browser.find_element(By.ID, "idle-warning-ok").click()
    wait(browser, 5).until(lambda d: is_open(d, "session-ended"))
    assert browser.find_element(By.ID, "session-ended-title").text == "De sessie kon niet verlengd worden"


def test_extend_with_the_server_gone_shows_the_message(browser: Chrome, card: Token) -> None:
    sessions = SessionManager(MemorySessionStore(), idle_timeout=IDLE, warning_lead=LEAD, absolute_timeout=3600)
    with serve(_portal(sessions)) as served:
        log_in(browser, served.origin, card, "fr")
        wait(browser, IDLE).until(lambda d: is_open(d, "idle-warning"))
        served.stop()  # the server is unreachable when the user presses OK
        browser.find_element(By.ID, "idle-warning-ok").click()
        wait(browser, 10).until(lambda d: is_open(d, "session-ended"))
        assert browser.find_element(By.ID, "session-ended-title").text == "La session n'a pas pu être prolongée"
        assert browser.find_element(By.ID, "login-again").get_attribute("href") == served.origin + "/fr/login"


GERMAN_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def test_logout_501_404_pages(browser: Chrome, portal: str, card: Token) -> None:
    log_in(browser, portal, card, "de")
    local = expires_at(browser).astimezone(ZoneInfo("Europe/Brussels"))
    shown = browser.find_element(By.ID, "session-end").text
    assert GERMAN_DAYS[local.weekday()] in shown and local.strftime("%H:%M") in shown  # the page's language
    tab_to(browser, "#logout")
    wait(browser, 5).until(lambda d: d.current_url.endswith("/de/logged-out"))
    assert browser.find_element(By.ID, "logged-out").text == "Sie sind abgemeldet"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    screenshot(browser, "08-logged-out")
    browser.get(portal + "/de/home")  # the session is gone on the server
    assert browser.current_url.endswith("/de/login")

    browser.get(portal + "/fr/login")
    tab_to(browser, "#method-itsme")
    wait(browser, 5).until(lambda d: d.current_url.endswith("/fr/login/itsme"))
    assert status_of(browser) == 501
    assert "Non disponible dans cette démo" in browser.find_element(By.ID, "error-text").text
    screenshot(browser, "09-not-available")

    browser.get(portal + "/fr/nulle-part/ici")
    assert status_of(browser) == 404
    assert browser.find_element(By.ID, "error-title").text == "Page introuvable"
    screenshot(browser, "10-not-found")
    assert csp_violations(browser) == []


def test_redis_outage_page(browser: Chrome) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    sessions = SessionManager(RedisSessionStore(dead), idle_timeout=IDLE, warning_lead=LEAD)
    with serve(_portal(sessions, challenge_store=RedisChallengeStore(dead))) as served:
        browser.get(served.origin + "/nl/login/eid")
        assert status_of(browser) == 503
        assert browser.find_element(By.ID, "error-title").text == "Dienst tijdelijk niet beschikbaar"
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
        screenshot(browser, "11-unavailable")


def test_webeid_detection_when_the_extension_answers(browser: Chrome, portal: str) -> None:
    # Stands in for the Web eID content script (the real extension comes with the Web eID host work):
    # it answers the page's status request the way the extension does, -ack then -success.
    responder = """
        window.addEventListener("message", (event) => {
          if (event.source === window && event.data && event.data.action === "web-eid:status") {
            window.postMessage({action: "web-eid:status-ack"}, location.origin);
            window.postMessage({action: "web-eid:status-success", library: "2.0.0", extension: "2.6.0",
                                nativeApp: "2.7.0"}, location.origin);
          }
        });"""
    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": responder})
    try:
        browser.get(portal + "/en/login/eid")
        status = browser.find_element(By.ID, "webeid-status")
        wait(browser, 10).until(lambda d: status.text != "Checking whether Web eID is available…")
        assert status.text == "Web eID is available."
        assert browser.find_element(By.ID, "webeid-login").is_enabled()
        assert not browser.find_element(By.ID, "install-help").is_displayed()
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})
    browser.get(portal + "/en/login/eid")  # and without it again
    wait(browser, 10).until(lambda d: d.find_element(By.ID, "webeid-status").text.startswith("The Web eID"))
