"""``eid pkcs11-info`` (what a PKCS#11 module shows) and ``eid sign-cms`` (detached CMS over a file).

``sign-cms`` works with every token source of the global options: ``--pkcs11 [MODULE]``, ``--virtual``,
``--reader`` or the first card found. It uses the same ``--key`` vocabulary and default as ``sign``.
"""

from __future__ import annotations

import argparse
from typing import Any

from eidlib.cli.card_commands import KEYS, add_key_option, json_option, refuse_two_uses_of_stdin
from eidlib.cli.errors import KEY_LABELS, UsageError
from eidlib.cli.files import prepared_output, read_input
from eidlib.cli.i18n import _
from eidlib.cli.output import emit, wants_json
from eidlib.cli.pin_entry import add_pin_options, obtain_pin, tries_text
from eidlib.cli.source import add_wait_option, c_stderr_captured
from eidlib.errors import EidError

_HASHES = ("sha256", "sha384", "sha512", "sha1", "sha3_256", "sha3_384", "sha3_512")
_SLOTS = ("authentication", "signature", "ca", "root", "rrn")


def register(subparsers: Any) -> None:
    info = subparsers.add_parser("pkcs11-info", help="show the PKCS#11 module's token, PIN and objects")
    info.add_argument("--label", default="BELPIC", help="token label to open (default: BELPIC)")
    info.add_argument("--mechanisms", action="store_true", help="list every mechanism (JSON always has them)")
    json_option(info)
    info.set_defaults(func=run_info)

    sign = subparsers.add_parser("sign-cms", help="sign a file: detached CMS (PKCS#7) signature")
    sign.add_argument("file", help="the file to sign ('-': stdin)")
    sign.add_argument("-o", "--output", help="where to write the signature (default: FILE.p7s; stdout for stdin)")
    add_key_option(sign)
    sign.add_argument("--hash", choices=_HASHES, default="sha256")
    sign.add_argument("--no-chain", action="store_true", help="embed only the signer certificate")
    sign.add_argument("--pss", action="store_true", help="RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys)")
    sign.add_argument("--tsa", metavar="URL", help="add a signature time stamp from this TSA (CAdES-T)")
    add_pin_options(sign)
    json_option(sign)
    add_wait_option(sign, default=argparse.SUPPRESS)
    sign.set_defaults(func=run_sign)


def run_sign(args: argparse.Namespace) -> int:
    """``eid sign-cms FILE``: input read and output prepared before the card signs."""
    from eidlib.cli.source import open_source
    from eidlib.signing import sign_file_cms

    output_path: str = args.output or ("-" if args.file == "-" else args.file + ".p7s")
    if output_path == "-" and wants_json(args):
        raise UsageError("the signature and the JSON cannot both go to stdout: give -o FILE")
    refuse_two_uses_of_stdin(args)
    data = read_input(args.file)
    key = KEYS[args.key]
    with prepared_output(output_path) as output:
        with open_source(args) as token:
            pin = obtain_pin(args, token, key)
            signature = sign_file_cms(
                token, data, key=key, pin=pin, hash=args.hash, include_chain=not args.no_chain,
                padding="pss" if args.pss else "pkcs1v15",
            )
        if args.tsa:
            from eidlib.signing.cades import add_signature_timestamp

            signature = add_signature_timestamp(signature, args.tsa)
        output.commit(signature)
    if output.is_stdout:
        return 0
    emit(args, {"file": args.file, "output": output_path, "key": key, "hash": args.hash, "size": len(signature)},
         lambda: print(_("Signature written to {path} ({size} bytes, {key} key, {hash}).").format(
             path=output_path, size=len(signature), key=_(KEY_LABELS[key]), hash=args.hash)))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from eidlib.pkcs11 import open_token
    from eidlib.pkcs11.mechanisms import mechanism_name

    with c_stderr_captured():
        token = open_token(getattr(args, "pkcs11", None) or None, token_label=args.label)
    with token:
        info = token.info
        unavailable: str | None = None
        present: dict[str, bool] = {}
        try:
            certificates = token.read_certificates()
            present = {name: getattr(certificates, name) is not None for name in _SLOTS}
        except EidError as exc:  # e.g. OpenSC hides an applet 1.7 card's certificates until login
            unavailable = str(exc)
        report: dict[str, Any] = {
            "module": token.module_path,
            "slot": token.slot,
            "label": info.label,
            "manufacturer": info.manufacturer,
            "model": info.model,
            "serial": info.serial,
            "pin_length": {"min": token.pin_rule.min_length, "max": token.pin_rule.max_length},
            "protected_authentication_path": info.protected_authentication_path,
            "pin_tries_left": token.pin_tries_left(),
            "mechanisms": sorted(mechanism_name(m) for m in token.mechanisms),
            "certificates": present,
        }
        if unavailable is not None:
            report["certificates_unavailable"] = unavailable

    def human() -> None:
        pin = report["pin_length"]
        entry = _("on the reader") if report["protected_authentication_path"] else _("at the prompt")
        held = [name for name, there in present.items() if there]
        missing = [name for name, there in present.items() if not there]
        rows = [
            (_("Module"), report["module"]),
            (_("Token"), f"{report['label']} ({report['manufacturer']} {report['model']}), "
                         + _("serial {serial}, slot {slot}").format(serial=report["serial"], slot=report["slot"])),
            (_("PIN"), _("{min} to {max} digits, entered {entry}; {tries}").format(
                min=pin["min"], max=pin["max"], entry=entry, tries=tries_text(report["pin_tries_left"]))),
            (_("Certificates"), unavailable if unavailable is not None else
             ", ".join(held) + (" " + _("(absent: {slots})").format(slots=", ".join(missing)) if missing else "")),
            (_("Mechanisms"), _("{n} (--mechanisms lists them)").format(n=len(report["mechanisms"]))
             if not args.mechanisms else len(report["mechanisms"])),
        ]
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            print(f"{label:<{width}} : {value}")
        if args.mechanisms:
            for name in report["mechanisms"]:
                print(f"  {name}")

    emit(args, report, human)
    return 0
