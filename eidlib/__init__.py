"""eidlib — Belgian eID (BELPIC 1.7 / 1.8) middleware.

The public names below are loaded on first use, so ``import eidlib`` stays
cheap and each layer can be imported on its own. The imports under
``TYPE_CHECKING`` give a user's type checker the real types of every name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eidlib.version import __version__ as __version__

_EXPORTS: dict[str, str] = {
    # errors every token kind raises
    "EidError": "eidlib.errors",
    "CardError": "eidlib.errors",
    "TransportError": "eidlib.errors",
    "NoReaderError": "eidlib.errors",
    "NoCardError": "eidlib.errors",
    "CardRemovedError": "eidlib.errors",
    "CardResetError": "eidlib.errors",
    "PcscUnavailableError": "eidlib.errors",
    # the token kernel
    "Token": "eidlib.token.protocol",
    "CardCertificates": "eidlib.token.protocol",
    "KeyRole": "eidlib.token.protocol",
    "Padding": "eidlib.token.protocol",
    "PinEntry": "eidlib.token.protocol",
    "ecdsa_raw_to_der": "eidlib.token.ecdsa",
    "ecdsa_der_to_raw": "eidlib.token.ecdsa",
    "PinError": "eidlib.token.errors",
    "PinFormatError": "eidlib.token.errors",
    "WrongPin": "eidlib.token.errors",
    "PinBlocked": "eidlib.token.errors",
    "PinCancelled": "eidlib.token.errors",
    "PinTimeout": "eidlib.token.errors",
    "PinRequired": "eidlib.token.errors",
    "SecurityStatusNotSatisfied": "eidlib.token.errors",
    "NotSupported": "eidlib.token.errors",
    "NotABeidCard": "eidlib.token.errors",
    "KeyNotPresent": "eidlib.token.errors",
    "InvalidDigest": "eidlib.token.errors",
    "TokenClosed": "eidlib.token.errors",
    # card data
    "Identity": "eidlib.carddata.identity",
    "Address": "eidlib.carddata.address",
    "CardData": "eidlib.carddata.carddata",
    "verify_integrity": "eidlib.carddata.integrity",
    "IntegrityResult": "eidlib.carddata.integrity",
    "CardDataError": "eidlib.carddata.errors",
    "IntegrityError": "eidlib.carddata.errors",
    # the card
    "open_card": "eidlib.opener",
    "BeidCard": "eidlib.card.session",
    "CardNotActivated": "eidlib.card.errors",
    # card insertions and removals
    "ReaderMonitor": "eidlib.apdu.pcsc",
    "ReaderEvent": "eidlib.apdu.pcsc",
    "wait_for_card": "eidlib.apdu.pcsc",
    "wait_for_removal": "eidlib.apdu.pcsc",
    "WaitTimeoutError": "eidlib.apdu.errors",
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
    # ``X as X``: an explicit re-export for a user's type checker (mypy --strict).
    from eidlib.apdu.errors import WaitTimeoutError as WaitTimeoutError
    from eidlib.apdu.pcsc import ReaderEvent as ReaderEvent
    from eidlib.apdu.pcsc import ReaderMonitor as ReaderMonitor
    from eidlib.apdu.pcsc import wait_for_card as wait_for_card
    from eidlib.apdu.pcsc import wait_for_removal as wait_for_removal
    from eidlib.auth.client import authenticate as authenticate
    from eidlib.auth.token import AuthToken as AuthToken
    from eidlib.card.errors import CardNotActivated as CardNotActivated
    from eidlib.card.session import BeidCard as BeidCard
    from eidlib.carddata.address import Address as Address
    from eidlib.carddata.carddata import CardData as CardData
    from eidlib.carddata.errors import CardDataError as CardDataError
    from eidlib.carddata.errors import IntegrityError as IntegrityError
    from eidlib.carddata.identity import Identity as Identity
    from eidlib.carddata.integrity import IntegrityResult as IntegrityResult
    from eidlib.carddata.integrity import verify_integrity as verify_integrity
    from eidlib.emulator import VirtualCard as VirtualCard
    from eidlib.errors import CardError as CardError
    from eidlib.errors import CardRemovedError as CardRemovedError
    from eidlib.errors import CardResetError as CardResetError
    from eidlib.errors import EidError as EidError
    from eidlib.errors import NoCardError as NoCardError
    from eidlib.errors import NoReaderError as NoReaderError
    from eidlib.errors import PcscUnavailableError as PcscUnavailableError
    from eidlib.errors import TransportError as TransportError
    from eidlib.opener import open_card as open_card
    from eidlib.token.ecdsa import ecdsa_der_to_raw as ecdsa_der_to_raw
    from eidlib.token.ecdsa import ecdsa_raw_to_der as ecdsa_raw_to_der
    from eidlib.token.errors import InvalidDigest as InvalidDigest
    from eidlib.token.errors import KeyNotPresent as KeyNotPresent
    from eidlib.token.errors import NotABeidCard as NotABeidCard
    from eidlib.token.errors import NotSupported as NotSupported
    from eidlib.token.errors import PinBlocked as PinBlocked
    from eidlib.token.errors import PinCancelled as PinCancelled
    from eidlib.token.errors import PinError as PinError
    from eidlib.token.errors import PinFormatError as PinFormatError
    from eidlib.token.errors import PinRequired as PinRequired
    from eidlib.token.errors import PinTimeout as PinTimeout
    from eidlib.token.errors import SecurityStatusNotSatisfied as SecurityStatusNotSatisfied
    from eidlib.token.errors import TokenClosed as TokenClosed
    from eidlib.token.errors import WrongPin as WrongPin
    from eidlib.token.protocol import CardCertificates as CardCertificates
    from eidlib.token.protocol import KeyRole as KeyRole
    from eidlib.token.protocol import Padding as Padding
    from eidlib.token.protocol import PinEntry as PinEntry
    from eidlib.token.protocol import Token as Token
