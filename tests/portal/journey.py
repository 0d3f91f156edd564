"""For the full-journey browser tests (language page to logged in with a real card): the walk from the
language page to the eID step, the server-side check of the session a browser holds, and where the step
screenshots go.

Screenshots go to the test's temporary directory, unless ``EIDLIB_PORTAL_SCREENSHOTS`` names a directory
(``EIDLIB_PORTAL_SCREENSHOTS=docs/portal`` refreshes the README's images).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import eidlib
from examples.portal.app import COOKIE

#: Bound of every wait for a page of the portal (loopback: a page takes milliseconds).
PAGE_WAIT = 15.0


def shots_dir(tmp_path: Path) -> Path:
    """Where this run's step screenshots go."""
    chosen = os.environ.get("EIDLIB_PORTAL_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path / "shots"


def holder_name(reader: str) -> tuple[str, str]:
    """(first given name, surname) of the card in ``reader``, read through pcscd."""
    with eidlib.open_card(reader) as card:
        identity = card.read_identity()
    return identity.firstnames.split()[0], identity.surname


def _loaded(driver: WebDriver, path_end: str) -> bool:
    return bool(driver.current_url.split("?")[0].endswith(path_end)
                and driver.execute_script("return document.readyState") == "complete")


def open_step(driver: WebDriver, css: str, path_end: str) -> None:
    """Click the element ``css`` and wait until the page whose path ends with ``path_end`` has loaded."""
    WebDriverWait(driver, PAGE_WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, PAGE_WAIT, poll_frequency=0.1).until(lambda d: _loaded(d, path_end))


def walk_to_eid_step(driver: WebDriver, origin: str, lang: str, shot: Callable[[str], object]) -> None:
    """Language page → ``lang`` → "Log in" → "eID card reader" → the eID step, ``shot(name)`` at each page."""
    driver.get(origin + "/")
    WebDriverWait(driver, PAGE_WAIT, poll_frequency=0.1).until(lambda d: _loaded(d, "/"))
    names = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.choice")]
    assert names == ["Nederlands", "Français", "Deutsch", "English"], names
    shot("01-language")
    open_step(driver, f'a.choice[hreflang="{lang}"]', f"/{lang}/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    shot("02-welcome")
    open_step(driver, "#connect", f"/{lang}/login")
    shot("03-digital-keys")
    open_step(driver, "#method-eid", f"/{lang}/login/eid")


def wait_for_home(driver: WebDriver, lang: str, seconds: float) -> str:
    """Wait until the logged-in page is shown; its heading (the holder's name)."""
    WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: _loaded(d, f"/{lang}/home"))
    return str(driver.find_element(By.ID, "holder").text)


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 whatever the host name, which still names the server for SNI and the check."""

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def session_of(origin: str, cookie: str | None, cafile: Path) -> tuple[int, dict[str, Any]]:
    """``GET /session`` from outside the browser, with the browser's session cookie (or none)."""
    url = urllib.parse.urlsplit(origin)
    assert url.hostname is not None and url.port is not None
    context = ssl.create_default_context(cafile=str(cafile))
    connection = _PinnedHttps(url.hostname, url.port, context=context, timeout=10)
    try:
        headers = {"Accept": "application/json"}
        if cookie is not None:
            headers["Cookie"] = f"{COOKIE}={cookie}"
        connection.request("GET", "/session", headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def browser_session_cookie(driver: WebDriver) -> str:
    cookie = driver.get_cookie(COOKIE)
    assert cookie is not None, "the browser holds no session cookie"
    return str(cookie["value"])
