"""The benchmark suite's own error."""

from __future__ import annotations

from eidlib.errors import EidError


class BenchmarkError(EidError):
    """A benchmark could not be set up or run (the message says why)."""
