"""PAdES baseline signatures (B-B, B-T, B-LT, B-LTA) with an eidlib token, on top of pyHanko.

* B-B: a CAdES-based PDF signature (``ETSI.CAdES.detached``) with the signing certificate bound.
* B-T: plus an RFC 3161 signature time stamp from the configured TSA.
* B-LT: plus the validation data in the document security store (DSS/VRI): the card's chain,
  an OCSP answer for the signer, the CRL covering the CA, and the same for the TSA's chain.
  Every answer is fetched and checked by eidlib first (fail closed: a revoked certificate or a
  missing answer stops the signature before the PIN is asked).
* B-LTA: plus a document time stamp over all of that.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from eidlib.errors import EidError
from eidlib.signing.pdf.adapter import HashName, KeyName, PaddingName, RevocationFetcher, Token
from eidlib.signing.pdf.appearance import VisibleSignature, document_language, signature_text, signer_name
from eidlib.signing.pdf.errors import DocumentSigningError, PdfInputError, TimestampError
from eidlib.signing.pdf.files import check_output_path, read_input, write_atomically
from eidlib.signing.pdf.signer import PinSource, TokenSigner
from eidlib.signing.pdf.tsa import TsaClient

DEFAULT_FIELD_PREFIX = "eID-Signature"


class _DeliberatelyOffline(logging.Filter):
    """pyHanko warns when validation data is embedded without fetching; here eidlib fetched it already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_DeliberatelyOffline())


class Level(str, Enum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def needs_tsa(self) -> bool:
        """B-T and above carry a signature time stamp."""
        return self is not Level.B_B

    @property
    def embeds_revocation(self) -> bool:
        """B-LT and above carry the validation data."""
        return self in (Level.B_LT, Level.B_LTA)


@dataclass(frozen=True)
class PdfSignatureOptions:
    """What to sign and how. ``field`` names an existing empty signature field or a new one."""

    level: Level = Level.B_B
    key: KeyName = "signature"
    hash: HashName | None = None
    padding: PaddingName = "pkcs1v15"
    field: str | None = None
    visible: VisibleSignature | None = None
    reason: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class RevocationData:
    """Checked revocation answers (DER) and the certificates they were fetched for."""

    ocsp_responses: tuple[bytes, ...]
    crls: tuple[bytes, ...]


def open_for_signing(data: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer over ``data`` (its reader is ``.prev``), or :class:`PdfInputError`."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfInputError("the input is not a PDF (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        writer.prev.root  # noqa: B018 - resolve the catalog now, so damage shows here
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfInputError(f"the PDF cannot be read: {exc}") from exc
    if writer.prev.encrypted:
        raise PdfInputError("encrypted PDFs are not supported")
    return writer


def _page_count(reader: PdfFileReader) -> int:
    try:
        return int(reader.root["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PdfInputError(f"the PDF has no readable page tree: {exc}") from exc


def _existing_fields(reader: PdfFileReader) -> dict[str, bool]:
    """Signature field names → whether they are already signed."""
    found: dict[str, bool] = {}
    try:
        for name, value, _ref in fields.enumerate_sig_fields(reader, filled_status=None):
            found[str(name)] = value is not None
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        raise PdfInputError(f"the PDF's form cannot be read: {exc}") from exc
    return found


def _field_name(reader: PdfFileReader, options: PdfSignatureOptions) -> tuple[str, bool]:
    """The field to sign and whether it exists already; refuses a field that is signed."""
    existing = _existing_fields(reader)
    if options.field is not None:
        if existing.get(options.field):
            raise PdfInputError(f"the signature field {options.field!r} is already signed")
        if options.field in existing and options.visible is not None:
            raise PdfInputError(f"the field {options.field!r} exists; its box cannot be moved with a visible spec")
        return options.field, options.field in existing
    number = 1
    while f"{DEFAULT_FIELD_PREFIX}{number}" in existing:
        number += 1
    return f"{DEFAULT_FIELD_PREFIX}{number}", False


def _lang(reader: PdfFileReader) -> str | None:
    try:
        value = reader.root.get("/Lang")
    except (PdfError, KeyError, TypeError):
        return None
    return str(value) if value is not None else None


def _der_certificate(certificate: asn1_x509.Certificate) -> bytes:
    return bytes(certificate.dump())


async def _tsa_certificates(tsa: TsaClient, hash_name: str) -> list[asn1_x509.Certificate]:
    """The TSA's certificates, from one real answer (pyHanko keeps it for its size estimate)."""
    token = await tsa.async_dummy_response(hash_name)
    try:
        certificates = token["content"]["certificates"]
        return [c.chosen for c in certificates if c.name == "certificate"] if certificates else []
    except (KeyError, ValueError, TypeError) as exc:
        raise TimestampError(f"the time-stamp token has no readable certificates: {exc}") from exc


def _issuer_of(certificate: asn1_x509.Certificate,
               pool: Sequence[asn1_x509.Certificate]) -> asn1_x509.Certificate | None:
    for candidate in pool:
        if candidate.subject == certificate.issuer and candidate is not certificate:
            return candidate
    return None


def _collect_revocation(
    fetcher: RevocationFetcher,
    leaf_der: bytes,
    chain_der: Sequence[bytes],
    tsa_certificates: Sequence[asn1_x509.Certificate],
    anchors: Sequence[asn1_x509.Certificate],
) -> RevocationData:
    """OCSP for the signer, CRLs for the CA and the TSA's certificates (checked by eidlib; fail closed)."""
    if len(chain_der) < 1:
        raise DocumentSigningError("no CA certificate for the signer: revocation data cannot be fetched")
    ocsps = [fetcher.ocsp(leaf_der, chain_der[0])]
    crls: list[bytes] = []
    chain = [asn1_x509.Certificate.load(d) for d in chain_der]
    pool = [*chain, *tsa_certificates, *anchors]
    anchor_keys = {a.public_key.dump() for a in anchors}

    def add_crl(cert: asn1_x509.Certificate) -> None:
        issuer = _issuer_of(cert, pool)
        if issuer is None:
            raise DocumentSigningError(f"no issuer certificate for {cert.subject.human_friendly!r}")
        raw = fetcher.crl(_der_certificate(cert), _der_certificate(issuer))
        if raw not in crls:
            crls.append(raw)

    for cert in chain:
        if cert.self_signed != "no" or cert.public_key.dump() in anchor_keys:
            continue  # a trust anchor is not checked for revocation
        add_crl(cert)
    for cert in tsa_certificates:
        if cert.self_signed != "no" or cert.public_key.dump() in anchor_keys:
            continue
        add_crl(cert)
    return RevocationData(tuple(ocsps), tuple(crls))


def _validation_context(
    anchors: Sequence[asn1_x509.Certificate],
    others: Sequence[asn1_x509.Certificate],
    revocation: RevocationData | None,
) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(anchors),
        other_certs=list(others),
        ocsps=[asn1_ocsp.OCSPResponse.load(r) for r in revocation.ocsp_responses] if revocation else [],
        crls=[asn1_crl.CertificateList.load(c) for c in revocation.crls] if revocation else [],
        allow_fetching=False,
        revocation_mode="hard-fail" if revocation else "soft-fail",
    )


def sign_pdf(
    token: Token,
    pdf: bytes,
    *,
    pin_source: PinSource,
    options: PdfSignatureOptions | None = None,
    tsa: TsaClient | str | None = None,
    revocation: RevocationFetcher | None = None,
    trust_roots: Sequence[bytes] | None = None,
) -> bytes:
    """The PDF ``pdf`` with one more signature, made on ``token`` (an incremental update).

    ``pin_source`` is called once, right before the card signs (never for a failed preparation).
    ``tsa`` (URL or :class:`TsaClient`) is required for B-T and above; ``revocation`` fetches the
    B-LT data (default: eidlib's Belgian allowlists). ``trust_roots`` (DER) are the anchors the
    validation data is collected up to; default: the root certificate the card holds.
    Raises :class:`DocumentSigningError` subclasses, PIN errors, revocation errors,
    card errors; nothing is returned half-made.
    """
    plan = plan_signature(pdf, options, tsa)
    chosen = plan.options
    signer = TokenSigner(token, pin_source=pin_source, key=chosen.key, hash=chosen.hash, padding=chosen.padding)
    try:
        return asyncio.run(_sign(plan, signer, revocation or RevocationFetcher(), trust_roots))
    except EidError:
        raise
    except (SigningError, PathBuildingError, PathValidationError, PdfError) as exc:
        raise DocumentSigningError(f"pyHanko could not finish the signature: {exc}") from exc


@dataclass(frozen=True)
class SigningPlan:
    """Everything about one signature that is known before the card signs."""

    writer: IncrementalPdfFileWriter
    options: PdfSignatureOptions
    level: Level
    field_name: str
    field_exists: bool
    timestamper: TsaClient | None


def plan_signature(pdf: bytes, options: PdfSignatureOptions | None, tsa: TsaClient | str | None) -> SigningPlan:
    """Read the PDF and settle the field, level and TSA; no token is involved yet."""
    chosen = options or PdfSignatureOptions()
    level = Level(chosen.level)
    timestamper = (TsaClient(tsa) if isinstance(tsa, str) else tsa) if level.needs_tsa else None
    if level.needs_tsa and timestamper is None:
        raise DocumentSigningError(f"PAdES {level.value} needs a time-stamp authority (tsa=URL)")
    writer = open_for_signing(pdf)
    field_name, field_exists = _field_name(writer.prev, chosen)
    if chosen.visible is not None and chosen.visible.page > _page_count(writer.prev):
        raise PdfInputError(f"the document has no page {chosen.visible.page}")
    return SigningPlan(writer, chosen, level, field_name, field_exists, timestamper)


async def build_pdf_signer(
    plan: SigningPlan,
    signer: signers.Signer,
    leaf_der: bytes,
    chain_der: Sequence[bytes],
    hash_name: str,
    fetcher: RevocationFetcher,
    trust_roots: Sequence[bytes] | None,
) -> signers.PdfSigner:
    """The pyHanko PdfSigner for ``plan``, with the B-LT data fetched and checked (before any signature)."""
    chain = [asn1_x509.Certificate.load(d) for d in chain_der]
    if trust_roots is not None:
        anchors = [asn1_x509.Certificate.load(d) for d in trust_roots]
    else:
        anchors = [c for c in chain if c.self_signed != "no"]
    timestamper = plan.timestamper
    tsa_certs = await _tsa_certificates(timestamper, hash_name) if timestamper is not None else []
    revocation = (
        _collect_revocation(fetcher, leaf_der, chain_der, tsa_certs, anchors) if plan.level.embeds_revocation else None
    )
    context = _validation_context(anchors, [*chain, *tsa_certs], revocation) if revocation is not None else None
    when = dt.datetime.now(dt.timezone.utc)  # the box text; pyHanko stamps the same moment into /M
    options = plan.options
    meta = signers.PdfSignatureMetadata(
        field_name=plan.field_name,
        md_algorithm=hash_name,
        reason=options.reason,
        location=options.location,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=revocation is not None,
        use_pades_lta=plan.level is Level.B_LTA,
        validation_context=context,
        signer_key_usage={"non_repudiation"} if options.key == "signature" else {"digital_signature"},
    )
    stamp_style = None
    new_field = None
    if options.visible is not None:
        name = signer_name(asn1_x509.Certificate.load(leaf_der))
        text = signature_text(document_language(_lang(plan.writer.prev)), name, when)
        stamp_style = TextStampStyle(stamp_text=text.replace("%", "%%"))
        new_field = fields.SigFieldSpec(
            sig_field_name=plan.field_name, on_page=options.visible.page - 1, box=options.visible.box
        )
    elif not plan.field_exists:
        new_field = fields.SigFieldSpec(sig_field_name=plan.field_name)
    return signers.PdfSigner(
        meta, signer=signer, timestamper=timestamper, stamp_style=stamp_style, new_field_spec=new_field
    )


async def _sign(
    plan: SigningPlan,
    signer: TokenSigner,
    fetcher: RevocationFetcher,
    trust_roots: Sequence[bytes] | None,
) -> bytes:
    pdf_signer = await build_pdf_signer(plan, signer, signer.leaf_der, signer.chain_der, signer.hash_name, fetcher,
                                        trust_roots)
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(plan.writer, output=output)
    return output.getvalue()


def sign_pdf_file(
    token: Token,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    pin_source: PinSource,
    options: PdfSignatureOptions | None = None,
    tsa: TsaClient | str | None = None,
    revocation: RevocationFetcher | None = None,
    trust_roots: Sequence[bytes] | None = None,
) -> Path:
    """Sign the PDF file ``source`` into ``output``; see :func:`sign_pdf`.

    ``output`` is checked before the token is used; it is written atomically and only when the
    signature succeeded, so a failure never leaves a file behind; ``source`` is only read.
    """
    target = check_output_path(output, source)
    data = read_input(source)
    signed = sign_pdf(token, data, pin_source=pin_source, options=options, tsa=tsa, revocation=revocation,
                      trust_roots=trust_roots)
    write_atomically(target, signed)
    return target
