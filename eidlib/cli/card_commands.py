"""Card commands of ``eid``: ``info``, ``read``, ``photo``, ``pin status|test|change``, ``sign``.

PINs follow :mod:`eidlib.cli.pin_entry` (never asked on a blocked PIN, confirmed at the last
try, PIN pad used when there is one, never from the command line). Input and output files
follow :mod:`eidlib.cli.files` (checked before the card is touched, written atomically, ``-``
for stdin/stdout).
"""

from __future__ import annotations

import argparse
import base64
from contextlib import nullcontext
from typing import Any

from eidlib.card.session import BeidCard
from eidlib.cli.errors import KEY_LABELS, UsageError
from eidlib.cli.files import prepared_output, read_input
from eidlib.cli.i18n import _
from eidlib.cli.output import emit, note, wants_json
from eidlib.cli.pin_entry import add_pin_options, check_tries, obtain_pin, read_pin, tries_text
from eidlib.cli.progress import reading
from eidlib.cli.source import add_wait_option, open_source
from eidlib.token.errors import NotSupported, PinFormatError
from eidlib.token.protocol import KeyRole, Token
from eidlib.token.verdict import integrity_verdict

#: ``--key`` values (the same on ``sign`` and ``sign-cms``) -> the library's key names.
KEYS = {"auth": KeyRole.AUTHENTICATION, "authentication": KeyRole.AUTHENTICATION, "signature": KeyRole.SIGNATURE}
#: Both signing commands use the non-repudiation (signature) key unless ``--key auth`` is given.
DEFAULT_KEY = "signature"
HASHES = ("sha1", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512")


def add_key_option(parser: argparse.ArgumentParser) -> None:
    """``--key auth|signature``: one vocabulary and one default for every signing command."""
    parser.add_argument("--key", choices=tuple(KEYS), default=DEFAULT_KEY,
                        help="card key: signature (default; the qualified signature key) or auth")


def json_option(parser: argparse.ArgumentParser) -> None:
    """``--json`` after the command as well as before it."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")


def register(subparsers: Any) -> None:
    """Add the card subcommands to the ``eid`` parser."""
    info = subparsers.add_parser("info", help="card data: applet, serial, activation, PIN tries")
    read = subparsers.add_parser("read", help="identity, address and the integrity verdict")
    read.add_argument("--photo", action="store_true", help="with --json: include the photo (base64 JPEG)")
    photo = subparsers.add_parser("photo", help="save the photo (JPEG)")
    photo.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the JPEG ('-': stdout)")
    pin = subparsers.add_parser("pin", help="PIN status, test or change")
    pin.add_argument("action", choices=("status", "test", "change"),
                     help="status: tries left (no PIN needed); test: check a PIN; change: set a new PIN")
    add_pin_options(pin)
    sign = subparsers.add_parser("sign", help="sign a file with the signature key (raw signature)")
    sign.add_argument("file", metavar="FILE", help="the file to sign ('-' for stdin)")
    add_key_option(sign)
    sign.add_argument("--hash", choices=HASHES, help="hash (default SHA-256 on RSA cards, SHA-384 on EC cards)")
    sign.add_argument("-o", "--output", metavar="FILE", help="write the raw signature here ('-': stdout), not hex")
    add_pin_options(sign)
    for parser, func in ((info, run_info), (read, run_read), (photo, run_photo), (pin, run_pin), (sign, run_sign)):
        json_option(parser)
        add_wait_option(parser, default=argparse.SUPPRESS)
        parser.set_defaults(func=func)


# -- helpers ----------------------------------------------------------------------------------


def _need_beid(card: Token, what: str) -> BeidCard:
    if not isinstance(card, BeidCard):
        raise NotSupported(f"{what} needs a direct card connection (not --pkcs11)")
    return card


def _integrity_verdict(card: Token) -> dict[str, Any]:
    """The card's own files, or a PKCS#11 module's eID data objects, checked against the RRN signatures."""
    return integrity_verdict(card.verify_integrity).to_dict()


def refuse_two_uses_of_stdin(args: argparse.Namespace) -> None:
    """The document and the PIN cannot both come from standard input."""
    if args.file == "-" and args.pin_stdin:
        raise UsageError("the file to sign and the PIN cannot both come from stdin: leave out --pin-stdin")


def absent_as_null(fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON rule: a field the card leaves empty is ``null``, as an absent one (never ``""``)."""
    return {key: None if value == "" else value for key, value in fields.items()}


def _yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


# -- commands ---------------------------------------------------------------------------------


def run_info(args: argparse.Namespace) -> int:
    """``eid info``: one GET CARD DATA gives the applet, serial, life cycle and (1.8) the PIN tries."""
    with open_source(args) as token:
        card = _need_beid(token, "info")
        data = card.card_data(fresh=False)  # the session just read it: one GET CARD DATA in all
        tries = data.pin_tries_left if data.pin_tries_left is not None else card.pin_tries_left()
        key_algorithm = card.key_algorithm
        info = {
            "applet_version": data.applet_version_text,
            "serial_number": data.serial_hex,
            "atr": card.atr.hex().upper(),
            "activated": data.activated,
            "life_cycle": data.applet_life_cycle,
            "pin_tries_left": tries,
            "key_algorithm": key_algorithm,
            "card_data": data.to_dict(),
        }

    def human() -> None:
        rows = [
            (_("Applet version"), f"{info['applet_version']} ({key_algorithm.upper()})"),
            (_("Serial number"), info["serial_number"]),
            (_("ATR"), card.atr.hex(" ").upper()),
            (_("Activated"), f"{_yes_no(data.activated)} (life cycle 0x{data.applet_life_cycle:02X})"),
            (_("PIN"), _("blocked") if tries == 0 else tries_text(tries)),
        ]
        _print_rows(rows)

    emit(args, info, human)
    return 0


def _print_rows(rows: list[tuple[str, object]]) -> None:
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label:<{width}} : {value}")


def run_read(args: argparse.Namespace) -> int:
    """``eid read``: identity, address and whether the National Register signatures hold."""
    if args.photo and not wants_json(args):
        raise UsageError("--photo goes with --json (use 'eid photo -o FILE' to save the photo)")
    with open_source(args) as token, reading(args, token):
        identity = token.read_identity()
        address = token.read_address()
        verdict = _integrity_verdict(token)
        photo: bytes | None = token.read_photo() if args.photo else None
    out: dict[str, Any] = {"identity": absent_as_null(identity.to_dict()), "address": absent_as_null(address.to_dict()),
                           "integrity": verdict}
    if photo is not None:
        out["photo"] = base64.b64encode(photo).decode("ascii")

    def human() -> None:
        rows: list[tuple[str, object]] = [
            (_("Name"), f"{identity.given_names} {identity.surname}".strip()),
            (_("National number"), identity.national_number),
            (_("Born"), _("{date} in {place}").format(date=identity.date_of_birth, place=identity.location_of_birth)),
            (_("Sex"), identity.sex.name.lower()),
            (_("Nationality"), identity.nationality),
            (_("Card number"), identity.card_number),
            (_("Valid"), _("{start} to {end}").format(start=identity.validity_begin_date,
                                                       end=identity.validity_end_date)),
            (_("Issued in"), identity.issuing_municipality),
            (_("Document"), str(out["identity"]["document_type"]).replace("_", " ")),
            (_("Address"), f"{address.street_and_number}, {address.zip} {address.municipality}"),
        ]
        if verdict["valid"]:
            rows.append((_("Integrity"), _("valid (National Register signatures, {hash}; photo checked)")
                         .format(hash=verdict["hash"])))
        elif verdict["valid"] is None:
            rows.append((_("Integrity"), _("not checked ({reason})").format(reason=verdict["reason"])))
        else:
            rows.append((_("Integrity"), _("INVALID: {file}: {reason}").format(**verdict)))
        _print_rows(rows)

    emit(args, out, human)
    return 0 if verdict["valid"] is not False else 3


def run_photo(args: argparse.Namespace) -> int:
    """``eid photo -o FILE``: the JPEG, written atomically (``-o -``: to stdout)."""
    if args.output == "-" and wants_json(args):
        raise UsageError("the photo and the JSON cannot both go to stdout: use 'eid --json read --photo'")
    with prepared_output(args.output) as output:
        with open_source(args) as token, reading(args, token):
            photo: bytes = token.read_photo()
        output.commit(photo)
    if output.is_stdout:
        return 0
    emit(args, {"output": args.output, "size": len(photo)},
         lambda: note(_("Photo saved to {path} ({size} bytes).").format(path=args.output, size=len(photo))))
    return 0


def run_pin(args: argparse.Namespace) -> int:
    """``eid pin status`` / ``eid pin test`` / ``eid pin change``."""
    with open_source(args) as token:
        if args.action == "status":
            tries = token.pin_tries_left()
            state = {"pin_tries_left": tries, "blocked": tries == 0}
            emit(args, state, lambda: print(_("PIN blocked") if tries == 0 else _("PIN: {tries}").format(
                tries=tries_text(tries))))
            return 0
        if args.action == "test":
            pin = obtain_pin(args, token, None)
            token.verify_pin(pin)
            left = token.pin_tries_left()
            emit(args, {"verified": True, "pin_tries_left": left},
                 lambda: print(_("PIN correct ({tries}).").format(tries=tries_text(left))))
            return 0
        card = _need_beid(token, "changing the PIN")
        check_tries(args, card.pin_tries_left())
        if card.pinpad() is not None and not args.pin_stdin:
            note(_("Enter the current PIN, then the new PIN twice, on the reader."))
            card.change_pin(None, None)
        else:
            old = read_pin(args, _("Current PIN: "))
            new = read_pin(args, _("New PIN: "))
            if not args.pin_stdin and read_pin(args, _("New PIN again: ")) != new:
                raise PinFormatError("the two new PINs differ")
            card.change_pin(old, new)
    emit(args, {"changed": True}, lambda: note(_("PIN changed.")))
    return 0


def run_sign(args: argparse.Namespace) -> int:
    """``eid sign FILE``: a raw signature by the signature key, as hex or to ``-o`` (never the auth key)."""
    if args.output == "-" and wants_json(args):
        raise UsageError("the signature and the JSON cannot both go to stdout: give -o FILE, or leave out -o")
    key = KEYS[args.key]
    if key is KeyRole.AUTHENTICATION:
        # A raw signature over chosen bytes would let anyone who hands the user a "file" (a TLS
        # transcript, a Web eID message) log in as them: that key signs only what eidlib derives.
        raise UsageError(
            "eid sign uses the signature key only: the authentication key signs only the login messages "
            "eidlib makes itself ('eid authenticate', 'eid login'); 'eid sign-cms --key auth' signs a CMS"
        )
    refuse_two_uses_of_stdin(args)
    data = read_input(args.file)
    with prepared_output(args.output) if args.output else nullcontext() as output:
        with open_source(args) as token:
            pin = obtain_pin(args, token, key)
            signature = token.sign(data, key=key, hash=args.hash, pin=pin)
        if output is not None:
            output.commit(signature)
    result = {"key": key, "hash": args.hash, "size": len(signature),
              "signature": None if args.output else signature.hex(), "output": args.output}
    if output is not None and output.is_stdout:
        return 0

    def human() -> None:
        if args.output:
            note(_("Signature with the {key} key written to {path} ({size} bytes).").format(
                key=_(KEY_LABELS[key]), path=args.output, size=len(signature)))
        else:
            print(signature.hex())

    emit(args, result, human)
    return 0

