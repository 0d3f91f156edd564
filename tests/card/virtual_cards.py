"""Virtual cards for the session tests: one personalised image per profile, fresh cards from it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from eidlib.apdu.replay import RecordingTransport
from eidlib.card.pinpad import CM_IOCTL_GET_FEATURE_REQUEST, Feature, verify_structure
from eidlib.card.session import BeidCard
from eidlib.emulator import CardImage, VirtualCard, VirtualTransport
from eidlib.emulator.personalise import personalise

PIN = "1234"
VERIFY_DIRECT = 0x42330006
MODIFY_DIRECT = 0x42330007


@functools.cache
def image(profile: str, kids: bool = False, seed: str = "eidlib-test") -> CardImage:
    """The card image, personalised once per test session (RSA key generation is slow)."""
    return personalise(profile, pin=PIN, kids=kids, seed=seed)  # type: ignore[arg-type]


def virtual_card(profile: str, **kwargs: object) -> VirtualCard:
    """A fresh card (new PIN counter and session state) from the cached image."""
    return VirtualCard(image=image(profile, **kwargs))  # type: ignore[arg-type,unused-ignore]


@contextmanager
def session(profile: str, *, recording: bool = False, **kwargs: object) -> Iterator[tuple[BeidCard, VirtualCard]]:
    """An open :class:`BeidCard` on a fresh virtual card (optionally through a recorder)."""
    vc = virtual_card(profile, **kwargs)
    transport = VirtualTransport(vc)
    with BeidCard(RecordingTransport(transport) if recording else transport).open() as card:
        yield card, vc


class PinPadTransport(VirtualTransport):
    """A PIN-pad reader in front of a virtual card: the "user" types ``typed`` on its keypad.

    It answers the PC/SC part 10 feature request and runs VERIFY_PIN_DIRECT the way a
    reader does: it checks the structure, fills the PIN block template and sends the APDU.
    """

    def __init__(self, card: VirtualCard, typed: str | None = PIN, reader_sw: bytes | None = None) -> None:
        super().__init__(card)
        self.typed = typed
        self.reader_sw = reader_sw
        self.structures: list[bytes] = []

    def control(self, code: int, data: bytes = b"") -> bytes:
        if code == CM_IOCTL_GET_FEATURE_REQUEST:
            return (bytes((Feature.VERIFY_PIN_DIRECT, 4)) + VERIFY_DIRECT.to_bytes(4, "big")
                    + bytes((Feature.MODIFY_PIN_DIRECT, 4)) + MODIFY_DIRECT.to_bytes(4, "big"))
        self.structures.append(bytes(data))
        if self.reader_sw is not None:
            return self.reader_sw
        if code == VERIFY_DIRECT:
            assert bytes(data) == verify_structure()
            assert self.typed is not None
            apdu = bytearray(data[19:])
            apdu[5] = 0x20 | len(self.typed)
            digits = self.typed + "F" * (14 - len(self.typed))
            apdu[6:13] = bytes.fromhex(digits)
            return self.transmit(bytes(apdu))[-2:]
        if code == MODIFY_DIRECT:
            assert self.typed is not None
            old, new = self.typed.split("/")
            apdu = bytearray(data[24:])
            for offset, pin in ((5, old), (13, new)):
                apdu[offset] = 0x20 | len(pin)
                apdu[offset + 1 : offset + 8] = bytes.fromhex(pin + "F" * (14 - len(pin)))
            return self.transmit(bytes(apdu))[-2:]
        return b"\x6b\x80"
