"""The ATRs of BEID cards (spec §1.1) and how a host recognises them."""

from __future__ import annotations

from typing import Literal

#: Applet 1.8 (EC) cards: matched exactly.
ATR_18 = bytes.fromhex("3B7F96000080318065B085040120120FFF829000")
#: A 1.7 (RSA) card's ATR, as the virtual card answers it.
ATR_17 = bytes.fromhex("3B9813400AA503010101AD1311")
#: Applet 1.0-1.7 (RSA) cards: the eid-mw minidriver pattern and mask.
ATR_RSA_PATTERN = bytes.fromhex("3B98004000A503010101AD1300")
ATR_RSA_MASK = bytes.fromhex("FFFF00FF00FFFFFFFFFFFFFF00")

Generation = Literal["1.7", "1.8"]


def _masked_equal(atr: bytes, pattern: bytes, mask: bytes) -> bool:
    return len(atr) == len(pattern) and all((a & m) == p for a, p, m in zip(atr, pattern, mask, strict=True))


def atr_generation(atr: bytes) -> Generation | None:
    """``"1.8"`` for the EC ATR, ``"1.7"`` for the RSA family (1.0-1.7), else ``None``."""
    atr = bytes(atr)
    if atr == ATR_18:
        return "1.8"
    if _masked_equal(atr, ATR_RSA_PATTERN, ATR_RSA_MASK):
        return "1.7"
    return None


def is_beid_atr(atr: bytes) -> bool:
    """True when the ATR is one of the known BEID ATRs."""
    return atr_generation(atr) is not None
