"""The CLI's messages in Dutch, French, German or English, chosen from the locale.

Catalogues live in ``eidlib/cli/locale/<lang>/LC_MESSAGES/eid.mo`` (compiled from the ``.po``
files next to them by ``make catalogues``). The language comes from ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES`` or ``LANG``, the usual gettext order; anything else, or no catalogue, is English.
Only the command's own words are translated: JSON keys and values never are.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

DOMAIN = "eid"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "fr", "de", "en")

_translation: _gettext.NullTranslations | None = None


def language() -> str:
    """The first supported language named by the environment (``en`` when none is)."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if not value:
            continue
        # LANGUAGE may list several (``nl:fr``); the others hold one locale (``nl_BE.UTF-8``).
        for item in value.split(":"):
            code = item.split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
        if variable != "LANGUAGE":
            return "en"  # the locale names a language we do not have (``C``, ``it_IT``): English
    return "en"


def _load() -> _gettext.NullTranslations:
    global _translation
    if _translation is None:
        _translation = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language()], fallback=True)
    return _translation


def reset() -> None:
    """Forget the loaded catalogue (the next message reads the environment again)."""
    global _translation
    _translation = None


def _(message: str) -> str:
    """``message`` in the user's language."""
    return _load().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the user's language."""
    return _load().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it when shown."""
    return message
