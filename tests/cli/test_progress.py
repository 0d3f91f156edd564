"""The progress display: only on a terminal, never with --json; it follows the card's reads."""

from __future__ import annotations

import argparse
import io

from eidlib.cli.progress import reading


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Token:
    on_progress = None


def test_follows_reads_on_a_terminal() -> None:
    token, stream = Token(), Terminal()
    with reading(argparse.Namespace(json=False), token, stream=stream):
        assert token.on_progress is not None
        token.on_progress("identity", 100)
        token.on_progress("photo", 2000)
    assert token.on_progress is None
    assert "reading photo" in stream.getvalue()


def test_nothing_on_a_pipe_or_with_json() -> None:
    for args, stream in ((argparse.Namespace(json=False), io.StringIO()), (argparse.Namespace(json=True), Terminal())):
        token = Token()
        with reading(args, token, stream=stream):
            assert token.on_progress is None
        assert stream.getvalue() == ""
