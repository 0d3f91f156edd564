"""``verify_cms`` (detached CMS / CAdES) and ``verify_file`` (a PDF or a CMS signature, by content).

Like :func:`eidlib.signing.pdf.verify_pdf`, offline and typed: trust against the given anchors,
nothing fetched, one :class:`~eidlib.signing.report.SignatureReport` per SignerInfo.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from eidlib.carddata.certificate import load_der_certificate
from eidlib.signing.pdf.errors import VerificationInputError
from eidlib.signing.pdf.verify import verify_pdf
from eidlib.signing.report import (
    Coverage,
    DocumentKind,
    Modifications,
    SignatureReport,
    TimestampReport,
    VerificationReport,
)

_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


def _signed_data(signature: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            raise VerificationInputError("the CMS structure is not SignedData")
        len(info["content"]["signer_infos"])  # parse down to the signer infos now
    except (ValueError, TypeError, KeyError) as exc:
        raise VerificationInputError(f"not a CMS signature: {exc}") from exc
    return info["content"]


def verify_cms(signature: bytes, content: bytes, *, trust_roots: Sequence[bytes]) -> VerificationReport:
    """Verify the detached CMS ``signature`` (DER) over ``content`` against ``trust_roots`` (DER)."""
    signed_data = _signed_data(signature)
    anchors = [asn1_x509.Certificate.load(root) for root in trust_roots]
    try:
        others = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"] \
            if signed_data["certificates"] else []
        for certificate in others:
            # strict DER: a damaged embedded certificate makes the file damaged (pyHanko would skip it)
            load_der_certificate(certificate.dump(), what="a certificate embedded in the signature")
        context = ValidationContext(trust_roots=anchors, other_certs=others, allow_fetching=False,
                                    revocation_mode="soft-fail")
        status = asyncio.run(async_validate_detached_cms(
            content, signed_data, signer_validation_context=context, ts_validation_context=context,
            key_usage_settings=_KEY_USAGE,
        ))
    except (SignatureValidationError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise VerificationInputError(f"the CMS signature cannot be validated: {exc}") from exc
    intact = bool(status.intact and status.valid)
    stamp_status = status.timestamp_validity
    stamp = None
    if stamp_status is not None:
        stamp = TimestampReport(
            time=stamp_status.timestamp, intact=bool(stamp_status.intact and stamp_status.valid),
            trusted=bool(stamp_status.trusted), tsa=stamp_status.signing_cert.subject.human_friendly,
        )
    problems: list[str] = []
    if not intact:
        problems.append("the content or the signature do not match (altered after signing)")
    if not status.trusted:
        problems.append("the signer's certificate does not chain to a trusted root")
    if stamp is not None and not (stamp.intact and stamp.trusted):
        problems.append("the signature time stamp is not intact or its TSA is not trusted")
    key_usage = status.signing_cert.key_usage_value
    level = None
    if intact:
        level = "B-T" if stamp is not None and stamp.intact else "B-B"
    report = SignatureReport(
        field_name=None, signer=status.signing_cert.subject.human_friendly, intact=intact,
        coverage=Coverage.DETACHED_CONTENT, modifications=Modifications.NONE, trusted=bool(status.trusted),
        trust_root=status.validation_path[0].subject.human_friendly if status.validation_path else None,
        signing_time=status.signer_reported_dt, timestamp=stamp, revocation_data_embedded=False,
        ltv_enabled=False, non_repudiation=key_usage is not None and "non_repudiation" in key_usage.native,
        level=level, problems=tuple(problems),
    )
    return VerificationReport(DocumentKind.CMS, (report,))


def verify_file(data: bytes, *, content: bytes | None = None, trust_roots: Sequence[bytes]) -> VerificationReport:
    """A PDF (``%PDF-`` header) or a detached CMS signature (then ``content`` is the signed file)."""
    if data.lstrip()[:5] == b"%PDF-":
        return verify_pdf(data, trust_roots=trust_roots)
    if content is None:
        raise VerificationInputError("a CMS signature is verified with the signed file (--content FILE)")
    return verify_cms(data, content, trust_roots=trust_roots)
