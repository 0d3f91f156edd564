"""Certificate verdicts for a card's certificate set: parsed fields, chain verdict, optional OCSP status.

What ``eid certs`` prints, as typed results any front end (CLI, portal, viewer, PDF verifier) can
render: :func:`certificate_verdicts` returns one :class:`CertificateVerdict` per certificate on the
card, in slot order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from eidlib.x509.certificate import CardCertificate, parse_certificate
from eidlib.x509.chain import validate_chain
from eidlib.x509.errors import CertificateError, RevocationError
from eidlib.x509.purpose import Purpose
from eidlib.x509.revocation import RevocationChecker
from eidlib.x509.truststore import TrustStore

#: Card slot -> purpose its chain is validated for.
SLOTS: tuple[tuple[str, Purpose], ...] = (
    ("authentication", "authentication"),
    ("signature", "signature"),
    ("ca", "ca"),
    ("root", "ca"),
    ("rrn", "rrn"),
)
#: The slots whose status is asked by OCSP when a revocation checker is given.
OCSP_SLOTS: frozenset[str] = frozenset({"authentication", "signature"})


class CertificateSet(Protocol):
    """The card's certificate files (DER or ``None``), e.g. :class:`eidlib.token.CardCertificates`."""

    @property
    def authentication(self) -> bytes | None: ...
    @property
    def signature(self) -> bytes | None: ...
    @property
    def ca(self) -> bytes | None: ...
    @property
    def root(self) -> bytes | None: ...
    @property
    def rrn(self) -> bytes | None: ...


@dataclass(frozen=True)
class CertificateVerdict:
    """One slot's verdict. ``valid`` is the chain verdict and, when asked, OCSP said GOOD.

    ``certificate`` is ``None`` when the slot's bytes do not parse (``error`` says why). ``chain``
    is the validated path (leaf first). ``error`` is ``"ExceptionName: message"`` for a chain that
    does not validate. ``ocsp`` is ``"good"`` or the failure, ``None`` when OCSP was not asked.
    """

    slot: str
    valid: bool
    certificate: CardCertificate | None = None
    chain: tuple[CardCertificate, ...] = ()
    error: str | None = None
    ocsp: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (the ``eid certs --json`` row)."""
        row: dict[str, Any] = {"slot": self.slot}
        cert = self.certificate
        if cert is not None:
            row.update(
                role=cert.role.value,
                subject=cert.subject,
                issuer=cert.issuer,
                common_name=cert.common_name,
                given_names=cert.given_names,
                surname=cert.surname,
                national_number=cert.national_number,
                serial_number=f"{cert.serial_number:x}",
                not_before=cert.not_before.isoformat(),
                not_after=cert.not_after.isoformat(),
                key=f"{cert.key_type.upper()} {cert.curve or cert.key_size}",
                policies=[p.description for p in cert.policies] or list(cert.policy_oids),
                qualified=cert.is_qualified,
                sha256=cert.sha256_fingerprint,
            )
        row["valid"] = self.valid
        if self.chain:
            row["chain"] = [c.common_name or c.subject for c in self.chain]
        if self.error is not None:
            row["error"] = self.error
        if self.ocsp is not None:
            row["ocsp"] = self.ocsp
        return row


def certificate_verdicts(
    certificates: CertificateSet,
    *,
    trust: TrustStore,
    at: dt.datetime,
    revocation: RevocationChecker | None = None,
) -> list[CertificateVerdict]:
    """A verdict per certificate present: parse, chain to ``trust`` at ``at`` (the card's CA as the
    untrusted intermediate) and, with ``revocation``, the OCSP status of the two user certificates."""
    parsed: dict[str, CardCertificate] = {}
    unreadable: dict[str, str] = {}
    for slot, _ in SLOTS:
        data = getattr(certificates, slot)
        if data is None:
            continue
        try:
            parsed[slot] = parse_certificate(data)
        except CertificateError as exc:
            unreadable[slot] = str(exc)
    intermediates = [parsed["ca"]] if "ca" in parsed else []
    verdicts: list[CertificateVerdict] = []
    for slot, purpose in SLOTS:
        if slot in unreadable:
            verdicts.append(CertificateVerdict(slot, False, error=f"unreadable certificate: {unreadable[slot]}"))
            continue
        cert = parsed.get(slot)
        if cert is None:
            continue
        try:
            chain = validate_chain(cert, intermediates, trust=trust, now=at, purpose=purpose)
        except CertificateError as exc:
            verdicts.append(CertificateVerdict(slot, False, cert, error=f"{type(exc).__name__}: {exc}"))
            continue
        status = None
        if revocation is not None and slot in OCSP_SLOTS:
            status = _ocsp_status(revocation, chain.leaf, chain.issuer, at)
        verdicts.append(CertificateVerdict(slot, status in (None, "good"), cert, chain.chain, ocsp=status))
    return verdicts


def _ocsp_status(checker: RevocationChecker, leaf: CardCertificate, issuer: CardCertificate, at: dt.datetime) -> str:
    try:
        checker.check_leaf(leaf, issuer, now=at)
    except RevocationError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "good"
