"""Certificate path validation with ``cryptography.x509.verification``.

Belgian authentication certificates have no subjectAltName, so the default client policy
rejects them. The end-entity policy used here is webpki's with the SAN made optional and our own
key-usage callback; webpki's EKU check stays on for authentication (spec auth-protocol.md §4).
For signatures the EKU check is replaced so clientAuth is not demanded, and nonRepudiation is
required instead.

The purpose and date rules themselves live in :mod:`eidlib.x509.purpose`. Validity dates of the
leaf are checked before path building so the error is precise; a date problem found during path
building is traced back to the offending intermediate or anchor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification as xv

from eidlib.x509.certificate import CardCertificate, CertificateInput, as_utc, parse_certificate
from eidlib.x509.errors import CertificateNotTrusted, ChainError, WrongCertificatePurpose
from eidlib.x509.purpose import PURPOSES, Purpose, check_purpose, check_validity, purpose_problem
from eidlib.x509.truststore import TrustStore

#: Longest chain accepted (leaf, Citizen CA, root, plus slack for a cross-certificate).
DEFAULT_MAX_DEPTH = 4

@dataclass(frozen=True)
class ValidatedChain:
    """A chain that validated: ``chain[0]`` is the leaf, ``chain[-1]`` the trust anchor."""

    chain: tuple[CardCertificate, ...]
    purpose: str
    validated_at: dt.datetime

    @property
    def leaf(self) -> CardCertificate:
        """The validated certificate."""
        return self.chain[0]

    @property
    def issuer(self) -> CardCertificate:
        """The leaf's issuer (the anchor itself when the leaf is directly under it)."""
        return self.chain[1] if len(self.chain) > 1 else self.chain[0]

    @property
    def anchor(self) -> CardCertificate:
        """The trust anchor the chain ends at."""
        return self.chain[-1]


def _ee_policy(purpose: str, problems: list[str], known: dict[bytes, CardCertificate]) -> xv.ExtensionPolicy:
    """The end-entity extension policy for ``purpose``; callback failures are noted in ``problems``."""

    def check_ku(_policy: xv.Policy, cert: x509.Certificate, _ku: x509.KeyUsage) -> None:
        problem = purpose_problem(_lookup(cert, known), purpose)
        if problem is not None:
            problems.append(problem)
            raise ValueError(problem)

    def any_eku(_policy: xv.Policy, _cert: x509.Certificate, _eku: x509.ExtendedKeyUsage | None) -> None:
        return None

    if purpose == "ca":
        return xv.ExtensionPolicy.webpki_defaults_ca()
    policy = (
        xv.ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.SubjectAlternativeName, xv.Criticality.AGNOSTIC, None)
        .require_present(x509.KeyUsage, xv.Criticality.AGNOSTIC, check_ku)
    )
    if purpose != "authentication":
        policy = policy.may_be_present(x509.ExtendedKeyUsage, xv.Criticality.AGNOSTIC, any_eku)
    return policy


def _lookup(cert: x509.Certificate, known: dict[bytes, CardCertificate]) -> CardCertificate:
    """The already parsed form of ``cert`` (parsing again only for a certificate not seen before)."""
    parsed = known.get(cert.public_bytes(serialization.Encoding.DER))
    return parsed if parsed is not None else parse_certificate(cert)


def _date_culprit(
    leaf: CardCertificate, candidates: list[CardCertificate], at: dt.datetime, max_depth: int
) -> ChainError | None:
    """Follow issuer names from ``leaf``; the first certificate whose every issuer is out of date."""
    current = leaf
    for _ in range(max_depth):
        issuers = [
            c for c in candidates if c.certificate.subject == current.certificate.issuer and c.der != current.der
        ]
        if not issuers:
            return None
        valid = [c for c in issuers if c.is_valid_at(at)]
        if not valid:
            worst = issuers[0]
            try:
                check_validity(worst, at)
            except ChainError as exc:
                return exc
            return None
        current = valid[0]
    return None


def validate_chain(
    leaf: CertificateInput,
    intermediates: Iterable[CertificateInput] = (),
    *,
    trust: TrustStore,
    now: dt.datetime | None = None,
    purpose: Purpose = "authentication",
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ValidatedChain:
    """Build and verify a path from ``leaf`` to an anchor of ``trust`` at ``now`` (default: current time).

    ``intermediates`` are untrusted candidates (e.g. the card's CA certificate or a token's list).
    Raises :class:`WrongCertificatePurpose`, :class:`CertificateExpired`,
    :class:`CertificateNotYetValid` or :class:`CertificateNotTrusted` (all :class:`ChainError`),
    or :class:`~eidlib.x509.errors.CertificateError` for unparsable input.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    at = as_utc(now) if now is not None else dt.datetime.now(dt.timezone.utc)
    leaf_cert = parse_certificate(leaf)
    candidates = [parse_certificate(c) for c in intermediates]

    check_purpose(leaf_cert, purpose)
    check_validity(leaf_cert, at)
    if not len(trust):
        raise CertificateNotTrusted("the trust store is empty")

    problems: list[str] = []
    known = {c.der: c for c in (leaf_cert, *candidates, *trust.anchors)}
    verifier = (
        xv.PolicyBuilder()
        .store(xv.Store(trust.x509_certificates()))
        .time(at.replace(tzinfo=None))
        .max_chain_depth(max_depth)
        .extension_policies(
            ca_policy=xv.ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy(purpose, problems, known)
        )
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(leaf_cert.certificate, [c.certificate for c in candidates])
    except xv.VerificationError as exc:
        raise _map_error(str(exc), problems, leaf_cert, candidates + list(trust.anchors), at, max_depth) from None

    chain = tuple(_lookup(c, known) for c in verified.chain)
    # The verifier already checks the anchor's dates; checking again keeps this invariant explicit.
    for cert in chain:
        check_validity(cert, at)
    return ValidatedChain(chain=chain, purpose=purpose, validated_at=at)


def _map_error(
    message: str,
    problems: list[str],
    leaf: CardCertificate,
    candidates: list[CardCertificate],
    at: dt.datetime,
    max_depth: int,
) -> ChainError:
    if problems:
        return WrongCertificatePurpose(problems[0])
    lowered = message.lower()
    if "eku" in lowered or "extended key usage" in lowered:
        return WrongCertificatePurpose(f"extended key usage not allowed: {message}")
    if "not valid at validation time" in lowered:
        culprit = _date_culprit(leaf, candidates, at, max_depth)
        if culprit is not None:
            return culprit
    return CertificateNotTrusted(f"no path to a trust anchor for {leaf.common_name or leaf.subject!r}: {message}")
