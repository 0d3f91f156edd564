"""The journey's pages on the server side: languages, the eID step, the logged-in page's data for its
script, logout, localized error pages, the CSP, configurable durations."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from eidlib.auth import AuthTokenValidator
from examples.portal.app import COOKIE, LANG_COOKIE, create_app
from examples.portal.sessions import MemorySessionStore, SessionManager
from tests.auth.softcard import SoftCard
from tests.portal.conftest import ORIGIN, SECRET, FakeClock, Portal

HTTPS = "https://localhost"


class _Scripts(HTMLParser):
    """Collects the <script> tags and the inline event handlers of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self._in_script = False
        self.inline_code = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [name for name, _v in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_code += data.strip()


def _logged_in(portal: Portal, card: SoftCard) -> tuple[FlaskClient, str]:
    client = portal.client()
    client.login("1234", token=card, lang="fr")
    web = portal.app.test_client()
    web.set_cookie(COOKIE, client.cookies[COOKIE], domain="localhost")
    return web, client.csrf


def test_language_choice_names_each_language_in_itself(portal: Portal) -> None:
    web = portal.app.test_client()
    page = web.get("/", base_url=HTTPS).get_data(as_text=True)
    for code, name in (("nl", "Nederlands"), ("fr", "Français"), ("de", "Deutsch"), ("en", "English")):
        assert re.search(rf'<a class="choice" href="/{code}/" lang="{code}" hreflang="{code}"[^>]*>{name}</a>', page)
    assert '<html lang="en">' in page


def test_the_language_choice_is_kept(portal: Portal) -> None:
    web = portal.app.test_client()
    web.get("/de/", base_url=HTTPS)
    assert web.get_cookie(LANG_COOKIE, domain="localhost").value == "de"  # type: ignore[union-attr]
    # Pages without a language in the path speak the kept one: the language page, a 404.
    assert '<html lang="de">' in web.get("/", base_url=HTTPS).get_data(as_text=True)
    missing = web.get("/nowhere", base_url=HTTPS)
    assert missing.status_code == 404 and "Seite nicht gefunden" in missing.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "title"), [("nl", "Pagina niet gevonden"), ("fr", "Page introuvable"),
                                             ("de", "Seite nicht gefunden"), ("en", "Page not found")])
def test_localized_404(portal: Portal, lang: str, title: str) -> None:
    page = portal.app.test_client().get(f"/{lang}/login/nothing", base_url=HTTPS)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and title in html


def test_404_language_from_the_browser(portal: Portal) -> None:
    page = portal.app.test_client().get("/missing", base_url=HTTPS, headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert page.status_code == 404 and '<html lang="fr">' in page.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "method", "text"), [("nl", "itsme", "Niet beschikbaar in deze demo"),
                                                      ("fr", "token", "Non disponible dans cette démo"),
                                                      ("de", "itsme", "In dieser Demo nicht verfügbar"),
                                                      ("en", "token", "Not available in this demo")])
def test_unavailable_methods_are_shown_and_answer_501(portal: Portal, lang: str, method: str, text: str) -> None:
    web = portal.app.test_client()
    methods = web.get(f"/{lang}/login", base_url=HTTPS).get_data(as_text=True)
    assert f'href="/{lang}/login/{method}"' in methods and text in methods and f'href="/{lang}/login/eid"' in methods
    page = web.get(f"/{lang}/login/{method}", base_url=HTTPS)
    assert page.status_code == 501 and text in page.get_data(as_text=True)


def test_eid_step_offers_both_methods_and_install_help(card_and_ca: tuple[SoftCard, bytes]) -> None:
    validator = AuthTokenValidator(ORIGIN, [card_and_ca[1]], check_revocation=False)
    plain = create_app(validator=validator, secret_key=SECRET).test_client()
    page = plain.get("/en/login/eid", base_url=HTTPS).get_data(as_text=True)
    assert "This portal has no login host configured." in page
    assert 'id="webeid-status"' in page and 'id="install-help"' in page and "PKCS#11" in page
    challenge = re.search(r'data-challenge="([^"]+)"', page)
    assert challenge and len(challenge.group(1)) == 44
    with_host = create_app(validator=validator, secret_key=SECRET,
                           login_host_url="https://login.portal.test:9444/login").test_client()
    page = with_host.get("/nl/login/eid", base_url=HTTPS).get_data(as_text=True)
    assert 'href="https://login.portal.test:9444/login?lang=nl"' in page
    assert 'data-login-host="https://login.portal.test:9444/login"' in page


def test_no_inline_script_and_a_strict_csp(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    web, _csrf = _logged_in(portal, card_and_ca[0])
    for path in ("/", "/nl/", "/fr/login", "/de/login/eid", "/fr/home", "/en/logged-out", "/en/login/itsme", "/x"):
        answer = web.get(path, base_url=HTTPS)
        csp = answer.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        parser = _Scripts()
        parser.feed(answer.get_data(as_text=True))
        assert parser.inline_code == "" and parser.handlers == [], path
        assert all(script.get("src", "").startswith("/static/") for script in parser.scripts), path  # type: ignore[union-attr]


def test_home_page_gives_its_script_the_server_expiry(card_and_ca: tuple[SoftCard, bytes]) -> None:
    clock = FakeClock(1_800_000_000.0)
    validator = AuthTokenValidator(ORIGIN, [card_and_ca[1]], check_revocation=False)
    sessions = SessionManager(MemorySessionStore(), clock=clock, idle_timeout=40, warning_lead=20,
                              absolute_timeout=3600)
    portal = Portal(create_app(validator=validator, sessions=sessions, secret_key=SECRET), clock, validator, sessions)
    web, _csrf = _logged_in(portal, card_and_ca[0])
    page = web.get("/fr/home", base_url=HTTPS).get_data(as_text=True)
    assert "Alice Anne Specimen" in page and '<html lang="fr">' in page
    assert 'data-expires-at="2027-01-15T08:00:40.000Z"' in page  # 1_800_000_040 in UTC, no microseconds
    assert 'data-warning-lead="20' in page and 'data-poll="5.0"' in page
    assert 'role="alertdialog"' in page and 'id="idle-warning-ok"' in page and "pas pu être prolongée" in page
    status = web.get("/session", base_url=HTTPS).get_json()["session"]
    assert status["warnAt"] == "2027-01-15T08:00:20.000Z" and status["warningLeadSeconds"] == 20


def test_logout_form_goes_to_the_logout_page_in_the_users_language(
    portal: Portal, card_and_ca: tuple[SoftCard, bytes]
) -> None:
    web, csrf = _logged_in(portal, card_and_ca[0])
    answer = web.post("/logout", data={"csrf_token": csrf, "lang": "nl"}, base_url=HTTPS)
    assert answer.status_code == 303 and answer.headers["Location"] == "/nl/logged-out"
    page = web.get("/nl/logged-out", base_url=HTTPS).get_data(as_text=True)
    assert "U bent afgemeld" in page
    assert web.get("/nl/home", base_url=HTTPS).status_code == 302  # the session is gone
    forged = web.post("/logout", data={"csrf_token": "wrong"}, base_url=HTTPS)
    assert forged.status_code == 403 and "<html" in forged.get_data(as_text=True)


def test_session_durations_are_checked() -> None:
    with pytest.raises(ValueError):
        SessionManager(MemorySessionStore(), idle_timeout=60, warning_lead=60)
    with pytest.raises(ValueError):
        SessionManager(MemorySessionStore(), idle_timeout=60, warning_lead=0)


def test_an_unexpected_error_is_a_localized_page_not_a_traceback(portal: Portal) -> None:
    @portal.app.get("/<lang>/boom")
    def boom(lang: str) -> str:
        raise KeyError("internal detail")

    page = portal.app.test_client().get("/de/boom", base_url=HTTPS)
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and "Etwas ist schiefgelaufen" in html
    assert "internal detail" not in html and "Traceback" not in html


def test_the_eid_step_sends_a_logged_in_user_home(portal: Portal, card_and_ca: tuple[SoftCard, bytes]) -> None:
    web, _csrf = _logged_in(portal, card_and_ca[0])
    answer = web.get("/nl/login/eid", base_url=HTTPS)
    assert answer.status_code == 302 and answer.headers["Location"] == "/nl/home"
    assert web.get("/nl/home", base_url=HTTPS).status_code == 200  # the session cookie was left alone


def test_an_ended_session_sends_the_user_to_log_in_again_with_the_reason(
    portal: Portal, card_and_ca: tuple[SoftCard, bytes]
) -> None:
    web, _csrf = _logged_in(portal, card_and_ca[0])
    portal.clock.advance(20 * 60)
    answer = web.get("/fr/home", base_url=HTTPS)
    assert answer.status_code == 302 and answer.headers["Location"] == "/fr/login?expired=1"
    page = web.get(answer.headers["Location"], base_url=HTTPS).get_data(as_text=True)
    assert "Votre session a expiré. Reconnectez-vous." in page
    fresh = portal.app.test_client()  # never logged in: no reason shown
    assert fresh.get("/fr/home", base_url=HTTPS).headers["Location"] == "/fr/login"
