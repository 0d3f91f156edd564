"""Web eID document signing, server side: prepare the PDF, hand out the digest, embed the card's signature.

The browser's Web eID extension signs a digest with the user's card (``webeid.sign``); the server
never sees the PIN. The flow:

1. :meth:`WebEidPdfSigning.prepare` gets the PDF, the signing certificate the extension returned
   (``getSigningCertificate``) and the authentication certificate the user proved at login in the
   same session. The two must name the same holder (national number, issuer), and the signing
   certificate must carry nonRepudiation. It reserves the signature in the PDF, fetches the B-LT
   data if asked for (eidlib's revocation checks, before anything is signed), and returns the
   digest of the CMS signed attributes — that is what the card signs.
2. :meth:`WebEidPdfSigning.finish` gets the signature (``r || s`` or DER for ECDSA, PKCS#1 for RSA)
   and the certificate again. The certificate must be byte-equal to the prepared one and the
   signature must verify over the prepared attributes; then the CMS (with its time stamp) is embedded.

A prepared signature is single use and expires after ``ttl`` seconds. Thread-safe.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import ExternalSigner
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PostSignInstructions
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from eidlib.errors import EidError
from eidlib.signing.pdf.adapter import PaddingName, RevocationFetcher, ecdsa_raw_to_der
from eidlib.signing.pdf.errors import DocumentSigningError, SignatureMismatch, WebEidSigningError
from eidlib.signing.pdf.sign import PdfSignatureOptions, SigningPlan, build_pdf_signer, plan_signature
from eidlib.signing.pdf.signer import (
    asn1_certificate,
    check_signature,
    placeholder_signature,
    pss_mechanism,
)
from eidlib.signing.pdf.tsa import TsaClient

#: Web eID's names of the hash functions (``hashFunction``).
WEBEID_HASH_NAMES = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
DEFAULT_TTL = 300.0


@dataclass(frozen=True)
class DigestToSign:
    """What the browser passes to ``webeid.sign``: the digest and its hash function."""

    signing_id: str
    digest: bytes
    hash_function: str

    def to_json(self) -> dict[str, str]:
        """``{"signingId", "hash" (base64), "hashFunction"}`` for the page's script."""
        return {"signingId": self.signing_id, "hash": base64.b64encode(self.digest).decode("ascii"),
                "hashFunction": self.hash_function}


@dataclass
class _Pending:
    expires: float
    certificate: bytes
    hash_name: str
    padding: PaddingName
    signed_attrs: cms.CMSAttributes
    prepared: PreparedByteRangeDigest
    post_sign: PostSignInstructions | None
    output: io.BytesIO
    registry: SimpleCertificateStore
    timestamper: TsaClient | None


def _holder(certificate: asn1_x509.Certificate) -> tuple[object, object, object]:
    subject = certificate.subject.native
    return subject.get("serial_number"), subject.get("country_name"), certificate.issuer.dump()


class WebEidPdfSigning:
    """Prepares and finishes PDF signatures made by the user's card through Web eID.

    ``intermediates`` are the CA certificates (DER) of the signing certificates the server accepts
    (the Web eID extension returns only the signing certificate); ``trust_roots`` the anchors.
    """

    def __init__(
        self,
        *,
        intermediates: Sequence[bytes],
        trust_roots: Sequence[bytes],
        options: PdfSignatureOptions | None = None,
        tsa: TsaClient | str | None = None,
        revocation: RevocationFetcher | None = None,
        ttl: float = DEFAULT_TTL,
        max_pending: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._intermediates = [asn1_certificate(der, "CA") for der in intermediates]
        self._trust_roots = list(trust_roots)
        self._options = options or PdfSignatureOptions()
        self._tsa = tsa
        self._fetcher = revocation or RevocationFetcher()
        self._ttl = ttl
        self._max = max_pending
        self._clock = clock
        self._pending: OrderedDict[str, _Pending] = OrderedDict()
        self._lock = threading.Lock()

    def _issuer_chain(self, leaf: asn1_x509.Certificate) -> list[bytes]:
        chain: list[bytes] = []
        current = leaf
        for _ in range(len(self._intermediates)):
            issuer = next((c for c in self._intermediates if c.subject == current.issuer and c is not current), None)
            if issuer is None:
                break
            chain.append(bytes(issuer.dump()))
            if issuer.self_signed != "no":
                break
            current = issuer
        if not chain:
            raise WebEidSigningError("the signing certificate's issuer is not among the accepted CA certificates")
        return chain

    def prepare(self, pdf: bytes, *, signing_certificate: bytes, authenticated_certificate: bytes) -> DigestToSign:
        """Reserve a signature in ``pdf`` for ``signing_certificate``; returns the digest the card must sign."""
        leaf = asn1_certificate(signing_certificate, "signing")
        proved = asn1_certificate(authenticated_certificate, "authentication")
        if _holder(leaf) != _holder(proved) or _holder(leaf)[0] is None:
            raise WebEidSigningError("the signing certificate is not the authenticated user's")
        key_usage = leaf.key_usage_value
        wanted = "non_repudiation" if self._options.key == "signature" else "digital_signature"
        if key_usage is None or wanted not in key_usage.native:
            raise WebEidSigningError(f"the signing certificate lacks the {wanted} key usage")
        algorithm = leaf.public_key.algorithm
        hash_name = self._options.hash or ("sha384" if algorithm == "ec" else "sha256")
        if hash_name not in WEBEID_HASH_NAMES:
            raise WebEidSigningError(f"Web eID signs SHA-256/384/512 digests, not {hash_name}")
        padding: PaddingName = self._options.padding if algorithm == "rsa" else "pkcs1v15"
        chain = self._issuer_chain(leaf)
        plan = plan_signature(pdf, self._options, self._tsa)
        try:
            pending, digest = asyncio.run(self._prepare(plan, leaf, signing_certificate, chain, hash_name, padding))
        except EidError:
            raise
        except (SigningError, PathBuildingError, PathValidationError, PdfError) as exc:
            raise DocumentSigningError(f"pyHanko could not prepare the signature: {exc}") from exc
        signing_id = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            while len(self._pending) >= self._max:
                self._pending.popitem(last=False)
            self._pending[signing_id] = pending
        return DigestToSign(signing_id, digest, WEBEID_HASH_NAMES[hash_name])

    async def _prepare(self, plan: SigningPlan, leaf: asn1_x509.Certificate, leaf_der: bytes, chain: list[bytes],
                       hash_name: str, padding: PaddingName) -> tuple[_Pending, bytes]:
        registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_certificate(d, "CA") for d in chain])
        mechanism = pss_mechanism(hash_name) if padding == "pss" else None
        placeholder = ExternalSigner(signing_cert=leaf, cert_registry=registry,
                                     signature_value=placeholder_signature(leaf_der), signature_mechanism=mechanism)
        pdf_signer = await build_pdf_signer(plan, placeholder, leaf_der, chain, hash_name, self._fetcher,
                                            self._trust_roots)
        prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(plan.writer)
        attributes = PdfCMSSignedAttributes(signing_time=dt.datetime.now(dt.timezone.utc))
        signed_attrs = await placeholder.signed_attrs(prepared.document_digest, hash_name, attr_settings=attributes,
                                                      use_pades=True)
        digest = hashlib.new(hash_name, signed_attrs.dump()).digest()
        pending = _Pending(self._clock() + self._ttl, leaf_der, hash_name, padding, signed_attrs, prepared,
                           tbs.post_sign_instructions, output, registry, plan.timestamper)  # type: ignore[arg-type]
        return pending, digest

    def finish(self, signing_id: str, *, signature: bytes, signing_certificate: bytes) -> bytes:
        """Embed the card's ``signature`` for ``signing_id``; returns the signed PDF. Single use."""
        with self._lock:
            self._expire()
            pending = self._pending.pop(signing_id, None)
        if pending is None:
            raise WebEidSigningError("unknown, used or expired signing id")
        if signing_certificate != pending.certificate:
            raise WebEidSigningError("the certificate differs from the one the signature was prepared for")
        leaf = asn1_certificate(pending.certificate, "signing")
        value = signature
        if leaf.public_key.algorithm == "ec" and not signature.startswith(b"\x30"):
            value = ecdsa_raw_to_der(signature)  # Web eID returns ECDSA as r || s
        try:
            check_signature(pending.certificate, value, pending.signed_attrs.dump(), pending.hash_name, pending.padding)
        except SignatureMismatch as exc:
            raise WebEidSigningError(f"the card's signature does not verify: {exc}") from None
        try:
            return asyncio.run(self._finish(pending, leaf, value))
        except EidError:
            raise
        except (SigningError, PathBuildingError, PathValidationError, PdfError, ValueError) as exc:
            raise DocumentSigningError(f"pyHanko could not embed the signature: {exc}") from exc

    async def _finish(self, pending: _Pending, leaf: asn1_x509.Certificate, value: bytes) -> bytes:
        mechanism = pss_mechanism(pending.hash_name) if pending.padding == "pss" else None
        signer = ExternalSigner(signing_cert=leaf, cert_registry=pending.registry, signature_value=value,
                                signature_mechanism=mechanism)
        signed = await signer.async_sign_prescribed_attributes(
            pending.hash_name, signed_attrs=pending.signed_attrs, timestamper=pending.timestamper
        )
        await PdfTBSDocument.async_finish_signing(pending.output, pending.prepared, signed,
                                                  post_sign_instr=pending.post_sign)
        return pending.output.getvalue()

    def _expire(self) -> None:
        now = self._clock()
        for key in [k for k, p in self._pending.items() if p.expires <= now]:
            del self._pending[key]

