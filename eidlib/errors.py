"""The root of eidlib's exception tree.

Every error eidlib raises on purpose derives from :class:`EidError`; each layer
adds its own subclasses (``eidlib.apdu.errors``, ``eidlib.card.errors``, ...).
"""

from __future__ import annotations


class EidError(Exception):
    """Base class of every error raised by eidlib."""
