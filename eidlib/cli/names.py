"""Certificate names and chain verdicts as people read them (``eid certs`` text output).

cryptography writes attributes it has no short name for as dotted OIDs (``2.5.4.5=202601``) and
path-building failures in its own words ("candidates exhausted"); here they become names and a
one-line verdict with a hint. The JSON output keeps the library's exact strings.
"""

from __future__ import annotations

import re

from eidlib.cli.i18n import N_, _

#: X.500 attribute OIDs seen on Belgian eID certificates -> the names RFC 4519 / X.520 give them.
ATTRIBUTE_NAMES = {
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.42": "GN",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
}

_OID_ATTRIBUTE = re.compile(r"(?:(?<=^)|(?<=,)|(?<=\+))(\d+(?:\.\d+)+)=")

#: Chain error class -> the short verdict and what to do.
CHAIN_VERDICTS = {
    "CertificateNotTrusted": (N_("does not chain to a trusted root"),
                              N_("a test card? give its root certificate with --trust FILE")),
    "CertificateExpired": (N_("expired"), None),
    "CertificateNotYetValid": (N_("not valid yet"), N_("check the computer's clock, or use --at")),
    "WrongCertificatePurpose": (N_("not meant for this purpose"), None),
}


def human_name(rfc4514: str) -> str:
    """``2.5.4.5=202601,CN=...`` -> ``serialNumber=202601,CN=...`` (unknown OIDs stay as they are)."""
    return _OID_ATTRIBUTE.sub(lambda m: f"{ATTRIBUTE_NAMES.get(m.group(1), m.group(1))}=", rfc4514)


def chain_verdict(error: str) -> tuple[str, str | None]:
    """``"ExceptionName: details"`` -> a one-line verdict and a hint (the details go to ``-v``)."""
    name = error.partition(": ")[0]
    known = CHAIN_VERDICTS.get(name)
    if known is None:
        return error, None
    verdict, hint = known
    return _(verdict), _(hint) if hint else None
