"""The PKCS#15 files of DF(BELPIC) and EF(DIR), DER-encoded as on a real card (spec §2.2, §2.3).

The byte layouts follow CC4 §6 (applet 1.7) and CC54 §5.3 (applet 1.8). Entries for
certificates or keys the card does not hold are left out and the following ones move
up, as on kids cards and cards without a signature certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eidlib.belpic.files import CDF_FILE_SIZE, PKCS15_AID, FileId
from eidlib.belpic.files import DF_BELPIC as DF_BELPIC_PATH
from eidlib.belpic.keys import KeyReference
from eidlib.belpic.pin import MIN_PIN_LENGTH, PIN_BLOCK_LENGTH, PIN_REFERENCE
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.image import Profile

#: OID 2.16.56.2 (Belgian government) in EF(DIR)'s discretionary data.
_DIR_OID = bytes.fromhex("0603603802")

# Common-object flags: private|modifiable on every 1.7 object, modifiable only on 1.8 certificates.
_FLAGS_PRIVATE_MODIFIABLE = bytes.fromhex("06C0")
_FLAGS_MODIFIABLE = bytes.fromhex("0640")
# PKCS#15 key usage bit strings: sign (bit 2) and nonRepudiation (bit 9).
_USAGE_SIGN = bytes.fromhex("0520")
_USAGE_NON_REPUDIATION = bytes.fromhex("060040")
# Access flags: sensitive, alwaysSensitive, neverExtractable, local.
_ACCESS_FLAGS = bytes.fromhex("03B8")
_PIN_AUTH_ID = b"\x01"


def tlv(tag: int, value: bytes) -> bytes:
    """One DER TLV with a one-byte tag (definite short or long length form)."""
    n = len(value)
    if n < 0x80:
        length = bytes((n,))
    elif n <= 0xFF:
        length = bytes((0x81, n))
    else:
        length = bytes((0x82, n >> 8, n & 0xFF))
    return bytes((tag,)) + length + value


def _seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def _integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv(0x02, body)


def _path(fid_path: bytes) -> bytes:
    return _seq(tlv(0x04, fid_path))


@dataclass(frozen=True)
class KeyEntry:
    """A private key the PrKDF lists."""

    label: str
    key_id: int
    key_reference: int
    non_repudiation: bool


@dataclass(frozen=True)
class CertEntry:
    """A certificate the CDF lists."""

    label: str
    cert_id: int
    fid: int
    authority: bool


AUTH_KEY = KeyEntry("Authentication", 0x02, KeyReference.AUTHENTICATION, non_repudiation=False)
SIGN_KEY = KeyEntry("Signature", 0x03, KeyReference.NON_REPUDIATION, non_repudiation=True)
AUTH_CERT = CertEntry("Authentication", 0x02, FileId.AUTHENTICATION_CERTIFICATE, authority=False)
SIGN_CERT = CertEntry("Signature", 0x03, FileId.SIGNATURE_CERTIFICATE, authority=False)
CA_CERT = CertEntry("CA", 0x04, FileId.CA_CERTIFICATE, authority=True)
ROOT_CERT = CertEntry("Root", 0x06, FileId.ROOT_CERTIFICATE, authority=True)
#: The CDF entries in file order; the RRN certificate (503C) is not in the CDF.
CDF_ENTRIES = (AUTH_CERT, SIGN_CERT, CA_CERT, ROOT_CERT)


def ef_dir() -> bytes:
    """EF(DIR) 3F00/2F00: the PKCS#15 application template (37 bytes)."""
    return tlv(
        0x61,
        tlv(0x4F, PKCS15_AID) + tlv(0x50, b"BELPIC") + tlv(0x51, DF_BELPIC_PATH) + tlv(0x73, _DIR_OID),
    )


def odf() -> bytes:
    """EF(ODF) 5031: where the PrKDF, CDF and AODF are (36 bytes, both profiles)."""
    entries = ((0xA0, FileId.PRKDF), (0xA4, FileId.CDF), (0xA8, FileId.AODF))
    return b"".join(tlv(tag, _path(DF_BELPIC_PATH + fid.to_bytes(2, "big"))) for tag, fid in entries)


def token_info(chip_serial: bytes, perso_versions: bytes) -> bytes:
    """EF(TokenInfo) 5032: version 0, the chip serial, label BELPIC, flags, 4 perso-version bytes."""
    if len(chip_serial) != 16 or len(perso_versions) != 4:
        raise EmulatorError("TokenInfo needs a 16-byte serial and 4 version bytes")
    return _seq(
        _integer(0),
        tlv(0x04, chip_serial),
        tlv(0x80, b"BELPIC"),
        tlv(0x03, bytes.fromhex("0430")),
        tlv(0x9E, perso_versions),
    )


def aodf() -> bytes:
    """EF(AODF) 5034: the single "Basic PIN" object (53 bytes, both profiles)."""
    common = _seq(tlv(0x0C, b"Basic PIN"), tlv(0x03, _FLAGS_PRIVATE_MODIFIABLE))
    auth = _seq(tlv(0x04, _PIN_AUTH_ID))
    pin_attributes = _seq(
        tlv(0x03, bytes.fromhex("020C")),  # pinFlags: initialized, needs-padding
        tlv(0x0A, b"\x00"),  # pinType bcd
        _integer(MIN_PIN_LENGTH),  # minLength
        _integer(PIN_BLOCK_LENGTH),  # storedLength
        tlv(0x80, bytes((PIN_REFERENCE,))),  # pinReference
        tlv(0x04, b"\xff"),  # padChar
        _path(DF_BELPIC_PATH[:2]),
    )
    return _seq(common, auth, tlv(0xA1, pin_attributes))


def _private_key(profile: Profile, entry: KeyEntry, key_bits: int) -> bytes:
    common_parts = [tlv(0x0C, entry.label.encode()), tlv(0x03, _FLAGS_PRIVATE_MODIFIABLE),
                    tlv(0x04, _PIN_AUTH_ID)]
    if entry.non_repudiation:
        common_parts.append(_integer(1))  # userConsent: one signature per PIN entry
    usage = _USAGE_NON_REPUDIATION if entry.non_repudiation else _USAGE_SIGN
    key_common = _seq(
        tlv(0x04, bytes((entry.key_id,))),
        tlv(0x03, usage),
        tlv(0x03, _ACCESS_FLAGS),
        tlv(0x02, entry.key_reference.to_bytes(2, "big")),
    )
    type_attributes = tlv(0xA1, _seq(_path(DF_BELPIC_PATH), _integer(key_bits)))
    # RSA keys are the SEQUENCE choice; EC keys are privateECKey [0] (CC54 §5.3.4).
    outer = 0x30 if profile == "1.7" else 0xA0
    return tlv(outer, _seq(*common_parts) + key_common + type_attributes)


def prkdf(profile: Profile, keys: Iterable[KeyEntry], key_bits: int) -> bytes:
    """EF(PrKDF) 5035: one entry per user private key present (about 119 bytes with both)."""
    return b"".join(_private_key(profile, entry, key_bits) for entry in keys)


def _certificate(profile: Profile, entry: CertEntry) -> bytes:
    flags = _FLAGS_PRIVATE_MODIFIABLE if profile == "1.7" else _FLAGS_MODIFIABLE
    common = _seq(tlv(0x0C, entry.label.encode()), tlv(0x03, flags), tlv(0x04, _PIN_AUTH_ID))
    cert_common = tlv(0x04, bytes((entry.cert_id,)))
    if entry.authority:
        cert_common += tlv(0x01, b"\xff")
    if profile == "1.8":
        cert_common += tlv(0x83, b"\x00")  # implicitTrust FALSE
    value = tlv(0xA1, _seq(_path(DF_BELPIC_PATH + entry.fid.to_bytes(2, "big"))))
    return _seq(common, _seq(cert_common), value)


def cdf(profile: Profile, certs: Iterable[CertEntry]) -> bytes:
    """EF(CDF) 5037: one entry per certificate present, zero-padded to :data:`CDF_FILE_SIZE`."""
    body = b"".join(_certificate(profile, entry) for entry in certs)
    return body + bytes(max(0, CDF_FILE_SIZE - len(body)))
