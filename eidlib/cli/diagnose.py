"""``eid diagnose``: from pcscd to the PIN counter, one verdict per finding and what to do about it.

Each finding has a stable ``code`` (for programs), a ``severity`` (``ok``, ``warning``,
``problem``), a message and a hint in the user's language. The codes:

``pcscd_unavailable``, ``no_reader``, ``no_card``, ``reader_busy``, ``not_beid``,
``not_activated``, ``pin_blocked``, ``pin_last_try``, ``card_expired``, ``no_signature_key``,
``certificate_revoked``, ``certificate_invalid``, ``card_error`` and ``ok``.

The exit status is 0 when nothing is a problem (warnings included), else the status of the
first problem's class (4 reader/card presence, 5 PIN, 6 card state, 3 certificates).
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from typing import Any

from eidlib.cli.errors import describe as describe_error
from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.i18n import N_, _
from eidlib.cli.output import emit
from eidlib.cli.pin_entry import tries_text
from eidlib.errors import EidError


@dataclass(frozen=True)
class Verdict:
    """What a finding code means: severity, message, hint and the exit status of a problem."""

    severity: str
    message: str
    hint: str | None
    exit_code: ExitCode = ExitCode.OK


VERDICTS: dict[str, Verdict] = {
    "pcscd_unavailable": Verdict("problem", N_("The smart-card service (pcscd) is not running."),
                                 N_("Start it: sudo systemctl start pcscd (Debian package pcscd)."), ExitCode.NO_CARD),
    "no_reader": Verdict("problem", N_("No card reader is connected."),
                         N_("Connect a card reader (check the cable; some need a driver, e.g. libccid)."),
                         ExitCode.NO_CARD),
    "no_card": Verdict("problem", N_("The reader is empty."), N_("Insert your eID card, chip first."),
                       ExitCode.NO_CARD),
    "reader_busy": Verdict("problem", N_("Another application is using the card exclusively."),
                           N_("Close the other eID application (eID viewer, browser) and try again."),
                           ExitCode.NO_CARD),
    "not_beid": Verdict("problem", N_("The card in the reader is not a Belgian eID card."),
                        N_("Insert a Belgian eID card."), ExitCode.CARD),
    "not_activated": Verdict("problem", N_("The card is not activated yet."),
                             N_("Activate it at your municipality with the PIN and PUK letter."), ExitCode.CARD),
    "pin_blocked": Verdict("problem", N_("The PIN is blocked."),
                           N_("Only your municipality can unblock it (with the PUK letter)."), ExitCode.PIN),
    "pin_last_try": Verdict("warning", N_("Only one PIN try is left: a wrong PIN blocks the card."),
                            N_("Enter the PIN with care; if unsure, ask your municipality for a new PIN letter.")),
    "card_expired": Verdict("problem", N_("The card has expired."),
                            N_("Ask your municipality for a new card."), ExitCode.CARD),
    "no_signature_key": Verdict("warning", N_("The card has no signature key (a card for children under 12)."),
                                N_("Logging in works; signing documents needs an adult's card.")),
    "certificate_revoked": Verdict("problem", N_("A certificate of the card is revoked."),
                                   N_("The card cannot be used for that purpose any more: ask your municipality."),
                                   ExitCode.INVALID),
    "certificate_invalid": Verdict("problem", N_("A certificate of the card does not validate."),
                                   N_("Run 'eid certs' for the details."), ExitCode.INVALID),
    "card_error": Verdict("problem", N_("The card cannot be read."),
                          N_("Take the card out, put it back and try again."), ExitCode.CARD),
    "ok": Verdict("ok", N_("The card works: reader, card and PIN are in order."), None),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("diagnose", help="check pcscd, readers, PIN pads and the card")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    parser.add_argument("--ocsp", action="store_true",
                        help="also validate the certificates and ask the OCSP responder whether they are revoked")
    parser.add_argument("--ocsp-url", metavar="URL", help="with --ocsp: the responder to ask instead")
    parser.add_argument("--allow-host", metavar="HOST", action="append", default=[],
                        help="with --ocsp: allow this OCSP host besides the Belgian ones (repeatable)")
    parser.add_argument("--trust", metavar="FILE_OR_DIR", help="with --ocsp: trust anchors (default: Belgian roots)")
    parser.set_defaults(func=run)


def _finding(code: str, reader: str | None = None, detail: str | None = None) -> dict[str, Any]:
    verdict = VERDICTS[code]
    return {"code": code, "severity": verdict.severity, "reader": reader, "message": _(verdict.message),
            "hint": _(verdict.hint) if verdict.hint else None, "detail": detail}


#: Library error class name -> finding code, for errors met while opening or reading a card.
_ERROR_CODES = {
    "PcscUnavailableError": "pcscd_unavailable",
    "NoReaderError": "no_reader",
    "NoCardError": "no_card",
    "CardRemovedError": "no_card",
    "ReaderBusyError": "reader_busy",
    "NotABeidCard": "not_beid",
    "CardNotActivated": "not_activated",
    "PinBlocked": "pin_blocked",
}


def _error_finding(exc: EidError, reader: str | None) -> dict[str, Any]:
    for cls in type(exc).__mro__:
        code = _ERROR_CODES.get(cls.__name__)
        if code is not None:
            return _finding(code, reader, str(exc) or None)
    return _finding("card_error", reader, str(exc) or None)


def _check_card(args: argparse.Namespace, card: Any, reader: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The card's state and the findings about it."""
    from eidlib.belpic.atr import atr_generation

    findings: list[dict[str, Any]] = []
    data = card.card_data()
    tries = data.pin_tries_left if data.pin_tries_left is not None else card.pin_tries_left()
    pad = card.pinpad()
    entry: dict[str, Any] = {
        "reader": reader,
        "atr": card.atr.hex().upper(),
        "atr_recognised": atr_generation(card.atr),
        "applet_version": data.applet_version_text,
        "activated": data.activated,
        "pin_tries_left": tries,
        "pinpad": {"verify": pad.can_verify, "modify": pad.can_modify} if pad else None,
        "validity_end_date": None,
        "signature_key": None,
    }
    if not data.activated:  # its files cannot be read yet: nothing more to learn
        return entry, [_finding("not_activated", reader)]
    identity = card.read_identity()
    certificates = card.read_certificates()
    entry.update(validity_end_date=identity.validity_end_date.isoformat(),
                 signature_key=certificates.signature is not None)
    if tries == 0:
        findings.append(_finding("pin_blocked", reader))
    elif tries == 1:
        findings.append(_finding("pin_last_try", reader))
    if identity.validity_end_date < dt.date.today():
        findings.append(_finding("card_expired", reader, identity.validity_end_date.isoformat()))
    if certificates.signature is None:
        findings.append(_finding("no_signature_key", reader))
    if getattr(args, "ocsp", False):
        findings.extend(_revocation_findings(args, certificates, reader))
    return entry, findings


def _revocation_findings(args: argparse.Namespace, certificates: Any, reader: str | None) -> list[dict[str, Any]]:
    """Chain and OCSP verdicts of the two user certificates (``eidlib.x509.verdict``)."""
    from eidlib.x509.fetch import BELGIAN_OCSP_HOSTS
    from eidlib.x509.revocation import RevocationChecker
    from eidlib.x509.truststore import TrustStore
    from eidlib.x509.verdict import OCSP_SLOTS, certificate_verdicts

    if args.trust:
        trust = TrustStore.from_path(args.trust)
    elif getattr(args, "virtual", None):  # the virtual card's test root, never trusted for a real card
        from eidlib.cli.virtual_cards import pki_profile
        from eidlib.emulator.pki import TestPki

        trust = TrustStore([TestPki.load(profile=pki_profile(args.virtual)).root.cert_der()])
    else:
        trust = TrustStore.belgium()
    checker = RevocationChecker(ocsp_url=args.ocsp_url, ocsp_hosts=BELGIAN_OCSP_HOSTS | set(args.allow_host))
    verdicts = certificate_verdicts(certificates, trust=trust, at=dt.datetime.now(dt.timezone.utc),
                                    revocation=checker)
    findings = []
    for verdict in verdicts:
        if verdict.slot not in OCSP_SLOTS or verdict.valid:
            continue
        detail = f"{verdict.slot}: {verdict.ocsp or verdict.error}"
        revoked = (verdict.ocsp or "").startswith("CertificateRevoked")
        findings.append(_finding("certificate_revoked" if revoked else "certificate_invalid", reader, detail))
    return findings


def _reader_entries(report: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    """pcscd and the readers; returns the readers holding a card."""
    from eidlib.apdu.pcsc import all_reader_status

    try:
        statuses = all_reader_status()
    except EidError as exc:
        report["pcscd"] = {"reachable": False}
        findings.append(_error_finding(exc, None))
        return []
    report["pcscd"] = {"reachable": True}
    report["readers"] = [
        {"name": s.name, "card_present": s.card_present, "atr": s.atr.hex().upper() if s.atr else None,
         "mute": s.mute, "exclusive": s.exclusive}
        for s in statuses
    ]
    if not statuses:
        findings.append(_finding("no_reader"))
    elif not any(s.card_present for s in statuses):
        findings.extend(_finding("no_card", s.name) for s in statuses)
    return [s.name for s in statuses if s.card_present]


def run(args: argparse.Namespace) -> int:
    """``eid diagnose``."""
    from eidlib.cli.source import open_source

    report: dict[str, Any] = {"pcscd": None, "readers": [], "cards": []}
    findings: list[dict[str, Any]] = []
    if args.virtual is not None or args.pkcs11 is not None:
        targets: list[str | None] = [None]
    else:
        with_card = _reader_entries(report, findings)
        targets = [args.reader] if args.reader and report["pcscd"]["reachable"] else list(with_card)
    for reader in targets:
        try:
            ns = argparse.Namespace(**{**vars(args), "reader": reader}) if reader else args
            with open_source(ns) as card:
                if not hasattr(card, "card_data"):  # a PKCS#11 token: the PIN counter is what it tells
                    tries = card.pin_tries_left()
                    entry: dict[str, Any] = {"reader": None, "pin_tries_left": tries}
                    more = [_finding("pin_blocked")] if tries == 0 else [_finding("pin_last_try")] if tries == 1 else []
                else:
                    entry, more = _check_card(args, card, reader)
            report["cards"].append(entry)
            findings.extend(more)
        except EidError as exc:
            report["cards"].append({"reader": reader, "error": describe_error(exc).to_dict()})
            findings.append(_error_finding(exc, reader))
    if not any(f["severity"] == "problem" for f in findings) and report["cards"]:
        findings.append(_finding("ok"))
    problems = [f for f in findings if f["severity"] == "problem"]
    warnings = any(f["severity"] == "warning" for f in findings)
    report["verdict"] = "problem" if problems else "warning" if warnings else "ok"
    report["findings"] = findings

    def human() -> None:
        if report["pcscd"] is not None:
            running = _("running") if report["pcscd"]["reachable"] else _("NOT running")
            print(_("pcscd: {state}").format(state=running))
        for reader in report["readers"]:
            state = _("card, ATR {atr}").format(atr=reader["atr"]) if reader["card_present"] else _("no card")
            print(_("reader {name}: {state}").format(name=reader["name"], state=state))
        for card in report["cards"]:
            if "applet_version" in card:
                print(_("card: applet {version}, {activated}, PIN: {tries}").format(
                    version=card["applet_version"],
                    activated=_("activated") if card["activated"] else _("NOT activated"),
                    tries=tries_text(card["pin_tries_left"])))
        for finding in findings:
            mark = {"ok": "OK", "warning": _("WARNING"), "problem": _("PROBLEM")}[finding["severity"]]
            where = f" [{finding['reader']}]" if finding["reader"] else ""
            print(f"{mark}{where}: {finding['message']}")
            if finding["hint"]:
                print(f"    -> {finding['hint']}")

    emit(args, report, human)
    return VERDICTS[problems[0]["code"]].exit_code if problems else 0
