"""Sign a file with a Belgian eID: a detached CMS (PKCS#7) signature, verifiable with OpenSSL.

    python examples/sign_file_cms.py contract.pdf                 # first card reader with an eID
    python examples/sign_file_cms.py contract.pdf --pkcs11        # through the PKCS#11 module (found)
    python examples/sign_file_cms.py contract.pdf --pkcs11 /usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0
    python examples/sign_file_cms.py contract.pdf --virtual 1.8   # the built-in virtual card (PIN 1234)

Then check it:

    openssl cms -verify -binary -inform DER -in contract.pdf.p7s -content contract.pdf -CAfile root.pem

(``--write-root root.pem`` saves the card's root certificate for that.)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eidlib.errors import EidError
from eidlib.opener import open_card
from eidlib.pkcs11 import open_token
from eidlib.signing import sign_file_cms
from eidlib.token.protocol import Token


def open_source(args: argparse.Namespace) -> AbstractContextManager[Token]:
    if args.pkcs11 is not None:
        return open_token(args.pkcs11 or None)
    return open_card(reader=args.reader, virtual=args.virtual)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--key", choices=("signature", "authentication"), default="signature")
    parser.add_argument("--hash", default="sha256")
    parser.add_argument("--write-root", type=Path, metavar="PEM", help="also save the root certificate")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--reader")
    source.add_argument("--virtual", choices=("1.7", "1.8"))
    source.add_argument("--pkcs11", nargs="?", const="", metavar="MODULE")
    args = parser.parse_args()

    output = args.output or args.file.with_name(args.file.name + ".p7s")
    pin = getpass.getpass("eID PIN: ")
    try:
        with open_source(args) as token:
            signature = sign_file_cms(token, args.file, key=args.key, pin=pin, hash=args.hash)
            root = token.read_certificates().root
    except EidError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    output.write_bytes(signature)
    print(f"{output}: {len(signature)} bytes")
    if args.write_root and root:
        pem = x509.load_der_x509_certificate(root).public_bytes(serialization.Encoding.PEM)
        args.write_root.write_bytes(pem)
        print(f"{args.write_root}: root certificate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
