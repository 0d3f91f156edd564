"""One Chromium login, run as a child process inside a private mount namespace (see ``browser.py``).

``python -m tests.tls.chromium_login URL EXPECT PIN RULES [PORTAL]`` opens URL in headful Chromium (the
DISPLAY, HOME with its NSS database, and OPENSC_CONF come from the environment), types PIN into the
browser's "Unlock Security Device" dialog with xdotool, and waits until the page shows EXPECT. Prints a
JSON result. With PORTAL (an origin), the run starts at that portal's language page instead and walks
the journey a citizen does: English → "Log in" → "eID card reader" → the eID step → the login host's
link (its address must start with URL); ``steps`` in the result lists the pages passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.tls.xscreen import save_png

CHROMIUM = "/usr/lib/chromium/chromium"
#: The browser window (at the screen's top left corner: there is no window manager).
WINDOW = (1000, 800)
CHROMEDRIVER = "/usr/bin/chromedriver"
DIALOG_TIMEOUT = 40.0
PAGE_TIMEOUT = 40.0


def _xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=10, check=False)
    return done.stdout.strip()


def shot(name: str) -> None:
    """Save the screen (page and native dialogs) as ``journey-tls-<name>.png`` when screenshots are asked for."""
    target, framebuffer = os.environ.get("EIDLIB_PORTAL_SCREENSHOTS"), os.environ.get("EIDLIB_XVFB_FRAMEBUFFER")
    if not target or not framebuffer:
        return
    time.sleep(0.7)  # let the page or dialog finish drawing
    save_png(Path(framebuffer), Path(target) / f"journey-tls-{name}.png", box=(0, 0, *WINDOW))


def _type_pin(pin: str) -> bool:
    """Focus the PIN dialog when it shows and type the PIN; False if it never showed."""
    deadline = time.monotonic() + DIALOG_TIMEOUT
    while time.monotonic() < deadline:
        windows = _xdotool("search", "--onlyvisible", "--name", "Unlock|Password|Sign in|Security Device").split()
        if windows:
            window = windows[-1]
            _xdotool("windowactivate", "--sync", window)
            _xdotool("windowfocus", "--sync", window)
            time.sleep(0.3)
            shot("05-pin")
            _xdotool("type", "--delay", "50", pin)
            _xdotool("key", "Return")
            return True
        time.sleep(0.25)
    return False


def _open(driver: WebDriver, css: str, path_end: str) -> None:
    """Click ``css`` and wait until the page whose path ends with ``path_end`` has loaded."""
    WebDriverWait(driver, PAGE_TIMEOUT).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, PAGE_TIMEOUT, poll_frequency=0.1).until(
        lambda d: d.current_url.split("?")[0].endswith(path_end)
        and d.execute_script("return document.readyState") == "complete")


def walk_to_login_host(driver: WebDriver, portal: str, login_url: str) -> tuple[list[str], str]:
    """The portal's pages from the language choice to the eID step; the pages passed and the link's address."""
    driver.get(portal + "/")
    WebDriverWait(driver, PAGE_TIMEOUT, poll_frequency=0.1).until(
        lambda d: d.execute_script("return document.readyState") == "complete" and d.find_elements(By.CSS_SELECTOR,
                                                                                                     "a.choice"))
    steps = [" / ".join(a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.choice"))]
    shot("01-language")
    _open(driver, 'a.choice[hreflang="en"]', "/en/")
    steps.append(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") or "")
    shot("02-welcome")
    _open(driver, "#connect", "/en/login")
    steps.append(driver.current_url)
    shot("03-digital-keys")
    _open(driver, "#method-eid", "/en/login/eid")
    steps.append(driver.current_url)
    shot("04-eid-step")
    link = str(driver.find_element(By.ID, "loginhost-link").get_attribute("href"))
    if not link.startswith(login_url):
        raise RuntimeError(f"the eID step links to {link}, not to the login host {login_url}")
    return steps, link


def main(url: str, expect: str, pin: str, resolver_rules: str, portal: str = "") -> int:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.page_load_strategy = "none"
    for flag in ("--no-sandbox", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                 f"--user-data-dir={os.environ['HOME']}/profile", f"--host-resolver-rules={resolver_rules}",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}", "--window-position=0,0", "--password-store=basic"):
        options.add_argument(flag)
    result: dict[str, object] = {"dialog": False, "ok": False}
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        if portal:
            result["steps"], url = walk_to_login_host(driver, portal, url)
        driver.get(url)
        result["dialog"] = _type_pin(pin)
        if result["dialog"] and os.environ.get("EIDLIB_CONFIRM_CERTIFICATE"):
            # NSS asked for the PIN to list the card's certificates; Chromium's "Select a certificate"
            # comes next, drawn in the browser window with the eID certificate preselected: OK is Return.
            time.sleep(2.0)
            shot("06-certificate")
            _xdotool("key", "Return")
        deadline = time.monotonic() + PAGE_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if expect in driver.page_source:
                    result["ok"] = True
                    if portal:
                        shot("07-logged-in")
                    break
            except WebDriverException:
                pass
            time.sleep(0.25)
        result["url"] = driver.current_url
        result["page"] = driver.page_source[-2000:]
    finally:
        driver.quit()
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
