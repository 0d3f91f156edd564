"""Errors of PDF/CMS signing and verification (all :class:`~eidlib.errors.EidError`)."""

from __future__ import annotations

from eidlib.errors import EidError


class DocumentSigningError(EidError):
    """A document signature could not be made; no output was written."""


class PdfInputError(DocumentSigningError):
    """The input PDF cannot be read or signed (not a PDF, encrypted, unknown field, bad page)."""


class OutputPathError(DocumentSigningError):
    """The output path is unusable (same as the input, missing directory, not writable)."""


class TimestampError(DocumentSigningError):
    """The time-stamp authority did not answer, or answered something that is not a valid token."""


class SignerCertificateError(DocumentSigningError):
    """The token has no certificate for the key asked for, or the certificate does not fit the key."""


class SignatureMismatch(DocumentSigningError):
    """The token's signature does not verify with its certificate (wrong key or a faulty token)."""


class WebEidSigningError(DocumentSigningError):
    """A Web eID signing step was refused (unknown or finished session, certificate mismatch, bad signature)."""


class VerificationInputError(EidError):
    """The file given to the verifier is neither a PDF nor a CMS signature, or cannot be parsed."""
