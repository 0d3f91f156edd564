"""The portal's "sign a document" page, through the Web eID extension (login is on the eID step, whose
``static/webeid.js`` runs the Web eID button).

* ``GET  /<lang>/sign`` — for a logged-in user (``static/webeid_sign.js``): get-signing-certificate →
  prepare → sign → finish.
* ``POST /webeid/sign/prepare`` (CSRF) ``{certificate, supportedSignatureAlgorithms}`` → ``{signId,
  hash, hashFunction, document}``: the certificate must be a non-repudiation certificate of the
  logged-in person; the portal chooses the hash and keeps it (the page never decides what is signed).
* ``POST /webeid/sign/finish`` (CSRF) ``{signId, signature, signatureAlgorithm}`` → ``{signer}`` once the
  signature verifies over that hash with that certificate (single use, 5 minutes).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID
from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from eidlib.carddata.certificate import load_der_certificate
from eidlib.token.ecdsa import ecdsa_raw_to_der
from examples.portal.bodies import parse_object
from examples.portal.errors import BadBody
from examples.portal.i18n import DEFAULT_LANGUAGE, LANGUAGES, texts

if TYPE_CHECKING:
    from examples.portal.app import PortalContext

#: The portal's session cookie and CSRF header (examples.portal.app), repeated to avoid an import cycle.
COOKIE = "__Host-eidportal"
CSRF_HEADER = "X-CSRF-Token"

#: How long a prepared signature waits for the card, and how many may wait at once.
SIGN_TTL = 300.0
MAX_PENDING = 1000
#: Hash the portal picks for each key type (both are in what Belgian cards offer).
_PREFERRED = {"ECC": "SHA-384", "RSA": "SHA-256"}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384}


@dataclass(frozen=True)
class _Pending:
    session_id: str
    certificate: x509.Certificate
    hash_function: str
    digest: bytes
    expires: float


@dataclass(frozen=True)
class _Call:
    """A signing call that passed the session and CSRF checks, with its bounded JSON body."""

    session_id: str
    user: dict[str, Any]
    body: dict[str, Any]


def create_blueprint() -> Blueprint:
    """The pages and endpoints above; sessions and CSRF tokens come from the portal's
    ``app.extensions["eidportal"]`` (:class:`~examples.portal.app.PortalContext`)."""
    pages = Blueprint("webeid_pages", __name__)
    pending: dict[str, _Pending] = {}
    lock = threading.Lock()

    def portal() -> PortalContext:
        return current_app.extensions["eidportal"]  # type: ignore[no-any-return]

    def language(lang: str) -> str:
        return lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def session() -> tuple[str, dict[str, Any]] | None:
        record = portal().sessions.get(request.cookies.get(COOKIE), touch=True)
        return (record.session_id, record.user) if record is not None else None

    def csrf_token(session_id: str) -> str:
        return portal().csrf_token(session_id)

    def csrf_ok(session_id: str) -> bool:
        sent = request.headers.get(CSRF_HEADER, "")
        return hmac.compare_digest(sent.encode(), csrf_token(session_id).encode())

    @pages.get("/<lang>/sign")
    def sign_page(lang: str) -> Any:
        current = session()
        if current is None:
            return redirect(f"/{language(lang)}/login")
        return render_template("webeid_sign.html", t=texts(language(lang)), lang=language(lang),
                               csrf=csrf_token(current[0]))

    def signed_in_body() -> _Call | tuple[Response, int]:
        """The session and the JSON body of a signing call, or the error answer (bounded parse: 400)."""
        current = session()
        if current is None:
            return jsonify(error="session_expired"), 401
        if not csrf_ok(current[0]):
            return jsonify(error="csrf"), 403
        try:
            return _Call(current[0], current[1], parse_object(request.get_data(cache=False)))
        except BadBody:
            return jsonify(error="bad_request"), 400

    @pages.post("/webeid/sign/prepare")
    def prepare() -> tuple[Response, int]:
        call = signed_in_body()
        if not isinstance(call, _Call):
            return call
        certificate = _certificate(call.body.get("certificate"))
        if certificate is None or not _is_signing_certificate(certificate):
            return jsonify(error="bad_certificate"), 400
        if _serial_number(certificate) != call.user.get("national_number"):
            return jsonify(error="not_your_certificate"), 403
        offered = call.body.get("supportedSignatureAlgorithms")
        key_type = "RSA" if isinstance(certificate.public_key(), rsa.RSAPublicKey) else "ECC"
        hash_function = _PREFERRED[key_type]
        if not isinstance(offered, list) or not any(
            isinstance(a, dict) and a.get("hashFunction") == hash_function and a.get("cryptoAlgorithm") == key_type
            for a in offered
        ):
            return jsonify(error="no_common_algorithm"), 400
        document = (f"eidlib portal demo document for {call.user.get('common_name', '')}\n"
                    f"prepared {dt.datetime.now(dt.timezone.utc).isoformat()}\n").encode()
        digest = hashlib.new(hash_function.replace("-", "").lower(), document).digest()
        sign_id = secrets.token_urlsafe(24)
        with lock:
            now = time.monotonic()
            for key in [k for k, v in pending.items() if v.expires < now]:
                del pending[key]
            if len(pending) >= MAX_PENDING:
                return jsonify(error="busy"), 503
            pending[sign_id] = _Pending(call.session_id, certificate, hash_function, digest, now + SIGN_TTL)
        return jsonify(signId=sign_id, hash=base64.b64encode(digest).decode(), hashFunction=hash_function,
                       document=document.decode()), 200

    @pages.post("/webeid/sign/finish")
    def finish() -> tuple[Response, int]:
        call = signed_in_body()
        if not isinstance(call, _Call):
            return call
        with lock:
            item = pending.pop(str(call.body.get("signId")), None)
        if item is None or item.session_id != call.session_id or item.expires < time.monotonic():
            return jsonify(error="unknown_signature_request"), 400
        try:
            signature = base64.b64decode(str(call.body.get("signature")), validate=True)
        except (binascii.Error, ValueError):
            return jsonify(error="bad_signature"), 400
        if not _verifies(item, signature):
            return jsonify(error="bad_signature"), 400
        names = item.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return jsonify(signer=str(names[0].value) if names else "", hashFunction=item.hash_function), 200

    return pages


def _certificate(value: object) -> x509.Certificate | None:
    if not isinstance(value, str) or len(value) > 8192:
        return None
    try:
        return load_der_certificate(base64.b64decode(value, validate=True), what="signing certificate")
    except ValueError:  # bad base64 (binascii.Error) and CertificateError are ValueErrors
        return None


def _is_signing_certificate(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _serial_number(certificate: x509.Certificate) -> str:
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(values[0].value) if values else ""


def _verifies(item: _Pending, signature: bytes) -> bool:
    key = item.certificate.public_key()
    prehashed = utils.Prehashed(_HASHES[item.hash_function]())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, item.digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(ecdsa_raw_to_der(signature), item.digest, ec.ECDSA(prehashed))
        else:
            return False
    except (InvalidSignature, ValueError):  # a raw signature of odd length: CardDataError, a ValueError
        return False
    return True
