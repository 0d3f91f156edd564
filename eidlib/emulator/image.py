"""The contents a virtual card is personalised with (the contract between persona/PKI and the applet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa

Profile = Literal["1.7", "1.8"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class CardImage:
    """Everything that makes one card: file contents, private keys, serial.

    ``files`` maps the full path in upper-case hex (``"3F00DF014031"``) to the
    exact bytes of the EF, padding included. It holds the DF01 files (4031-4035,
    4040 on 1.8) and the certificate EFs of DF00 (5038-503C, zero-padded as on a
    real card). The applet derives EF(DIR) and the PKCS#15 files (ODF,
    TokenInfo, AODF, PrKDF, CDF) itself from which certificates are present.
    """

    profile: Profile
    chip_serial: bytes
    files: dict[str, bytes]
    authentication_key: PrivateKey | None
    signature_key: PrivateKey | None
    basic_key: PrivateKey | None = None
    pin: str = "1234"
    activated: bool = True
    extra: dict[str, bytes] = field(default_factory=dict)
