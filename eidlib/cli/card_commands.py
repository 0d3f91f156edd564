"""Card commands of ``eid``: ``info``, ``read``, ``photo``, ``pin status|change``, ``sign``, ``diagnose``.

PINs come from an interactive prompt (no echo) or, with ``--pin-stdin``, from standard
input (one line per PIN); never from the command line. On a PIN-pad reader the PIN is
typed on the reader.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eidlib.card.session import BeidCard
from eidlib.carddata.verdict import integrity_verdict
from eidlib.cli.source import is_real_reader, open_source
from eidlib.errors import EidError
from eidlib.token.errors import NotSupported, PinFormatError
from eidlib.token.protocol import Token

_KEYS = {"auth": "authentication", "authentication": "authentication", "signature": "signature"}
_HASHES = ("sha1", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512")


def register(subparsers: Any) -> None:
    """Add the card subcommands to the ``eid`` parser."""
    json_flag: dict[str, Any] = {"action": "store_true", "default": argparse.SUPPRESS, "help": "JSON output"}

    info = subparsers.add_parser("info", help="card data: applet, serial, activation, PIN tries")
    info.add_argument("--json", **json_flag)
    info.set_defaults(func=run_info)

    read = subparsers.add_parser("read", help="identity, address and the integrity verdict")
    read.add_argument("--json", **json_flag)
    read.set_defaults(func=run_read)

    photo = subparsers.add_parser("photo", help="save the photo (JPEG)")
    photo.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the JPEG")
    photo.set_defaults(func=run_photo)

    pin = subparsers.add_parser("pin", help="PIN status or change")
    pin.add_argument("action", choices=("status", "change"))
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN(s) from stdin, one per line")
    pin.add_argument("--json", **json_flag)
    pin.set_defaults(func=run_pin)

    sign = subparsers.add_parser("sign", help="sign a file with a card key")
    sign.add_argument("file", metavar="FILE", help="the file to sign ('-' for stdin)")
    sign.add_argument("--key", choices=("auth", "signature"), default="auth", help="card key (default auth)")
    sign.add_argument("--hash", choices=_HASHES, help="hash (default SHA-256 on RSA, SHA-384 on EC)")
    sign.add_argument("-o", "--output", metavar="FILE", help="write the raw signature here instead of hex")
    sign.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    sign.set_defaults(func=run_sign)

    diagnose = subparsers.add_parser("diagnose", help="check pcscd, readers, PIN pads and the card")
    diagnose.add_argument("--json", **json_flag)
    diagnose.set_defaults(func=run_diagnose)


# -- helpers ----------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, data: dict[str, Any], human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        human()


def _progress(args: argparse.Namespace, card: Token) -> Callable[[], None]:
    """Show reading progress on stderr for a card in a real reader; returns a function ending the line."""
    if not isinstance(card, BeidCard) or not is_real_reader(args):
        return lambda: None
    shown: list[bool] = []

    def report(label: str, done: int) -> None:
        shown.append(True)
        print(f"\rreading {label}: {done} bytes ", end="", file=sys.stderr, flush=True)

    card.on_progress = report

    def finish() -> None:
        card.on_progress = None
        if shown:
            print(file=sys.stderr)

    return finish


def _read_pin(args: argparse.Namespace, prompt: str) -> str:
    if getattr(args, "pin_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise PinFormatError("no PIN on standard input")
        return line.rstrip("\r\n")
    return getpass.getpass(prompt)


def _uses_pinpad(args: argparse.Namespace, card: Token) -> bool:
    if getattr(args, "pin_stdin", False):
        return False
    if isinstance(card, BeidCard):
        return card.pinpad() is not None
    return bool(getattr(card, "protected_authentication_path", False))


def _need_beid(card: Token, what: str) -> BeidCard:
    if not isinstance(card, BeidCard):
        raise NotSupported(f"{what} needs a direct card connection (not --pkcs11)")
    return card


def _integrity_verdict(card: Token) -> dict[str, Any]:
    """The card's own files, or a PKCS#11 module's eID data objects, checked against the RRN signatures."""
    return integrity_verdict(getattr(card, "verify_integrity", None)).to_dict()


# -- commands ---------------------------------------------------------------------------------


def run_info(args: argparse.Namespace) -> int:
    """``eid info``."""
    with open_source(args) as token:
        card = _need_beid(token, "info")
        data = card.card_data()
        tries = card.pin_tries_left()
        info = {
            "applet_version": data.applet_version_text,
            "serial_number": data.serial_hex,
            "atr": card.atr.hex().upper(),
            "activated": data.activated,
            "life_cycle": data.applet_life_cycle,
            "pin_tries_left": tries,
            "key_algorithm": card.key_algorithm,
            "card_data": data.to_dict(),
        }

        def human() -> None:
            print(f"Applet version : {info['applet_version']} ({card.key_algorithm.upper()} keys)")
            print(f"Serial number  : {info['serial_number']}")
            print(f"ATR            : {card.atr.hex(' ').upper()}")
            print(f"Activated      : {'yes' if data.activated else 'no'} (life cycle 0x{data.applet_life_cycle:02X})")
            print(f"PIN tries left : {tries if tries is not None else 'unknown'}")

        _emit(args, info, human)
    return 0


def run_read(args: argparse.Namespace) -> int:
    """``eid read``: identity, address and whether the National Register signatures hold."""
    with open_source(args) as token:
        finish = _progress(args, token)
        try:
            identity = token.read_identity()  # type: ignore[attr-defined]
            address = token.read_address()  # type: ignore[attr-defined]
            verdict = _integrity_verdict(token)
        finally:
            finish()
    out = {"identity": identity.to_dict(), "address": address.to_dict(), "integrity": verdict}

    def human() -> None:
        rows = [
            ("Name", f"{identity.given_names} {identity.surname}".strip()),
            ("National number", identity.national_number),
            ("Born", f"{identity.date_of_birth} in {identity.location_of_birth}"),
            ("Sex", identity.sex.name.lower()),
            ("Nationality", identity.nationality),
            ("Card number", identity.card_number),
            ("Valid", f"{identity.validity_begin_date} to {identity.validity_end_date}"),
            ("Issued in", identity.issuing_municipality),
            ("Document", str(out["identity"]["document_type"]).replace("_", " ")),
            ("Address", f"{address.street_and_number}, {address.zip} {address.municipality}"),
        ]
        for label, value in rows:
            print(f"{label:<16}: {value}")
        if verdict["valid"]:
            print(f"{'Integrity':<16}: valid (RRN signatures, {verdict['hash']}; photo hash checked)")
        elif verdict["valid"] is None:
            print(f"{'Integrity':<16}: not checked ({verdict['reason']})")
        else:
            print(f"{'Integrity':<16}: INVALID — {verdict['file']}: {verdict['reason']}")

    _emit(args, out, human)
    return 0 if verdict["valid"] is not False else 3


def run_photo(args: argparse.Namespace) -> int:
    """``eid photo -o FILE``."""
    with open_source(args) as token:
        finish = _progress(args, token)
        try:
            photo: bytes = token.read_photo()  # type: ignore[attr-defined]
        finally:
            finish()
    Path(args.output).write_bytes(photo)
    print(f"photo saved to {args.output} ({len(photo)} bytes)", file=sys.stderr)
    return 0


def run_pin(args: argparse.Namespace) -> int:
    """``eid pin status`` / ``eid pin change``."""
    with open_source(args) as token:
        if args.action == "status":
            tries = token.pin_tries_left()
            state = {"pin_tries_left": tries, "blocked": tries == 0}
            _emit(args, state, lambda: print(
                "PIN blocked" if tries == 0 else f"PIN tries left: {tries if tries is not None else 'unknown'}"))
            return 0
        card = _need_beid(token, "changing the PIN")
        if _uses_pinpad(args, card):
            print("Enter the current PIN, then the new PIN twice, on the reader.", file=sys.stderr)
            card.change_pin(None, None)
        else:
            old = _read_pin(args, "Current PIN: ")
            new = _read_pin(args, "New PIN: ")
            if not getattr(args, "pin_stdin", False) and _read_pin(args, "New PIN again: ") != new:
                raise PinFormatError("the two new PINs differ")
            card.change_pin(old, new)
        print("PIN changed", file=sys.stderr)
    return 0


def run_sign(args: argparse.Namespace) -> int:
    """``eid sign --key auth|signature FILE``: the raw signature as hex, or to ``-o``."""
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    key = _KEYS[args.key]
    with open_source(args) as token:
        pin: str | None = None
        if _uses_pinpad(args, token):
            print("Enter your PIN on the reader.", file=sys.stderr)
        else:
            pin = _read_pin(args, f"PIN for the {key} key: ")
        signature = token.sign(data, key=key, hash=args.hash, pin=pin)  # type: ignore[arg-type]
    if args.output:
        Path(args.output).write_bytes(signature)
        print(f"signature written to {args.output} ({len(signature)} bytes)", file=sys.stderr)
    else:
        print(signature.hex())
    return 0


def _diagnose_readers(report: dict[str, Any]) -> list[str]:
    from eidlib.apdu.pcsc import all_reader_status

    try:
        statuses = all_reader_status()
    except EidError as exc:
        report["pcscd"] = {"reachable": False, "error": str(exc)}
        return []
    report["pcscd"] = {"reachable": True}
    report["readers"] = [
        {"name": s.name, "card_present": s.card_present, "atr": s.atr.hex().upper() if s.atr else None}
        for s in statuses
    ]
    return [s.name for s in statuses if s.card_present]


def _diagnose_card(card: BeidCard) -> dict[str, Any]:
    pad = card.pinpad()
    data = card.card_data()
    from eidlib.card.atr import atr_generation

    return {
        "atr": card.atr.hex().upper(),
        "atr_recognised": atr_generation(card.atr),
        "applet_version": data.applet_version_text,
        "activated": data.activated,
        "pin_tries_left": card.pin_tries_left(),
        "pinpad": {"verify": pad.can_verify, "modify": pad.can_modify} if pad else None,
    }


def run_diagnose(args: argparse.Namespace) -> int:
    """``eid diagnose``: what works and what does not, from pcscd to the PIN counter."""
    report: dict[str, Any] = {}
    problems: list[str] = []
    if args.virtual is not None or args.pkcs11 is not None:
        report["source"] = "virtual" if args.virtual else "pkcs11"
        try:
            with open_source(args) as token:
                report["card"] = (_diagnose_card(token) if isinstance(token, BeidCard)
                                  else {"pin_tries_left": token.pin_tries_left()})
        except EidError as exc:
            problems.append(str(exc))
    else:
        with_card = _diagnose_readers(report)
        if not report["pcscd"]["reachable"]:
            problems.append("pcscd is not reachable: start it (systemctl start pcscd)")
        elif not report.get("readers"):
            problems.append("no card reader connected")
        elif not with_card:
            problems.append("no card in any reader")
        names = [args.reader] if args.reader else with_card
        cards = []
        for name in names:
            entry: dict[str, Any] = {"reader": name}
            try:
                from eidlib.opener import open_card

                with open_card(name) as card:
                    entry.update(_diagnose_card(card))
            except EidError as exc:
                entry["error"] = str(exc)
                problems.append(f"{name}: {exc}")
            cards.append(entry)
        report["cards"] = cards
    report["problems"] = problems

    def human() -> None:
        pcscd = report.get("pcscd")
        if pcscd is not None:
            print(f"pcscd          : {'reachable' if pcscd['reachable'] else 'NOT reachable'}")
            for reader in report.get("readers", []):
                state = f"card, ATR {reader['atr']}" if reader["card_present"] else "no card"
                print(f"reader         : {reader['name']}: {state}")
        for entry in report.get("cards", []) + ([report["card"]] if "card" in report else []):
            if "error" in entry:
                print(f"card           : {entry.get('reader', '')}: {entry['error']}")
                continue
            if "applet_version" in entry:
                pad = entry["pinpad"]
                print(f"card           : applet {entry['applet_version']}, "
                      f"{'activated' if entry['activated'] else 'NOT activated'}, ATR "
                      f"{'recognised' if entry['atr_recognised'] else 'unknown'}")
                print(f"PIN pad        : {'verify' if pad and pad['verify'] else 'none'}")
            print(f"PIN tries left : {entry['pin_tries_left']}")
        for problem in problems:
            print(f"problem        : {problem}")
        if not problems:
            print("everything looks fine")

    _emit(args, report, human)
    return 1 if problems else 0
