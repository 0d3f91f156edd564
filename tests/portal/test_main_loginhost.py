"""``python -m examples.portal``'s TLS login configuration: the same ``--redis`` that shares sessions and
challenges gives the instances and the login host a Redis handoff; inconsistent flags are usage errors."""

from __future__ import annotations

import pytest

from examples.portal import __main__ as portal_main
from examples.portal.loginhost import EidTlsLogin, Handoff
from examples.portal.redis_handoff import RedisHandoff
from tests.support.redis import RedisServer

LOGIN = "https://login.portal.test:9444/eid"


def _handoff_of(argv: list[str]) -> object:
    app = portal_main.build(portal_main.parser().parse_args(["--dev", *argv]))
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/auth/eid-tls/start", "/auth/eid-tls/return"} <= routes
    link: EidTlsLogin = app.extensions["eid_tls"]
    assert link.login_url == LOGIN
    return link.handoff


def test_without_redis_the_handoff_is_in_memory() -> None:
    assert isinstance(_handoff_of(["--tls-login-url", LOGIN]), Handoff)


@pytest.mark.redis
def test_redis_puts_the_handoff_in_redis_and_the_eid_step_links_to_the_start(redis_server: RedisServer) -> None:
    argv = ["--tls-login-url", LOGIN, "--redis", redis_server.url]
    assert isinstance(_handoff_of(argv), RedisHandoff)
    app = portal_main.build(portal_main.parser().parse_args(["--dev", *argv]))
    page = app.test_client().get("/en/login/eid").get_data(as_text=True)
    assert 'href="/auth/eid-tls/start?lang=en"' in page


def test_no_tls_login_url_no_routes() -> None:
    app = portal_main.build(portal_main.parser().parse_args(["--dev"]))
    assert "eid_tls.start" not in app.view_functions


@pytest.mark.redis
def test_the_login_host_is_built_on_redis(redis_server: RedisServer) -> None:
    app = portal_main.build(portal_main.parser().parse_args(
        ["--login-host", "--dev", "--redis", redis_server.url, "--portal-url", "https://portal.test",
         "--unix-socket", "/tmp/unused.sock"]))
    assert "eid" in app.view_functions and "/auth/eid-tls/start" not in {r.rule for r in app.url_map.iter_rules()}


@pytest.mark.parametrize(("argv", "message"), [
    (["--login-host", "--portal-url", "https://portal.test", "--unix-socket", "/tmp/x.sock"], "needs --redis"),
    (["--login-host", "--redis", "redis://127.0.0.1:1/0", "--unix-socket", "/tmp/x.sock"], "--portal-url"),
    (["--login-host", "--redis", "redis://127.0.0.1:1/0", "--portal-url", "http://portal.test",
      "--unix-socket", "/tmp/x.sock"], "--portal-url https://"),
    (["--login-host", "--redis", "redis://127.0.0.1:1/0", "--portal-url", "https://portal.test"], "--unix-socket"),
    (["--tls-login-url", "http://login.portal.test/eid"], "https:// URL"),
])
def test_inconsistent_flags_are_usage_errors(argv: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        portal_main.main(["--dev", "--port", "0", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
