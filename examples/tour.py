"""APDU self-check (replaced by the virtual-card tour once the card layer lands)."""

from eidlib.apdu import CommandAPDU

print(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A000000030290570 00AD13100101FF".replace(" ", ""))).to_bytes().hex())
