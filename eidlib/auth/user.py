"""The identity a successful login yields (auth-protocol spec §7.2 step 8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

#: CSAM/FAS level of an eID card reader login.
EID_LEVEL = 500


@dataclass(frozen=True)
class AuthenticatedUser:
    """Who logged in, taken from the validated authentication certificate."""

    national_number: str
    given_names: str
    surname: str
    common_name: str
    country: str
    certificate: x509.Certificate
    algorithm: str
    validated_at: dt.datetime
    auth_method: str = "eid"
    level: int = EID_LEVEL

    @property
    def certificate_serial(self) -> int:
        """Serial number of the authentication certificate."""
        return self.certificate.serial_number

    @property
    def issuer(self) -> str:
        """RFC 4514 issuer name of the authentication certificate."""
        return self.certificate.issuer.rfc4514_string()

    @classmethod
    def from_certificate(
        cls, certificate: x509.Certificate, *, algorithm: str, validated_at: dt.datetime
    ) -> AuthenticatedUser:
        """Build the user from the subject (serialNumber = national number, GN, SN, CN, C)."""
        subject = certificate.subject
        national_number = _attribute(subject, NameOID.SERIAL_NUMBER)
        if national_number.upper().startswith("PNOBE-"):
            national_number = national_number[6:]
        return cls(
            national_number=national_number,
            given_names=_attribute(subject, NameOID.GIVEN_NAME),
            surname=_attribute(subject, NameOID.SURNAME),
            common_name=_attribute(subject, NameOID.COMMON_NAME),
            country=_attribute(subject, NameOID.COUNTRY_NAME),
            certificate=certificate,
            algorithm=algorithm,
            validated_at=validated_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (no certificate bytes)."""
        return {
            "national_number": self.national_number,
            "given_names": self.given_names,
            "surname": self.surname,
            "common_name": self.common_name,
            "country": self.country,
            "certificate_serial": format(self.certificate_serial, "x"),
            "issuer": self.issuer,
            "algorithm": self.algorithm,
            "auth_method": self.auth_method,
            "level": self.level,
            "validated_at": self.validated_at.isoformat(),
        }


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")
