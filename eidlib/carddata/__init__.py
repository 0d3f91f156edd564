"""Card-data parsing, with no I/O and no applet session.

Modules: ``identity`` / ``address`` (the TLV files), ``carddata`` (GET CARD DATA), ``dates``
(card and birth dates), ``integrity`` (National Register signatures and hashes), ``errors``.
"""

from eidlib.carddata.address import Address
from eidlib.carddata.carddata import CardData
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.carddata.identity import Identity
from eidlib.carddata.integrity import IntegrityResult, verify_integrity

__all__ = ["Address", "CardData", "CardDataError", "Identity", "IntegrityError", "IntegrityResult", "verify_integrity"]
