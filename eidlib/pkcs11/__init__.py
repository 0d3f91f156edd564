"""PKCS#11 layer of eidlib: :class:`Pkcs11Token`, the :class:`~eidlib.card.token.Token` surface over any
PKCS#11 module (the official eID module, OpenSC, SoftHSM2), opened with :func:`open_token`."""

from eidlib.pkcs11.errors import (
    InvalidDigest,
    ObjectNotFound,
    PinExpired,
    Pkcs11Error,
    Pkcs11ModuleLoadError,
    Pkcs11ModuleNotFound,
    TokenNotPresent,
)
from eidlib.pkcs11.module import MODULE_ENV, candidate_paths, find_module
from eidlib.pkcs11.token import Pkcs11Token, TokenInfo, open_token

__all__ = [
    "MODULE_ENV",
    "InvalidDigest",
    "ObjectNotFound",
    "PinExpired",
    "Pkcs11Error",
    "Pkcs11ModuleLoadError",
    "Pkcs11ModuleNotFound",
    "Pkcs11Token",
    "TokenInfo",
    "TokenNotPresent",
    "candidate_paths",
    "find_module",
    "open_token",
]
