"""The virtual cards the CLI can use: the two applet profiles and the card personas of the catalogue.

``eid --virtual NAME`` and ``eid emulate --card NAME`` take ``1.7``, ``1.8`` or any name of
:data:`eidlib.emulator.generations.CARD_PERSONAS` (``1.1``, ``1.7-ec``, ``1.8-p256``, ``kids``,
``eu-citizen``, ...); ``eid emulate --list-cards`` lists them, one line each. The holder file,
``kids`` and ``not-activated`` options apply to a card persona as they do to a bare profile.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any, cast

from eidlib.cli.i18n import N_, _

if TYPE_CHECKING:
    from eidlib.emulator.card import VirtualCard
    from eidlib.emulator.image import Profile
    from eidlib.emulator.persona import Persona

#: The applet profiles: a virtual card of these names is built as before the catalogue existed.
PROFILES = ("1.7", "1.8")

#: One line per catalogue entry, in the user's language (the library's descriptions are English).
SUMMARIES = {
    "1.1": N_("applet 1.1: RSA-1024 keys, SHA-1 file signatures, 50 ms pause before a 6Cxx resend"),
    "1.7": N_("applet 1.7: RSA-2048 keys"),
    "1.7-ec": N_("applet 1.7 re-keyed with EC P-384 user keys"),
    "1.7-rrn-sha1": N_("applet 1.7 whose National Register signatures use SHA-1"),
    "1.8": N_("applet 1.8: EC P-384 keys"),
    "1.8-p256": N_("applet 1.8 with EC P-256 user keys"),
    "1.8-rrn-sha256": N_("applet 1.8 whose National Register signatures use SHA-256"),
    "kids": N_("kids card of a child under 6: no authentication or signature key"),
    "kids-6-12": N_("kids card of a child from 6 to 12: authentication key only"),
    "eu-citizen": N_("EU citizen's card (type 31)"),
    "family-member": N_("family member of an EU citizen (F+ card, type 18)"),
    "long-term-resident": N_("long-term resident (L card, type 28) with a work permit mention"),
    "article-50": N_("British national under article 50 of the withdrawal agreement (M card, type 22)"),
    "special-status": N_("Belgian card with special status 5, a noble condition and a duplicate number"),
    "unknown-values": N_("card with a document type, special status and tag eidlib does not know"),
}


def card_names() -> tuple[str, ...]:
    """Every name ``--virtual`` and ``--card`` accept."""
    from eidlib.emulator.generations import CARD_PERSONAS

    return tuple(CARD_PERSONAS)


def card_name(text: str) -> str:
    """The argparse type of ``--virtual`` / ``--card``: a known name, else a usage error naming them."""
    names = card_names()
    if text in names:
        return text
    raise argparse.ArgumentTypeError(
        _("unknown virtual card {name!r}; known: {names} ('eid emulate --list-cards' describes them)").format(
            name=text, names=", ".join(names)))


def applet_profile(name: str) -> Profile:
    """The applet model the virtual card ``name`` runs (``1.7`` or ``1.8``)."""
    if name in PROFILES:
        return cast("Profile", name)
    from eidlib.emulator.generations import card_persona

    return card_persona(name).profile


def pki_profile(name: str) -> Profile:
    """Which test PKI issued the certificates of the virtual card ``name`` (its trust root for ``--virtual``)."""
    if name in PROFILES:
        return cast("Profile", name)
    from eidlib.emulator.generations import card_persona

    entry = card_persona(name)
    return entry.pki_profile or entry.profile


def default_holder(name: str) -> Persona:
    """The holder the virtual card ``name`` carries when no persona file replaces it."""
    from eidlib.emulator.persona import Persona

    if name in PROFILES:
        return Persona.default()
    from eidlib.emulator.generations import card_persona

    return card_persona(name).persona()


def build_virtual_card(name: str, *, holder: Persona | None = None, pin: str = "1234", seed: str = "eidlib-test",
                       kids: bool = False, activated: bool = True) -> VirtualCard:
    """The virtual card ``name``, with another holder, as a kids card or not activated when asked."""
    from eidlib.emulator import VirtualCard

    if name in PROFILES:
        return VirtualCard(cast("Profile", name), holder, pin, seed=seed, kids=kids, activated=activated)
    from eidlib.emulator.generations import card_persona

    changes: dict[str, Any] = {}
    if holder is not None:
        changes["persona"] = lambda: holder
    if kids:
        changes["kids"] = True
    image = dataclasses.replace(card_persona(name), **changes).image(pin=pin, seed=seed)
    image.activated = activated
    return VirtualCard(image=image)


def card_list() -> list[dict[str, str]]:
    """The catalogue as ``eid emulate --list-cards --json`` gives it (descriptions in English, like all values)."""
    from eidlib.emulator.generations import CARD_PERSONAS

    return [{"name": entry.name, "profile": entry.profile, "description": entry.description}
            for entry in CARD_PERSONAS.values()]


def print_card_list() -> None:
    """One line per virtual card: its name and what it is, in the user's language."""
    entries = card_list()
    width = max(len(entry["name"]) for entry in entries)
    for entry in entries:
        summary = SUMMARIES.get(entry["name"])  # an entry newer than the CLI's words keeps its own
        print(f"{entry['name'].ljust(width)}  {_(summary) if summary else entry['description']}")
