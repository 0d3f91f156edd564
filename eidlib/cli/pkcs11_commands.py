"""``eid pkcs11-info`` (what a PKCS#11 module shows) and ``eid sign-cms`` (detached CMS over a file).

``sign-cms`` works with every token source of the global options: ``--pkcs11 [MODULE]``, ``--virtual``,
``--reader`` or the first card found.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from eidlib.errors import EidError

_HASHES = ("sha256", "sha384", "sha512", "sha1", "sha3_256", "sha3_384", "sha3_512")


def register(subparsers: Any) -> None:
    info = subparsers.add_parser("pkcs11-info", help="show the PKCS#11 module's token, mechanisms and objects")
    info.add_argument("--label", default="BELPIC", help="token label to open (default: BELPIC)")
    info.set_defaults(func=run_info)

    sign = subparsers.add_parser("sign-cms", help="sign a file: detached CMS (PKCS#7) signature")
    sign.add_argument("file", type=Path, help="the file to sign")
    sign.add_argument("-o", "--output", type=Path, help="where to write the signature (default: FILE.p7s)")
    sign.add_argument("--key", choices=("signature", "authentication"), default="signature")
    sign.add_argument("--hash", choices=_HASHES, default="sha256")
    sign.add_argument("--no-chain", action="store_true", help="embed only the signer certificate")
    sign.add_argument("--pss", action="store_true", help="RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys)")
    entry = sign.add_mutually_exclusive_group()
    entry.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    entry.add_argument(
        "--pinpad", action="store_true", help="do not ask for the PIN (PIN pad or the module's own dialog)"
    )
    sign.set_defaults(func=run_sign)


def _read_pin(args: argparse.Namespace) -> str | None:
    if args.pinpad:
        return None
    if args.pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass("PIN: ")


def run_sign(args: argparse.Namespace) -> int:
    from eidlib.cli.source import open_source
    from eidlib.signing import sign_file_cms

    output: Path = args.output or args.file.with_name(args.file.name + ".p7s")
    pin = _read_pin(args)
    with open_source(args) as token:
        signature = sign_file_cms(
            token, args.file, key=args.key, pin=pin, hash=args.hash, include_chain=not args.no_chain,
            padding="pss" if args.pss else "pkcs1v15",
        )
    output.write_bytes(signature)
    if args.json:
        print(json.dumps({"file": str(args.file), "signature": str(output), "key": args.key, "hash": args.hash}))
    else:
        print(f"signature written to {output} ({len(signature)} bytes, {args.key} key, {args.hash})")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from eidlib.pkcs11 import open_token
    from eidlib.pkcs11.mechanisms import mechanism_name

    with open_token(getattr(args, "pkcs11", None) or None, token_label=args.label) as token:
        info = token.info
        present: dict[str, object]
        try:
            certificates = token.read_certificates()
            present = {
                name: getattr(certificates, name) is not None
                for name in ("authentication", "signature", "ca", "root", "rrn")
            }
        except EidError as exc:  # e.g. OpenSC hides an applet 1.7 card's certificates until login
            present = {"unavailable": str(exc)}
        report: dict[str, object] = {
            "module": token.module_path,
            "slot": token.slot,
            "label": info.label,
            "manufacturer": info.manufacturer,
            "model": info.model,
            "serial": info.serial,
            "pin_length": [token.pin_rule.min_length, token.pin_rule.max_length],
            "protected_authentication_path": info.protected_authentication_path,
            "pin_tries_left": token.pin_tries_left(),
            "mechanisms": sorted(mechanism_name(m) for m in token.mechanisms),
            "certificates": present,
        }
    if args.json:
        print(json.dumps(report))
        return 0
    for name, value in report.items():
        if isinstance(value, list) and name == "mechanisms":
            print(f"{name}:")
            for item in value:
                print(f"  {item}")
        else:
            print(f"{name}: {value}")
    return 0
