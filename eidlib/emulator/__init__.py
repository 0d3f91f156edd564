"""The virtual BEID card: the BELPIC applet (1.7 RSA / 1.8 ECDSA), its in-process transport and faults.

``VirtualCard`` answers raw APDUs like a real card; ``VirtualTransport`` plugs it into
anything that takes an :class:`eidlib.apdu.Transport`; ``card.faults`` (:class:`Faults`)
simulates removal, a mute card, forced status words and damaged files.
"""

from eidlib.belpic.files import APPLET_AID, IDFILES_AID, PKCS15_AID
from eidlib.emulator.card import ATR, VirtualCard
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.faults import Faults
from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.transport import VirtualTransport

__all__ = [
    "APPLET_AID",
    "ATR",
    "IDFILES_AID",
    "PKCS15_AID",
    "CardImage",
    "EmulatorError",
    "Faults",
    "Profile",
    "VirtualCard",
    "VirtualTransport",
]
