"""Per-process start-up work the host does before it sends its version message.

The browser starts one host process per request, so whatever OpenSSL does the first time a process
loads a certificate key and verifies a signature (algorithm fetches, decoder set-up: about 1–3 ms)
would otherwise be paid inside every command. Verifying the self-signatures of two bundled Belgian
roots — RSA with SHA-256 (the 1.7 applet's RS256) and ECDSA P-384 with SHA-384 (the 1.8 applet's
ES384) — and reading a subject name, through the same strict loader and ``cryptography`` calls as the
command path, does that work up front, like the module imports. Nothing from the card and nothing of
the request is touched, and no result is kept: the command path still parses and checks everything.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

import eidlib.x509
from eidlib.carddata.certificate import load_der_certificate
from eidlib.errors import EidError

_log = logging.getLogger(__name__)

#: One root per key type the applets use (RSA on 1.7, EC P-384 on 1.8).
WARM_UP_ROOTS = ("belgiumrca4.pem", "belgiumrca6.pem")
#: Read as plain files: ``importlib.resources`` would first import ``zipfile`` (1–2 ms); in a zipped
#: install the warm-up just fails and logs, and the roots are still found by the trust store.
_ROOTS_FOLDER = Path(eidlib.x509.__file__).parent / "roots"


def warm_up() -> None:
    """Load and verify the bundled roots once; a failure is logged and the host carries on."""
    for name in WARM_UP_ROOTS:
        try:
            _verify_self_signed(_pem_body((_ROOTS_FOLDER / name).read_bytes()))
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature, EidError) as exc:
            # Only a later command gets slower; that command still fails or succeeds on its own checks.
            _log.debug("warm-up with %s failed: %s", name, type(exc).__name__)


def _pem_body(pem: bytes) -> bytes:
    """The DER bytes of the single certificate of a PEM file."""
    lines = pem.decode("ascii").split("-----")
    if len(lines) < 5 or lines[1] != "BEGIN CERTIFICATE":
        raise ValueError("not a PEM certificate")
    return base64.b64decode("".join(lines[2].split()), validate=True)


def _verify_self_signed(der: bytes) -> None:
    certificate = load_der_certificate(der, what="bundled root")
    certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)  # as the dialog's holder name does
    key = certificate.public_key()
    hash_algorithm = certificate.signature_hash_algorithm
    if hash_algorithm is None:
        raise ValueError("root signature without a hash")
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(hash_algorithm))
    else:
        raise ValueError("root key is neither RSA nor EC")
