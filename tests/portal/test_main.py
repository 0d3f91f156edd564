"""``python -m examples.portal``'s configuration: durations by flag and environment, checked."""

from __future__ import annotations

import pytest

from examples.portal import __main__ as portal_main
from examples.portal.sessions import SessionManager


def _sessions(argv: list[str]) -> SessionManager:
    app = portal_main.build(portal_main.parser().parse_args(["--dev", *argv]))
    manager: SessionManager = app.extensions["eidportal"].sessions
    return manager


def test_defaults_are_20_minutes_2_minutes_8_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IDLE_TIMEOUT", "WARNING_LEAD", "ABSOLUTE_TIMEOUT"):
        monkeypatch.delenv("EIDPORTAL_" + name, raising=False)
    manager = _sessions([])
    assert (manager.idle_timeout, manager.warning_lead, manager.absolute_timeout) == (1200, 120, 28800)


def test_environment_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIDPORTAL_IDLE_TIMEOUT", "15m")
    monkeypatch.setenv("EIDPORTAL_WARNING_LEAD", "90s")
    monkeypatch.setenv("EIDPORTAL_ABSOLUTE_TIMEOUT", "4h")
    manager = _sessions([])
    assert (manager.idle_timeout, manager.warning_lead, manager.absolute_timeout) == (900, 90, 14400)
    manager = _sessions(["--idle-timeout", "40", "--warning-lead", "20s", "--absolute-timeout", "1h"])
    assert (manager.idle_timeout, manager.warning_lead, manager.absolute_timeout) == (40, 20, 3600)


@pytest.mark.parametrize("argv", [["--idle-timeout", "soon"], ["--warning-lead", "0"], ["--idle-timeout", "-5m"],
                                  ["--idle-timeout", "1m", "--warning-lead", "2m"],
                                  ["--idle-timeout", "9h"]])
def test_bad_durations_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        portal_main.main(["--dev", "--port", "0", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_origin_is_required_outside_dev(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        portal_main.main(["--port", "0"])
    assert "--origin is required" in capsys.readouterr().err
