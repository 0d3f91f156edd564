"""Read a Belgian eID card in a PC/SC reader and check its data against the National Register.

    python examples/read_card.py                 # the first reader holding an eID card
    python examples/read_card.py --reader NAME   # a given reader
    python examples/read_card.py --virtual 1.8   # the built-in virtual card

No PIN is needed: identity, address, photo and certificates are public files on the card.
"""

from __future__ import annotations

import argparse
import sys

from eidlib import open_card
from eidlib.carddata.errors import IntegrityError
from eidlib.errors import EidError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--reader", help="PC/SC reader name")
    source.add_argument("--virtual", choices=("1.7", "1.8"), help="use the virtual card")
    args = parser.parse_args(argv)
    try:
        with open_card(args.reader, virtual=args.virtual) as card:
            card.on_progress = lambda label, done: print(f"\r{label}: {done} bytes ", end="", file=sys.stderr)
            identity = card.read_identity()
            address = card.read_address()
            try:
                integrity = card.verify_integrity()
                verdict = f"valid ({integrity.hash_algorithm})"
            except IntegrityError as exc:
                verdict = f"INVALID: {exc}"
            print(file=sys.stderr)
    except EidError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{identity.given_names} {identity.surname} ({identity.national_number})")
    print(f"born {identity.date_of_birth} in {identity.location_of_birth}")
    print(f"{address.street_and_number}, {address.zip} {address.municipality}")
    print(f"card {identity.card_number}, valid until {identity.validity_end_date}; integrity {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
