"""tlslite-ng, the TLS implementation under :mod:`eidlib.tls`, imported in one place.

Importing any tlslite module runs its package ``__init__``, which loads its asyncore integration and
with it Python's asyncore DeprecationWarning; eidlib uses none of that, so the warning is silenced here
and only here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The asyncore module is deprecated", category=DeprecationWarning)
    from tlslite.constants import AlertDescription
    from tlslite.errors import TLSError
    from tlslite.handshakesettings import HandshakeSettings
    from tlslite.tlsconnection import TLSConnection
    from tlslite.utils.python_ecdsakey import Python_ECDSAKey
    from tlslite.utils.python_rsakey import Python_RSAKey
    from tlslite.x509 import X509
    from tlslite.x509certchain import X509CertChain

__all__ = [
    "X509",
    "AlertDescription",
    "HandshakeSettings",
    "Python_ECDSAKey",
    "Python_RSAKey",
    "TLSConnection",
    "TLSError",
    "X509CertChain",
]
