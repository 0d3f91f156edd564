"""What a certificate may be used for, and when: the one home of the key-usage/EKU and date rules.

Chain validation (:mod:`eidlib.x509.chain`), the Web eID validator and the TLS client-certificate
check all call these. Authentication needs digitalSignature, no nonRepudiation, clientAuth when an
EKU is present and no CA flag (auth-protocol spec §4, Web eID's rules); a signature needs
nonRepudiation (the qualified signing key).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from cryptography import x509

from eidlib.x509.certificate import CLIENT_AUTH, CardCertificate
from eidlib.x509.errors import CertificateExpired, CertificateNotYetValid, MissingKeyUsage, WrongCertificatePurpose

#: What a certificate is validated for. ``ca`` is a CA certificate (e.g. a card's Citizen CA);
#: ``rrn`` is the National Register certificate.
Purpose = Literal["authentication", "signature", "ca", "rrn"]

PURPOSES: tuple[str, ...] = ("authentication", "signature", "ca", "rrn")


def purpose_problem(cert: CardCertificate, purpose: str) -> str | None:
    """Why ``cert`` cannot be used for ``purpose`` (``None`` when it can)."""
    ku = cert.key_usage
    if purpose == "authentication":
        if "digital_signature" not in ku:
            return "key usage lacks digitalSignature"
        if "content_commitment" in ku:
            return "a nonRepudiation (signing) certificate cannot be used for authentication"
        if cert.extended_key_usage and CLIENT_AUTH not in cert.extended_key_usage:
            return "extended key usage lacks clientAuth"
        if cert.is_ca:
            return "a CA certificate cannot be used for authentication"
    elif purpose == "signature":
        if "content_commitment" not in ku:
            return "key usage lacks nonRepudiation"
        if cert.is_ca:
            return "a CA certificate cannot be used for signatures"
    elif purpose == "ca":
        if not cert.is_ca:
            return "not a CA certificate (basicConstraints cA is not set)"
        if "key_cert_sign" not in ku:
            return "key usage lacks keyCertSign"
    elif purpose == "rrn":
        if not ku & {"digital_signature", "content_commitment"}:
            return "key usage lacks digitalSignature and nonRepudiation"
        if cert.is_ca:
            return "a CA certificate is not an RRN certificate"
    else:
        raise ValueError(f"unknown purpose {purpose!r}")
    return None


def check_purpose(cert: CardCertificate, purpose: Purpose) -> None:
    """Raise :class:`MissingKeyUsage` (no key usage extension for a leaf purpose) or
    :class:`WrongCertificatePurpose` unless ``cert`` may be used for ``purpose``."""
    if purpose != "ca" and not _has_key_usage(cert):
        raise MissingKeyUsage(f"certificate {cert.subject!r} has no key usage extension")
    problem = purpose_problem(cert, purpose)
    if problem is not None:
        raise WrongCertificatePurpose(problem)


def check_validity(cert: CardCertificate, at: dt.datetime) -> None:
    """Raise :class:`CertificateNotYetValid` / :class:`CertificateExpired` unless ``cert`` is valid at ``at``."""
    if at < cert.not_before:
        raise CertificateNotYetValid(cert.subject, cert.not_before, at)
    if at > cert.not_after:
        raise CertificateExpired(cert.subject, cert.not_after, at)


def _has_key_usage(cert: CardCertificate) -> bool:
    if cert.key_usage:
        return True
    try:
        cert.certificate.extensions.get_extension_for_class(x509.KeyUsage)
    except x509.ExtensionNotFound:
        return False
    return True
