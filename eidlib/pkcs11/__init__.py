"""PKCS#11 layer of eidlib: :class:`Pkcs11Token`, the :class:`~eidlib.token.protocol.Token` surface over any
PKCS#11 module (the official eID module, OpenSC, SoftHSM2), opened with :func:`open_token`::

    from eidlib.pkcs11 import open_token

    with open_token() as token:            # EIDLIB_PKCS11_MODULE, else libbeidpkcs11, else OpenSC
        token.verify_pin("1234")           # C_Login; WrongPin / PinBlocked / PinFormatError
        certificates = token.read_certificates()
        signature = token.sign(b"data")    # CKM_SHA256_RSA_PKCS, or ECDSA raw r || s on P-384

Every ``CKR_*`` value becomes a typed error (:mod:`eidlib.pkcs11.errors`); the raw value stays on
``error.__cause__`` (a :class:`Pkcs11Error` with ``rv`` and ``function``).
"""

from eidlib.pkcs11.errors import (
    ObjectNotFound,
    PinExpired,
    Pkcs11Error,
    Pkcs11ModuleLoadError,
    Pkcs11ModuleNotFound,
    TokenNotPresent,
)
from eidlib.pkcs11.module import MODULE_ENV, candidate_paths, find_module
from eidlib.pkcs11.token import Pkcs11Token, TokenInfo, open_token
from eidlib.token.errors import InvalidDigest

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
