"""A real Chromium: page → test extension → native messaging → ``eid webeid-host`` → card through pcscd.

Headless Chromium (``--headless=new``) loads ``tests/webeid/extension`` (a relay of the page's Web eID
messages, page ↔ extension protocol), finds ``eu.webeid`` through a manifest in its throwaway
``--user-data-dir/NativeMessagingHosts``, and starts the host with its launcher; the host signs with a
virtual card in pcscd and asks the PIN from the scripted pinentry. The portal (examples/portal) is
served over HTTPS on loopback and validates the token with :class:`AuthTokenValidator`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

import eidlib
from eidlib.auth import AuthTokenValidator
from eidlib.webeid.manifest import manifest_for, write_launcher, write_manifest
from examples.portal.app import create_app
from tests.pcsc_harness import PcscStack
from tests.webeid.driver import FAKE_PINENTRY, pinentry_log

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
EXTENSION = Path(__file__).with_name("extension")
EXTENSION_ID = "aacgpbgbeehciecceadabgjhjjinnbam"  # from the "key" in its manifest.json
HOST = "portal.test"
WAIT = 90.0


def _tls_files(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "portal.pem", directory / "portal.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def portal(tmp_path: Path, pcsc_cards: PcscStack) -> Iterator[str]:
    """The example portal over HTTPS on 127.0.0.1 (ephemeral port), trusting both virtual card PKIs."""
    anchors: list[bytes] = []
    for reader in (pcsc_cards.reader_17, pcsc_cards.reader_18):
        with eidlib.open_card(reader) as card:
            certs = card.read_certificates()
        assert certs.root and certs.ca
        anchors += [certs.root, certs.ca]
    apps: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: apps["app"](env, start), threaded=True)
    origin = f"https://{HOST}:{server.server_port}"
    apps["app"] = create_app(validator=AuthTokenValidator(origin, anchors, check_revocation=False))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_tls_files(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def chromium(tmp_path: Path, pcsc_cards: PcscStack, request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with the test extension and a user-level ``eu.webeid`` manifest."""
    profile, action = request.param
    data_dir = tmp_path / "chromium-profile"
    launcher = write_launcher(tmp_path / "bin" / "webeid-host", python=sys.executable)
    write_manifest(data_dir / "NativeMessagingHosts",
                   manifest_for("chromium", launcher, extra_origins=[f"chrome-extension://{EXTENSION_ID}/"]))
    extension = tmp_path / "extension"
    shutil.copytree(EXTENSION, extension)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "EIDLIB_PINENTRY": FAKE_PINENTRY,
        "FAKE_PINENTRY_PIN": "1234",
        "FAKE_PINENTRY_ACTION": action,
        "FAKE_PINENTRY_LOG": str(tmp_path / "pinentry.log"),
        "EIDLIB_WEBEID_READER": pcsc_cards.reader_17 if profile == "1.7" else pcsc_cards.reader_18,
    }
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", f"--user-data-dir={data_dir}",
        f"--load-extension={extension}", f"--disable-extensions-except={extension}",
        "--disable-features=DisableLoadExtensionCommandLineSwitch",
        f"--host-resolver-rules=MAP {HOST} 127.0.0.1", "--ignore-certificate-errors",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--disable-default-apps", "--disable-domain-reliability",
        "--metrics-recording-only", "--disable-breakpad", "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER, env=env))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def _status(driver: webdriver.Chrome) -> str:
    def settled(d: webdriver.Chrome) -> str | bool:
        text = str(d.find_element(By.ID, "webeid-status").text)
        return text if text and text != "working" else False

    return str(WebDriverWait(driver, WAIT).until(settled))


def _press_webeid_login(driver: webdriver.Chrome, portal: str, *, signing: bool = False) -> None:
    """Open the portal's eID step, wait until it found the extension (status answered by the host), click."""
    driver.get(f"{portal}/en/login/eid" + ("?signing=1" if signing else ""))
    button = driver.find_element(By.ID, "webeid-login")
    WebDriverWait(driver, WAIT).until(lambda d: button.is_enabled())
    button.click()


def _outcome(driver: webdriver.Chrome) -> str:
    """``home`` once the portal logged the user in, else the Web eID error code the page got."""
    def settled(d: webdriver.Chrome) -> str | bool:
        if d.current_url.endswith("/en/home"):
            return "home"
        try:
            steps = d.find_elements(By.ID, "eid-step")
            return (steps[0].get_attribute("data-webeid-error") or False) if steps else False
        except StaleElementReferenceException:  # the page is navigating to the home page
            return False

    return str(WebDriverWait(driver, WAIT).until(settled))


def _log_in(driver: webdriver.Chrome, portal: str, reader: str, *, signing: bool = False) -> None:
    """Press the Web eID button and land on the home page of the card's holder."""
    _press_webeid_login(driver, portal, signing=signing)
    assert _outcome(driver) == "home"
    with eidlib.open_card(reader) as card:
        identity = card.read_identity()
    heading = driver.find_element(By.ID, "holder").text
    assert identity.surname in heading and identity.firstnames.split()[0] in heading, heading


def _reader(stack: PcscStack, profile: str) -> str:
    return stack.reader_17 if profile == "1.7" else stack.reader_18


@pytest.mark.parametrize("chromium", [("1.7", "pin"), ("1.8", "pin")], indirect=True, ids=["1.7", "1.8"])
def test_page_logs_in_and_signs_a_hash_through_the_host(
    chromium: webdriver.Chrome, portal: str, pcsc_cards: PcscStack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    profile = request.node.callspec.params["chromium"][0]
    _log_in(chromium, portal, _reader(pcsc_cards, profile))
    assert chromium.execute_script("return sessionStorage.getItem('webeid-token-format')") == "web-eid:1.0"
    prompts = [e["argument"] for e in pinentry_log(tmp_path / "pinentry.log") if e["command"] == "SETDESC"]
    assert prompts and portal in prompts[0] and "authentication" in prompts[0]

    chromium.get(f"{portal}/en/sign")
    chromium.find_element(By.ID, "webeid-sign-button").click()
    status = _status(chromium)
    assert status.startswith("signed:") and "Specimen" in status, status
    log = pinentry_log(tmp_path / "pinentry.log")
    assert [e["command"] for e in log].count("CONFIRM") == 1  # consent to share the signing certificate
    sign_prompt = [e["argument"] for e in log if e["command"] == "SETDESC"][-1]
    assert portal in sign_prompt and "Key: signature" in sign_prompt and "SIGN" in sign_prompt
    assert "1234" not in json.dumps(log)


@pytest.mark.parametrize("chromium", [("1.8", "pin")], indirect=True, ids=["1.8"])
def test_page_logs_in_with_a_1_1_token_carrying_the_signing_certificate(
    chromium: webdriver.Chrome, portal: str, pcsc_cards: PcscStack
) -> None:
    _log_in(chromium, portal, pcsc_cards.reader_18, signing=True)
    assert chromium.execute_script("return sessionStorage.getItem('webeid-token-format')") == "web-eid:1.1"


@pytest.mark.parametrize("chromium", [("1.8", "cancel")], indirect=True, ids=["1.8"])
def test_cancel_in_the_pin_dialog_reaches_the_page(chromium: webdriver.Chrome, portal: str) -> None:
    _press_webeid_login(chromium, portal)
    assert _outcome(chromium) == "ERR_WEBEID_USER_CANCELLED"
