"""A progress display while files are read from the card (a real 1.7 card needs about 2.5 s).

Shown with ``rich`` on stderr, only when stderr is a terminal and the output is not JSON:
nothing is written on a pipe, in a log or for a program reading ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from eidlib.cli.i18n import _
from eidlib.cli.output import wants_json


def shown(args: argparse.Namespace, stream: IO[str] | None = None) -> bool:
    """Whether progress is displayed for this command."""
    stream = sys.stderr if stream is None else stream
    return not wants_json(args) and stream.isatty()


@contextmanager
def reading(args: argparse.Namespace, token: Any, *, stream: IO[str] | None = None) -> Iterator[None]:
    """Follow the card's reads (``BeidCard.on_progress``) for the ``with`` block."""
    if not hasattr(token, "on_progress") or not shown(args, stream):
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn

    console = Console(file=sys.stderr if stream is None else stream)
    tasks: dict[str, Any] = {}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
        console=console, transient=True,
    ) as progress:

        def report(label: str, done: int) -> None:
            task = tasks.get(label)
            if task is None:
                # The card does not announce file sizes: the bar pulses, the byte count grows.
                task = tasks[label] = progress.add_task(_("reading {file}").format(file=label), total=None)
            progress.update(task, completed=done)

        token.on_progress = report
        try:
            yield
        finally:
            token.on_progress = None
