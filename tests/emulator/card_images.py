"""Card images for the applet tests, from the real personalisation (persona + test PKI).

:func:`make_image` caches one personalised image per variant (RSA key derivation is the
slow part) and hands out a copy whose file table the test may change freely.
"""

from __future__ import annotations

import dataclasses
import functools

from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.personalise import personalise


@functools.cache
def _personalised(profile: Profile, kids: bool, activated: bool, pin: str) -> CardImage:
    return personalise(profile, pin=pin, kids=kids, activated=activated)


def make_image(profile: Profile = "1.8", *, kids: bool = False, activated: bool = True,
               pin: str = "1234") -> CardImage:
    """A complete card image; a kids card has no signature key or certificate."""
    image = _personalised(profile, kids, activated, pin)
    return dataclasses.replace(image, files=dict(image.files), extra=dict(image.extra))
