"""Errors of the virtual card: bad personalisation data handed to the emulator."""

from __future__ import annotations

from eidlib.errors import EidError


class EmulatorError(EidError):
    """The virtual card cannot be built from the data it was given."""
