"""PAdES signatures with the Belgian eID card (or any eidlib token), on top of pyHanko.

Needs the ``pdf`` extra (``pip install eidlib[pdf]``)::

    from eidlib.signing.pdf import Level, PdfSignatureOptions, sign_pdf

    signed = sign_pdf(card, pdf_bytes, pin_source=lambda: getpass("PIN: "),
                      options=PdfSignatureOptions(level=Level.B_LT), tsa="http://tsa.example/")
"""

from eidlib.signing.pdf.adapter import RevocationFetcher, RevocationSettings
from eidlib.signing.pdf.appearance import VisibleSignature
from eidlib.signing.pdf.errors import (
    DocumentSigningError,
    OutputPathError,
    PdfInputError,
    SignatureMismatch,
    SignerCertificateError,
    TimestampError,
    VerificationInputError,
    WebEidSigningError,
)
from eidlib.signing.pdf.sign import Level, PdfSignatureOptions, sign_pdf, sign_pdf_file
from eidlib.signing.pdf.signer import PinSource, TokenSigner
from eidlib.signing.pdf.tsa import TsaClient
from eidlib.signing.pdf.verify import verify_pdf
from eidlib.signing.pdf.webeid import DigestToSign, WebEidPdfSigning

__all__ = [
    "DigestToSign",
    "DocumentSigningError",
    "Level",
    "OutputPathError",
    "PdfInputError",
    "PdfSignatureOptions",
    "PinSource",
    "RevocationFetcher",
    "RevocationSettings",
    "SignatureMismatch",
    "SignerCertificateError",
    "TimestampError",
    "TokenSigner",
    "TsaClient",
    "VerificationInputError",
    "VisibleSignature",
    "WebEidPdfSigning",
    "WebEidSigningError",
    "sign_pdf",
    "sign_pdf_file",
    "verify_pdf",
]
