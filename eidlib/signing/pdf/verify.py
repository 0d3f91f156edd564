"""``verify_pdf``: every signature of a PDF, judged with pyHanko's validator, as a typed report.

Nothing is fetched: trust is decided against the given anchors, revocation from what the file
embeds. A signature is "LTV-enabled" when it validates in hard-fail mode with only the document's
security store (DSS) and embedded answers, and carries a trusted signature time stamp.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import Sequence

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError, ValidationInfoReadingError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from eidlib.signing.pdf.errors import VerificationInputError
from eidlib.signing.report import (
    Coverage,
    DocumentKind,
    Modifications,
    SignatureReport,
    TimestampReport,
    VerificationReport,
)

_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: Coverage.ENTIRE_FILE,
    SignatureCoverageLevel.ENTIRE_REVISION: Coverage.ENTIRE_REVISION,
}
_MODIFICATIONS = {
    ModificationLevel.NONE: Modifications.NONE,
    ModificationLevel.LTA_UPDATES: Modifications.LTV_UPDATES,
    ModificationLevel.FORM_FILLING: Modifications.FORM_FILLING,
    ModificationLevel.ANNOTATIONS: Modifications.ANNOTATIONS,
}
#: A signing certificate needs nonRepudiation or digitalSignature; which one is reported.
_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
#: What pyHanko and asn1crypto raise on damaged structures (UnicodeDecodeError is a ValueError).
_DAMAGE = (SignatureValidationError, ValidationInfoReadingError, PdfError, ValueError, KeyError, TypeError,
           IndexError, AttributeError)
# pyHanko warns about every untrusted or unrevocable path it sees; the report says it instead.
_QUIET = ("pyhanko", "pyhanko_certvalidator")


def _reader(data: bytes) -> PdfFileReader:
    if not data.lstrip()[:5] == b"%PDF-":
        raise VerificationInputError("not a PDF (no %PDF- header)")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - resolve the catalog now, so damage shows here
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise VerificationInputError(f"the PDF cannot be read: {exc}") from exc
    return reader


def _context(anchors: Sequence[asn1_x509.Certificate], others: Sequence[asn1_x509.Certificate]) -> ValidationContext:
    return ValidationContext(trust_roots=list(anchors), other_certs=list(others), allow_fetching=False,
                             revocation_mode="soft-fail")


def _ltv_context(
    reader: PdfFileReader, anchors: Sequence[asn1_x509.Certificate], moment: dt.datetime
) -> ValidationContext | None:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (ValidationInfoReadingError, PdfError, KeyError, ValueError, TypeError):
        return None
    return dss.as_validation_context(
        {"trust_roots": list(anchors), "allow_fetching": False, "revocation_mode": "hard-fail", "moment": moment}
    )


def _timestamp(status: TimestampSignatureStatus | None) -> TimestampReport | None:
    if status is None:
        return None
    return TimestampReport(time=status.timestamp, intact=bool(status.intact and status.valid),
                           trusted=bool(status.trusted), tsa=status.signing_cert.subject.human_friendly)


def _dss_has_revocation(reader: PdfFileReader) -> bool:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (PdfError, KeyError, ValueError, TypeError, ValidationInfoReadingError):
        return False
    return bool(list(dss.ocsps) or list(dss.crls))


async def _validate_signature(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, anchors: Sequence[asn1_x509.Certificate],
    has_doc_timestamp: bool,
) -> SignatureReport:
    problems: list[str] = []
    context = _context(anchors, sig.other_embedded_certs)
    try:
        status: PdfSignatureStatus = await async_validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context, key_usage_settings=_KEY_USAGE
        )
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        return _broken(sig, f"the signature cannot be validated: {exc}")
    coverage = _COVERAGE.get(status.coverage, Coverage.PARTIAL) if status.coverage else Coverage.PARTIAL
    level_found = status.modification_level
    modifications = _MODIFICATIONS.get(level_found, Modifications.OTHER) if level_found else Modifications.OTHER
    intact = bool(status.intact and status.valid)
    if not intact:
        problems.append("the signed bytes or the signature do not match (altered after signing)")
    if intact and not status.trusted:  # a broken signature is not judged for trust
        problems.append("the signer's certificate does not chain to a trusted root")
    if coverage is Coverage.PARTIAL:
        problems.append("the signature does not cover the whole signed revision")
    if modifications not in (Modifications.NONE, Modifications.LTV_UPDATES):
        problems.append(f"the document was changed after signing ({modifications.value})")
    stamp = _timestamp(status.timestamp_validity)
    if stamp is not None and not (stamp.intact and stamp.trusted):
        problems.append("the signature time stamp is not intact or its TSA is not trusted")

    ltv = False
    revocation_embedded = _dss_has_revocation(reader)
    # Long-term validation is judged at the signature time stamp: the embedded answers must have
    # been good then (later, the certificates may expire; the time stamp proves the order).
    ltv_context = _ltv_context(reader, anchors, stamp.time) if stamp is not None else None
    if ltv_context is not None:
        try:
            ltv_status = await async_validate_pdf_signature(
                sig, signer_validation_context=ltv_context, ts_validation_context=ltv_context, skip_diff=True,
                key_usage_settings=_KEY_USAGE,
            )
            ltv = bool(ltv_status.bottom_line and ltv_status.timestamp_validity is not None
                       and ltv_status.timestamp_validity.trusted)
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"validation with the embedded data only failed: {exc}")
    if intact and revocation_embedded and not ltv:
        problems.append("the embedded validation data does not validate the signature on its own")

    key_usage = status.signing_cert.key_usage_value
    non_repudiation = key_usage is not None and "non_repudiation" in key_usage.native
    level = None
    if intact:
        level = "B-B"
        if stamp is not None and stamp.intact:
            level = "B-T"
            if ltv:
                level = "B-LTA" if has_doc_timestamp else "B-LT"
    trust_root = status.validation_path[0].subject.human_friendly if status.validation_path else None
    return SignatureReport(
        field_name=str(sig.field_name), signer=status.signing_cert.subject.human_friendly, intact=intact,
        coverage=coverage, modifications=modifications, trusted=bool(status.trusted), trust_root=trust_root,
        signing_time=status.signer_reported_dt, timestamp=stamp, revocation_data_embedded=revocation_embedded,
        ltv_enabled=ltv, non_repudiation=non_repudiation, level=level, problems=tuple(problems),
    )


def _broken(sig: EmbeddedPdfSignature, problem: str) -> SignatureReport:
    try:
        signer = sig.signer_cert.subject.human_friendly
    except _DAMAGE:
        signer = "(unreadable)"
    try:
        field_name: str | None = str(sig.field_name)
    except _DAMAGE:
        field_name = None
    return SignatureReport(
        field_name=field_name, signer=signer, intact=False, coverage=Coverage.PARTIAL,
        modifications=Modifications.OTHER, trusted=False, trust_root=None, signing_time=None, timestamp=None,
        revocation_data_embedded=False, ltv_enabled=False, non_repudiation=False, level=None, problems=(problem,),
    )


async def _checked_signature(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, anchors: Sequence[asn1_x509.Certificate],
    has_doc_timestamp: bool,
) -> SignatureReport:
    """The report on ``sig``; a signature too damaged to read is a failed report, not an exception."""
    try:
        return await _validate_signature(reader, sig, anchors, has_doc_timestamp)
    except _DAMAGE as exc:
        return _broken(sig, f"the signature is damaged: {exc}")


async def _checked_document_timestamp(
    sig: EmbeddedPdfSignature, anchors: Sequence[asn1_x509.Certificate]
) -> TimestampReport:
    try:
        return await _validate_document_timestamp(sig, anchors)
    except _DAMAGE:
        return TimestampReport(time=_epoch(), intact=False, trusted=False, tsa="")


async def _validate_document_timestamp(
    sig: EmbeddedPdfSignature, anchors: Sequence[asn1_x509.Certificate]
) -> TimestampReport:
    context = _context(anchors, sig.other_embedded_certs)
    try:
        status = await async_validate_pdf_timestamp(sig, validation_context=context)
    except _DAMAGE:
        return TimestampReport(time=_epoch(), intact=False, trusted=False, tsa="")
    intact = bool(status.intact and status.valid)
    return TimestampReport(time=status.timestamp, intact=intact, trusted=bool(status.trusted),
                           tsa=status.signing_cert.subject.human_friendly)


def _epoch() -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


async def _verify(data: bytes, anchors: Sequence[asn1_x509.Certificate]) -> VerificationReport:
    reader = _reader(data)
    try:
        regular = list(reader.embedded_regular_signatures)
        stamps = list(reader.embedded_timestamp_signatures)
    except _DAMAGE as exc:
        raise VerificationInputError(f"the PDF's signatures cannot be read: {exc}") from exc
    reports = [await _checked_signature(reader, sig, anchors, bool(stamps)) for sig in regular]
    doc_stamps = [await _checked_document_timestamp(sig, anchors) for sig in stamps]
    return VerificationReport(DocumentKind.PDF, tuple(reports), tuple(doc_stamps))


def verify_pdf(data: bytes, *, trust_roots: Sequence[bytes]) -> VerificationReport:
    """Verify every signature and document time stamp of ``data`` against ``trust_roots`` (DER).

    Offline: nothing is fetched. Raises :class:`VerificationInputError` when ``data`` is not a
    readable PDF; a PDF without signatures gives a report with no signatures (``valid`` false).
    """
    anchors = [asn1_x509.Certificate.load(root) for root in trust_roots]
    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        return asyncio.run(_verify(data, anchors))
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
