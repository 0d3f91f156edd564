"""eidlib's client → real nginx login host → portal session, with the virtual cards in process."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import eidlib
from eidlib.tls import HttpSession, login
from examples.portal.tlsdemo import Demo
from tests.tls.stack import RESOLVE, anonymous_session, portal_stack

pytestmark = pytest.mark.ocsp


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with portal_stack(tmp_path_factory.mktemp("nginx")) as running:
        yield running


class RecordingToken:
    """Forwards to a card and records how ``sign`` was called (what the TLS layer asked for)."""

    def __init__(self, card: Any) -> None:
        self._card = card
        self.calls: list[dict[str, Any]] = []

    def sign(self, data: bytes, **options: Any) -> bytes:
        self.calls.append({"size": len(data), **options})
        return bytes(self._card.sign(data, **options))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._card, name)


def _session_json(session: HttpSession, demo: Demo) -> Any:
    return session.get(f"{demo.portal_url}/session").json()


@pytest.mark.parametrize(("profile", "version", "padding"), [
    ("1.7", "1.2", "pkcs1v15"), ("1.7", "1.3", "pss"), ("1.8", "1.2", "pkcs1v15"), ("1.8", "1.3", "pkcs1v15"),
])
def test_login_through_nginx(demo: Demo, profile: str, version: str, padding: str) -> None:
    with eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        token = RecordingToken(card)
        result = login(demo.start_url, token=token, pin=bytearray(b"1234"), ca_file=demo.server_ca,
                       versions=[version], resolve=RESOLVE)
        assert card.pin_tries_left() == 3
    assert result.tls_version == version
    assert result.user["surname"] == "Specimen" and result.user["level"] == 500
    assert result.user["auth_method"] == "eid"
    # exactly one signature, of a transcript hash, with the authentication key
    assert len(token.calls) == 1
    call = token.calls[0]
    assert call["key"] == "authentication" and call["prehashed"] is True and call["padding"] == padding
    assert call["size"] == (48 if profile == "1.8" else 32)
    status = _session_json(result.session, demo)
    assert status["authenticated"] is True
    assert (status["session"]["authMethod"], status["session"]["level"]) == ("eid", 500)
    assert status["session"]["idleTimeoutSeconds"] == 20 * 60


def test_no_certificate_no_session(demo: Demo) -> None:
    session = anonymous_session(demo)
    answer = session.get(demo.start_url)
    assert answer.status == 401 and answer.url.startswith(demo.login_url)
    assert _session_json(session, demo).get("error") == "session_expired"


def test_forged_header_through_nginx_is_replaced(demo: Demo) -> None:
    with eidlib.open_card(virtual="1.8") as card:
        der = card.read_certificates().authentication
    assert der
    from tests.tls.stack import pem

    session = anonymous_session(demo)
    answer = session.get(demo.start_url, headers={"X-SSL-Client-Cert": urllib.parse.quote(pem(der), safe="")})
    assert answer.status == 401


def test_code_is_single_use_and_bound_to_the_browser_session(demo: Demo) -> None:
    with eidlib.open_card(virtual="1.8") as card:
        result = login(demo.start_url, token=card, pin=bytearray(b"1234"), ca_file=demo.server_ca, resolve=RESOLVE)
    replay = result.session.get(result.response.url, headers={"Accept": "application/json"})
    assert replay.status == 403
    # a live code, issued to another browser's pre-login session, is refused here
    state = demo.handoff.start("another-browser-session", "en")
    code = demo.handoff.complete(state, result.user)
    stranger = anonymous_session(demo)
    stranger.get(f"{demo.portal_url}/auth/challenge")  # gets this browser its own pre-login cookie
    answer = stranger.get(f"{demo.portal_url}/auth/eid-tls/return?code={code}", headers={"Accept": "application/json"})
    assert answer.status == 403
    assert _session_json(stranger, demo).get("error") == "session_expired"


def test_state_is_single_use(demo: Demo, tmp_path: Path) -> None:
    with eidlib.open_card(virtual="1.8") as card:
        result = login(demo.start_url, token=card, pin=bytearray(b"1234"), ca_file=demo.server_ca, resolve=RESOLVE)
    login_request = next(url for url in result.response.history if url.startswith(demo.login_url))
    with eidlib.open_card(virtual="1.8") as card, eidlib.tls.EidSession(
            card, pin=bytearray(b"1234"), ca_file=demo.server_ca, resolve=RESOLVE) as again:
        assert again.get(login_request).status == 400


def _openssl_session(demo: Demo, tmp_path: Path, version: str, *reuse: str) -> str:
    import subprocess

    command = ["openssl", "s_client", "-connect", f"127.0.0.1:{demo.login_port}", "-servername", "login.portal.test",
               "-CAfile", str(demo.server_ca), f"-tls1_{version[-1]}", *reuse]
    done = subprocess.run(command, input="GET / HTTP/1.0\r\nHost: login.portal.test\r\n\r\n", capture_output=True,
                          text=True, timeout=30, check=False)
    return done.stdout


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_login_host_never_resumes_a_tls_session(demo: Demo, tmp_path: Path, version: str) -> None:
    import re

    saved = tmp_path / "tls-session.pem"
    first = _openssl_session(demo, tmp_path, version, "-sess_out", str(saved))
    assert f"New, TLSv{version}" in first
    # nothing to resume with: no session id (TLS 1.2), no ticket (1.2 and 1.3), so OpenSSL saves no session
    assert re.search(r"Session-ID: *[0-9A-F]+", first) is None
    assert "New Session Ticket" not in first and "session ticket:" not in first.lower()
    assert not saved.exists()


def test_logout_ends_the_session_and_a_new_login_needs_the_card(demo: Demo) -> None:
    import re

    with eidlib.open_card(virtual="1.7") as card:
        result = login(demo.start_url, token=card, pin=bytearray(b"1234"), ca_file=demo.server_ca, resolve=RESOLVE)
    session = result.session
    home = session.get(f"{demo.portal_url}/en/home")
    assert "Emma Louise Specimen" in home.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert match
    assert session.post(f"{demo.portal_url}/logout", json={}, headers={"X-CSRF-Token": match.group(1)}).json() == {
        "loggedOut": True}
    assert _session_json(session, demo).get("error") == "session_expired"
    # the same cookie jar without a card: the login host gets no certificate, the portal gives no session
    cardless = anonymous_session(demo)
    cardless.cookies = session.cookies
    assert cardless.get(demo.start_url).status == 401
    assert _session_json(cardless, demo).get("error") == "session_expired"


def test_header_from_a_non_proxy_peer_is_ignored_and_logged(demo: Demo, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from examples.portal.tlsstack import serve
    from tests.tls.stack import pem

    with eidlib.open_card(virtual="1.8") as card:
        der = card.read_certificates().authentication
    assert der
    direct = serve(demo.login_app)  # the login host app on plain TCP, reachable without nginx
    try:
        port = direct.server.server_port
        state = demo.handoff.start("victim-session", "en")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/eid?state={state}",
                                         headers={"X-SSL-Client-Cert": urllib.parse.quote(pem(der), safe="")})
        with caplog.at_level(logging.WARNING), pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    finally:
        direct.stop()
    assert "client-certificate header from untrusted peer '127.0.0.1' ignored" in caplog.text
    assert "NoAuthenticationCertificate" in caplog.text


def _refused_by_curl(demo: Demo, tmp_path: Path, cert: Any, key: Any) -> str:
    """Log in with curl and a software key; return who refused: "nginx" (its own chain check) or "eidlib"."""
    from tests.tls.stack import curl_login, write_key_pair

    cert_path, key_path = write_key_pair(tmp_path, "client", cert, key)
    status, body = curl_login(demo, tmp_path, "--cert", str(cert_path), "--key", str(key_path))
    assert "user" not in body
    # optional_no_ca still lets OpenSSL refuse what it can judge (expired, wrong purpose): nginx answers 400
    if status == 400 and "SSL certificate error" in body:
        return "nginx"
    assert status == 401, body
    return "eidlib"


def test_signature_certificate_gets_no_session(demo: Demo, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from eidlib.emulator.persona import Persona
    from eidlib.emulator.pki import TestPki

    issued = TestPki.load(profile="1.8").issue_card_certificates(Persona.default())
    # OpenSSL already refuses it for TLS client use (no digitalSignature): nginx answers 400 ...
    assert _refused_by_curl(demo, tmp_path, issued.sign_cert, issued.sign_key) == "nginx"
    # ... and should a proxy forward it anyway, eidlib refuses the non-repudiation certificate itself.
    from cryptography.hazmat.primitives import serialization

    from tests.tls.stack import pem

    state = demo.handoff.start("some-session", "en")
    header = urllib.parse.quote(pem(issued.sign_cert.public_bytes(serialization.Encoding.DER)), safe="")
    with caplog.at_level("WARNING", logger="examples.portal.audit"):
        answer = demo.login_app.test_client().get(f"/eid?state={state}", headers={"X-SSL-Client-Cert": header},
                                                  environ_base={"REMOTE_ADDR": "<local>"})
    assert answer.status_code == 401
    assert "WrongPurpose" in caplog.text


def test_foreign_expired_and_unknown_certificates_get_no_session(demo: Demo, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    import datetime as dt

    from eidlib.emulator.pki import TestPki
    from tests.support.pki import issue, make_pki

    virtual_ca = TestPki.load(profile="1.8").citizen_ca
    now = dt.datetime.now(dt.timezone.utc)
    with caplog.at_level("WARNING", logger="examples.portal.audit"):
        foreign = make_pki().auth
        assert _refused_by_curl(demo, tmp_path, foreign.cert, foreign.key) == "eidlib"
        assert "CertificateNotTrusted" in caplog.text
        expired = issue("auth", "Late Specimen (Authentication)", virtual_ca, not_before=now - dt.timedelta(days=30),
                        not_after=now - dt.timedelta(days=1))
        assert _refused_by_curl(demo, tmp_path, expired.cert, expired.key) == "nginx"
        # valid and from the right CA, but the OCSP responder has never heard of it: fail closed
        fresh = issue("auth", "New Specimen (Authentication)", virtual_ca, not_before=now - dt.timedelta(days=1))
        assert _refused_by_curl(demo, tmp_path, fresh.cert, fresh.key) == "eidlib"
        assert "CertificateRevoked" in caplog.text


@pytest.mark.parametrize(("profile", "version"), [("1.7", "1.3"), ("1.8", "1.2")])
def test_dev_mode_without_nginx(tmp_path: Path, profile: str, version: str) -> None:
    from examples.portal.tlsdemo import build_demo

    with build_demo(tmp_path, dev=True) as dev, eidlib.open_card(virtual="1.7" if profile == "1.7" else "1.8") as card:
        result = login(dev.start_url, token=card, pin=bytearray(b"1234"), ca_file=dev.server_ca,
                       versions=[version], resolve=RESOLVE)
        assert dev.nginx is None
    assert result.user["level"] == 500 and result.tls_version == version


def test_only_the_login_host_asks_for_a_certificate_with_the_belgian_ca_names(demo: Demo, tmp_path: Path) -> None:
    import subprocess

    def handshake(port: int, name: str) -> str:
        command = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", name,
                   "-CAfile", str(demo.server_ca), "-tls1_2"]
        return subprocess.run(command, input="", capture_output=True, text=True, timeout=30, check=False).stdout

    login_side = handshake(demo.login_port, "login.portal.test")
    names = login_side.split("Acceptable client certificate CA names", 1)[1].split("Client Certificate Types", 1)[0]
    assert "serialNumber = 202002, CN = Citizen CA" in names and "serialNumber = 202001, CN = Foreigner CA" in names
    assert "CN = eidlib TEST RSA Citizen CA" in names and "CN = eidlib TEST EC Citizen CA" in names
    assert "Root" not in names  # the roots (ssl_trusted_certificate) are used, not announced
    assert "Requested Signature Algorithms: RSA+SHA256:RSA-PSS+SHA256:ECDSA+SHA384:ECDSA+SHA256" in login_side
    portal_side = handshake(demo.portal_port, "portal.test")
    assert "No client certificate CA names sent" in portal_side
    assert "Requested Signature Algorithms" not in portal_side
