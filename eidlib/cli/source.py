"""Where the CLI's card comes from: ``--virtual``, ``--reader``, ``--pkcs11`` or the first BEID card."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from eidlib.token.protocol import Token


@contextmanager
def open_source(args: argparse.Namespace) -> Iterator[Token]:
    """Open the token the global options name; closed when the block ends.

    ``--pkcs11 [MODULE]`` opens a PKCS#11 token (the module found automatically when
    no path is given); otherwise a direct card session on ``--virtual`` or
    ``--reader``, or on the first reader holding a Belgian eID card.
    """
    pkcs11 = getattr(args, "pkcs11", None)
    if pkcs11 is not None:
        from eidlib.pkcs11 import open_token

        with open_token(pkcs11 or None) as token:
            yield token
        return
    from eidlib.opener import open_card

    with open_card(getattr(args, "reader", None), virtual=getattr(args, "virtual", None)) as card:
        yield card


def is_real_reader(args: argparse.Namespace) -> bool:
    """True when the card sits in a PC/SC reader (slow reads deserve a progress indication)."""
    return getattr(args, "virtual", None) is None and getattr(args, "pkcs11", None) is None
