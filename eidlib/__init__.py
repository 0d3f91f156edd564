"""eidlib — Belgian eID (BELPIC 1.7 / 1.8) middleware.

The public names below are loaded on first use, so ``import eidlib`` stays
cheap and each layer can be imported on its own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "EidError": "eidlib.errors",
    # card layer
    "open_card": "eidlib.card.session",
    "BeidCard": "eidlib.card.session",
    "Identity": "eidlib.card.identity",
    "Address": "eidlib.card.address",
    "CardData": "eidlib.card.carddata",
    "verify_integrity": "eidlib.card.integrity",
    "CardCertificates": "eidlib.card.token",
    "Token": "eidlib.card.token",
    "ecdsa_raw_to_der": "eidlib.card.ecdsa",
    "ecdsa_der_to_raw": "eidlib.card.ecdsa",
    "CardError": "eidlib.card.errors",
    "CardDataError": "eidlib.card.errors",
    "IntegrityError": "eidlib.card.errors",
    "PinError": "eidlib.card.errors",
    "PinFormatError": "eidlib.card.errors",
    "WrongPin": "eidlib.card.errors",
    "PinBlocked": "eidlib.card.errors",
    "NotSupported": "eidlib.card.errors",
    "CardRemovedError": "eidlib.apdu.errors",
    # virtual card
    "VirtualCard": "eidlib.emulator",
    # login
    "authenticate": "eidlib.auth.client",
    "AuthToken": "eidlib.auth.token",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eidlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover
    from eidlib.apdu.errors import CardRemovedError
    from eidlib.card.ecdsa import ecdsa_der_to_raw, ecdsa_raw_to_der
    from eidlib.card.errors import (
        CardDataError,
        CardError,
        IntegrityError,
        NotSupported,
        PinBlocked,
        PinError,
        PinFormatError,
        WrongPin,
    )
    from eidlib.card.token import CardCertificates, Token
    from eidlib.errors import EidError
