"""Headless Chromium for the portal's browser tests: Debian's ``chromium`` driven by Debian's
``/usr/bin/chromedriver`` (Selenium is pointed at it; nothing downloads a driver), a throwaway profile,
and the flags that keep the browser off the network (only 127.0.0.1 resolves)."""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = "/usr/lib/chromium/chromium"  # the binary itself: Debian's /usr/bin/chromium wrapper adds flags
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Where the step screenshots go: ``EIDLIB_PORTAL_SCREENSHOTS=docs/portal`` refreshes the README's images;
#: by default a temporary directory, so a test run leaves the work tree as it was.
SCREENSHOTS = Path(os.environ.get("EIDLIB_PORTAL_SCREENSHOTS", Path(tempfile.gettempdir()) / "eidlib-portal-shots"))

QUIET_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1000,800",
    "--lang=en-GB",
)


@contextmanager
def chromium(*, timezone: str = "Europe/Brussels") -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a private profile in ``timezone``; quit (by the driver, which owns the
    browser process) on exit. The browser console is kept so tests can look for CSP violations."""
    with tempfile.TemporaryDirectory(prefix="eidlib-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in QUIET_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(CHROMEDRIVER, env={**os.environ, "TZ": timezone})
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(20)
        driver.set_script_timeout(20)
        try:
            yield driver
        finally:
            driver.quit()


@dataclass
class Served:
    """A portal being served: its origin, the app, and ``stop()`` (idempotent) to take it off the air."""

    origin: str
    app: Flask
    stop: Callable[[], None]


@contextmanager
def serve(make_app: Callable[[str], Flask]) -> Iterator[Served]:
    """The app ``make_app(origin)`` under waitress on 127.0.0.1:<free port> in a thread (the origin is
    known once the port is bound, and the validator needs it)."""
    import waitress  # type: ignore[import-untyped]
    from waitress import wasyncore

    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return holder["app"].wsgi_app(environ, start_response)

    server: Any = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=4)
    origin = f"http://127.0.0.1:{server.effective_port}"
    holder["app"] = make_app(origin)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stopped: list[bool] = []

    def stop() -> None:
        # Everything is closed from the server's own loop thread (closing its sockets from here would
        # pull them from under a select()); the loop then ends, having nothing left to watch.
        if not stopped:
            stopped.append(True)
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            thread.join(timeout=5)
            server.task_dispatcher.shutdown()

    try:
        yield Served(origin, holder["app"], stop)
    finally:
        stop()


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save the whole page (beyond the window when it is taller) as ``<SCREENSHOTS>/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    viewport = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if size["height"] <= viewport[1]:
        driver.save_screenshot(str(path))
        return path
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": viewport[0], "height": size["height"], "scale": 1},
    })
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def tab_to(driver: WebDriver, css: str, *, limit: int = 30) -> None:
    """Press Tab until the element matching ``css`` has the focus, then Enter: the page works by keyboard."""
    for _ in range(limit):
        if driver.execute_script("return document.activeElement.matches(arguments[0])", css):
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"{css} cannot be reached with the Tab key")
