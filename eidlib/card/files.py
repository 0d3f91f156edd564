"""The card's elementary files (spec §2.1) and the BELPIC identifiers."""

from __future__ import annotations

from enum import Enum

#: The BELPIC applet instance AID (spec §1.2).
APPLET_AID = bytes.fromhex("A000000030290570 00AD13100101FF".replace(" ", ""))
#: DF00, the PKCS#15 application.
DF_BELPIC = bytes.fromhex("3F00DF00")
#: DF01, the identity application.
DF_ID = bytes.fromhex("3F00DF01")


class CardFile(Enum):
    """Every EF eidlib reads, valued by its absolute path (with ``3F00``)."""

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
    def label(self) -> str:
        """A readable name for messages and progress (``identity``, ``photo``...)."""
        return self.name.lower().replace("_", " ")

    @property
    def is_certificate(self) -> bool:
        """Certificate EFs carry zero padding after the DER."""
        return self.path[2:4] == DF_BELPIC[2:4] and self.path[4] == 0x50 and self.path[5] >= 0x38
