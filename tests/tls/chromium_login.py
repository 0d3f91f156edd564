"""One Chromium login, run as a child process inside a private mount namespace (see ``browser.py``).

``python -m tests.tls.chromium_login URL EXPECT PIN`` opens URL in headful Chromium (the DISPLAY, HOME with
its NSS database, and OPENSC_CONF come from the environment), types PIN into the browser's "Unlock
Security Device" dialog with xdotool, and waits until the page shows EXPECT. Prints a JSON result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DIALOG_TIMEOUT = 40.0
PAGE_TIMEOUT = 40.0


def _xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=10, check=False)
    return done.stdout.strip()


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
            _xdotool("type", "--delay", "50", pin)
            _xdotool("key", "Return")
            return True
        time.sleep(0.25)
    return False


def main(url: str, expect: str, pin: str, resolver_rules: str) -> int:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.page_load_strategy = "none"
    for flag in ("--no-sandbox", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                 f"--user-data-dir={os.environ['HOME']}/profile", f"--host-resolver-rules={resolver_rules}",
                 "--window-size=1000,800", "--password-store=basic"):
        options.add_argument(flag)
    result: dict[str, object] = {"dialog": False, "ok": False}
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        driver.get(url)
        result["dialog"] = _type_pin(pin)
        deadline = time.monotonic() + PAGE_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if expect in driver.page_source:
                    result["ok"] = True
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
    sys.exit(main(*sys.argv[1:5]))
