"""``eid certs``: the card's certificates with role, holder, validity and chain verdict.

Chains are validated against the Belgian roots (or ``--trust FILE_OR_DIR``), with the card's own
CA certificate as an untrusted intermediate. ``--ocsp`` also asks the OCSP responder about the
authentication and signature certificates. ``--out DIR`` also writes the DER files. The exit
status is 1 when a certificate does not validate (or its OCSP check fails).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from eidlib.errors import EidError
from eidlib.token.protocol import CardCertificates, Token
from eidlib.x509.certificate import CardCertificate, parse_certificate
from eidlib.x509.chain import Purpose, validate_chain
from eidlib.x509.errors import CertificateError, RevocationError
from eidlib.x509.fetch import BELGIAN_OCSP_HOSTS
from eidlib.x509.ocsp import check_ocsp
from eidlib.x509.truststore import TrustStore

#: Card slot -> purpose its chain is validated for.
SLOTS: tuple[tuple[str, Purpose], ...] = (
    ("authentication", "authentication"),
    ("signature", "signature"),
    ("ca", "ca"),
    ("root", "ca"),
    ("rrn", "rrn"),
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("certs", help="show the card's certificates and their chain verdict")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    parser.add_argument("--trust", metavar="FILE_OR_DIR",
                        help="trust anchors (PEM/DER file or directory) instead of the Belgian roots")
    parser.add_argument("--out", metavar="DIR", help="also write each certificate as DIR/<slot>.der")
    parser.add_argument("--at", metavar="ISO_TIME", type=_parse_time,
                        help="validate at this time (default: now), e.g. 2024-12-24 or 2024-12-24T10:00:00Z")
    parser.add_argument("--ocsp", action="store_true",
                        help="also ask the OCSP responder about the authentication and signature certificates")
    parser.add_argument("--ocsp-url", metavar="URL", help="OCSP responder to ask instead of the certificate's")
    parser.add_argument("--allow-host", metavar="HOST", action="append", default=[],
                        help="allow this OCSP host besides the Belgian ones (repeatable)")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class OcspOptions:
    """How ``describe`` asks OCSP responders (only the leaf slots are asked)."""

    url: str | None = None
    hosts: frozenset[str] = BELGIAN_OCSP_HOSTS
    timeout: float = 5.0


def _parse_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _open_source(args: argparse.Namespace) -> AbstractContextManager[Token]:
    from eidlib.cli.source import open_source

    return open_source(args)


def describe(
    certs: CardCertificates, trust: TrustStore, at: dt.datetime, ocsp: OcspOptions | None = None
) -> list[dict[str, Any]]:
    """One entry per certificate on the card: fields, chain verdict and, with ``ocsp``, OCSP status."""
    parsed: dict[str, CardCertificate] = {}
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for slot, _ in SLOTS:
        data = getattr(certs, slot)
        if data is None:
            continue
        try:
            parsed[slot] = parse_certificate(data)
        except CertificateError as exc:
            errors[slot] = str(exc)
    intermediates = [parsed["ca"]] if "ca" in parsed else []
    for slot, purpose in SLOTS:
        if slot in errors:
            rows.append({"slot": slot, "valid": False, "error": f"unreadable certificate: {errors[slot]}"})
            continue
        cert = parsed.get(slot)
        if cert is None:
            continue
        row = _fields(slot, cert)
        try:
            chain = validate_chain(cert, intermediates, trust=trust, now=at, purpose=purpose)
        except CertificateError as exc:
            row.update(valid=False, error=f"{type(exc).__name__}: {exc}")
        else:
            row.update(valid=True, chain=[c.common_name or c.subject for c in chain.chain])
            if ocsp is not None and slot in _OCSP_SLOTS:
                row["ocsp"] = _ocsp_status(chain.leaf, chain.issuer, at, ocsp)
                row["valid"] = row["ocsp"] == "good"
        rows.append(row)
    return rows


_OCSP_SLOTS = frozenset({"authentication", "signature"})


def _ocsp_status(leaf: CardCertificate, issuer: CardCertificate, at: dt.datetime, ocsp: OcspOptions) -> str:
    try:
        check_ocsp(leaf, issuer, now=at, responder_url=ocsp.url, allowed_hosts=ocsp.hosts, timeout=ocsp.timeout)
    except RevocationError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "good"


def _fields(slot: str, cert: CardCertificate) -> dict[str, Any]:
    return {
        "slot": slot,
        "role": cert.role.value,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "common_name": cert.common_name,
        "given_names": cert.given_names,
        "surname": cert.surname,
        "national_number": cert.national_number,
        "serial_number": f"{cert.serial_number:x}",
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "key": f"{cert.key_type.upper()} {cert.curve or cert.key_size}",
        "policies": [p.description for p in cert.policies] or list(cert.policy_oids),
        "qualified": cert.is_qualified,
        "sha256": cert.sha256_fingerprint,
    }


def _text(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield f"[{row['slot']}]"
        if "subject" in row:
            holder = row["common_name"] or row["subject"]
            if row["national_number"]:
                holder += f" (national number {row['national_number']})"
            yield f"  role:      {row['role']}"
            yield f"  holder:    {holder}"
            yield f"  issuer:    {row['issuer']}"
            yield f"  validity:  {row['not_before']} .. {row['not_after']}"
            yield f"  key:       {row['key']}"
            if row["policies"]:
                yield f"  policies:  {', '.join(row['policies'])}"
        if "chain" in row:
            yield f"  chain:     valid ({' -> '.join(row['chain'])})"
        else:
            yield f"  chain:     NOT VALID: {row['error']}"
        if "ocsp" in row:
            yield f"  ocsp:      {row['ocsp']}"


def _write(out_dir: str, certs: CardCertificates) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written: list[str] = []
    for slot, _ in SLOTS:
        data = getattr(certs, slot)
        if data is None:
            continue
        path = os.path.join(out_dir, f"{slot}.der")
        with open(path, "wb") as handle:
            handle.write(data)
        written.append(path)
    return written


def _trust_store(args: argparse.Namespace) -> TrustStore:
    """``--trust``, else the virtual card's own test root for ``--virtual``, else the Belgian roots.

    The test root is only ever trusted for the built-in virtual card, never for a real card.
    """
    if args.trust:
        return TrustStore.from_path(args.trust)
    if getattr(args, "virtual", None):
        from eidlib.emulator.pki import TestPki

        return TrustStore([TestPki.load(profile=args.virtual).root.cert_der()])
    return TrustStore.belgium()


def run(args: argparse.Namespace) -> int:
    try:
        trust = _trust_store(args)
    except CertificateError as exc:
        raise EidError(f"cannot load trust anchors: {exc}") from exc
    at = args.at or dt.datetime.now(dt.timezone.utc)
    ocsp = OcspOptions(args.ocsp_url, BELGIAN_OCSP_HOSTS | set(args.allow_host)) if args.ocsp else None
    with _open_source(args) as token:
        certs = token.read_certificates()
    rows = describe(certs, trust, at, ocsp)
    written = _write(args.out, certs) if args.out else []
    if getattr(args, "json", False):
        print(json.dumps({"validated_at": at.isoformat(), "certificates": rows, "written": written}, indent=2))
    else:
        for line in _text(rows):
            print(line)
        for path in written:
            print(f"wrote {path}")
    return 0 if rows and all(row["valid"] for row in rows) else 1
