"""The one error of the pure-data layer: bytes that break a BELPIC encoding rule.

It is a plain :class:`ValueError` because ``belpic`` imports nothing of eidlib; the card-data
layer turns it into :class:`eidlib.carddata.errors.CardDataError` before a user sees it.
"""

from __future__ import annotations


class BelpicFormatError(ValueError):
    """A TLV or DER encoding is malformed (runs past its end, unsupported length form, ...)."""
