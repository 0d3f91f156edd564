"""AIDs, directories and elementary files of the card (spec §1.2, §2.1), and their fixed sizes."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, IntEnum
from typing import Literal

#: The BELPIC applet instance AID.
APPLET_AID = bytes.fromhex("A00000003029057000AD13100101FF")
#: Selects DF(BELPIC) 3F00/DF00, the PKCS#15 application ("...PKCS-15").
PKCS15_AID = bytes.fromhex("A000000177504B43532D3135")
#: Selects DF(ID) 3F00/DF01 ("...IdFiles").
IDFILES_AID = bytes.fromhex("A000000177496446696C6573")


class FileId(IntEnum):
    """File identifiers of the MF, the two DFs and every EF."""

    MF = 0x3F00
    DIR = 0x2F00
    DF_BELPIC = 0xDF00
    DF_ID = 0xDF01
    # DF(BELPIC): PKCS#15
    ODF = 0x5031
    TOKEN_INFO = 0x5032
    AODF = 0x5034
    PRKDF = 0x5035
    CDF = 0x5037
    AUTHENTICATION_CERTIFICATE = 0x5038
    SIGNATURE_CERTIFICATE = 0x5039
    CA_CERTIFICATE = 0x503A
    ROOT_CERTIFICATE = 0x503B
    RRN_CERTIFICATE = 0x503C
    # DF(ID): the National Register's files
    IDENTITY = 0x4031
    IDENTITY_SIGNATURE = 0x4032
    ADDRESS = 0x4033
    ADDRESS_SIGNATURE = 0x4034
    PHOTO = 0x4035
    BASIC_PUBLIC_KEY = 0x4040


#: DF00 and DF01 as absolute paths.
DF_BELPIC = bytes.fromhex("3F00DF00")
DF_ID = bytes.fromhex("3F00DF01")


class CardFile(Enum):
    """Every EF the host reads, valued by its absolute path (with ``3F00``)."""

    IDENTITY = "3F00DF014031"
    IDENTITY_SIGNATURE = "3F00DF014032"
    ADDRESS = "3F00DF014033"
    ADDRESS_SIGNATURE = "3F00DF014034"
    PHOTO = "3F00DF014035"
    BASIC_PUBLIC_KEY = "3F00DF014040"
    TOKEN_INFO = "3F00DF005032"
    AUTHENTICATION_CERTIFICATE = "3F00DF005038"
    SIGNATURE_CERTIFICATE = "3F00DF005039"
    CA_CERTIFICATE = "3F00DF00503A"
    ROOT_CERTIFICATE = "3F00DF00503B"
    RRN_CERTIFICATE = "3F00DF00503C"

    @property
    def path(self) -> bytes:
        """The absolute path as bytes."""
        return bytes.fromhex(self.value)

    @property
    def df(self) -> bytes:
        """The path of the DF holding this file."""
        return self.path[:4]

    @property
    def fid(self) -> FileId:
        """The EF's own identifier."""
        return FileId(int.from_bytes(self.path[4:6], "big"))

    @property
    def label(self) -> str:
        """A readable name for messages and progress (``identity``, ``photo``...)."""
        return self.name.lower().replace("_", " ")

    @property
    def is_certificate(self) -> bool:
        """Certificate EFs carry zero padding after the DER."""
        return self in CERTIFICATE_FILES


#: The certificate EFs in the order of :class:`~eidlib.token.CardCertificates`.
CERTIFICATE_FILES = (
    CardFile.AUTHENTICATION_CERTIFICATE,
    CardFile.SIGNATURE_CERTIFICATE,
    CardFile.CA_CERTIFICATE,
    CardFile.ROOT_CERTIFICATE,
    CardFile.RRN_CERTIFICATE,
)

Generation = Literal["1.7", "1.8"]
#: Zeros after a certificate DER (CC4 §8 for 1.7, CC54 §8 for 1.8).
CERT_PADDING: Mapping[Generation, int] = {"1.7": 50, "1.8": 1100}
#: Size of a certificate EF that holds no certificate (all zeros).
EMPTY_CERT_SIZE: Mapping[Generation, int] = {"1.7": 1300, "1.8": 2500}
#: EF(ID#Address): 121 bytes, as on the specimen dumps.
ADDRESS_FILE_SIZE = 121
#: EF(SGN#ID) / EF(SGN#Address): an RSA-2048 signature, or a zero-padded DER ECDSA one.
SIGNATURE_FILE_SIZE = 256
#: EF(PuK#1) on 1.8: the DER SubjectPublicKeyInfo of a P-384 key.
BASIC_KEY_FILE_SIZE = 120
#: EF(CDF) has a fixed size; unused space is zeros (CC4 §6.5).
CDF_FILE_SIZE = 0xD0
#: Largest READ BINARY chunk a host asks for (eid-mw's ``MAX_APDU_READ_LEN``, safe on every reader).
READ_CHUNK = 252
#: READ BINARY offsets are 15 bits (P1 bit 8 must be 0).
MAX_OFFSET = 0x7FFF
