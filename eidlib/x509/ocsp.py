"""OCSP, strict and fail-closed: the request, the response checks and the short GOOD-answer cache.

The checks follow Web eID's validator (``shared/spec/auth-protocol.md`` §1.6 step 8 and §6.7):
successful response status; exactly one SingleResponse whose CertID matches the request; the
responder is chosen by ResponderID (by name or key hash, never by position) among the issuer and
the certificates in the response, and must be the issuer itself or a certificate the issuer
issued with the OCSPSigning EKU (valid now), or the pinned designated responder; the signature
over ``tbs_response_bytes`` verifies; thisUpdate/nextUpdate are within the window; the status is
GOOD (UNKNOWN counts as revoked).

Nonces (:class:`NoncePolicy`, §3.5): whether Belgian responders echo them is undocumented, so a
nonce is sent, a *different* nonce is always refused, and an answer without one is accepted only
when it is fresh (producedAt and thisUpdate within ``NoncePolicy.max_age``), unless the policy
requires the echo. The network side, host allowlist and deadlines are
:class:`~eidlib.x509.revocation.RevocationChecker`'s. Every failure raises a
:class:`~eidlib.x509.errors.RevocationError`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp

from eidlib.carddata.certificate import X509_PARSE_ERRORS
from eidlib.x509.certificate import (
    OCSP_SIGNING,
    CertificateInput,
    load_x509_certificate,
)
from eidlib.x509.errors import (
    CertificateRevoked,
    OcspError,
    OcspNonceMismatch,
    OcspResponderNotAuthorized,
    OcspResponseInvalid,
    OcspResponseStale,
    OcspResponseUnsuccessful,
    OcspSignatureInvalid,
    RevocationError,
)

#: Nonce length in bytes (Web eID uses 32).
NONCE_LENGTH = 32
DEFAULT_SKEW = dt.timedelta(minutes=15)
DEFAULT_MAX_AGE = dt.timedelta(minutes=2)
#: Default lifetime of a cached GOOD answer, in seconds (0 disables the cache).
DEFAULT_GOOD_TTL = 60.0

#: (issuer name DER, issuer key hash, serial number, SHA-256 of the leaf DER).
CacheKey = tuple[bytes, bytes, int, bytes]
_VERIFY_ERRORS: tuple[type[Exception], ...] = (*X509_PARSE_ERRORS, InvalidSignature)


@dataclass(frozen=True)
class OcspResult:
    """A GOOD answer for ``serial_number``. ``from_cache`` is true when no request was sent."""

    serial_number: int
    url: str
    this_update: dt.datetime
    next_update: dt.datetime | None
    produced_at: dt.datetime
    responder: str
    nonce_checked: bool
    from_cache: bool = False


@dataclass(frozen=True)
class NoncePolicy:
    """How one responder is asked and judged about the OCSP nonce (RFC 8954).

    ``send``: put a random nonce in the request. ``require``: refuse an answer that does not
    echo it. Otherwise an answer without the nonce (or to a request without one) is accepted
    only when producedAt and thisUpdate are at most ``max_age`` (plus the clock skew) old. An
    answer carrying a nonce other than the one sent is always refused.
    """

    send: bool = True
    require: bool = False
    max_age: dt.timedelta = DEFAULT_MAX_AGE

    def __post_init__(self) -> None:
        if self.require and not self.send:
            raise ValueError("a nonce cannot be required without sending one")
        if self.max_age < dt.timedelta(0):
            raise ValueError("max_age must not be negative")


#: Send a nonce, accept a fresh answer without one, never a wrong one.
DEFAULT_NONCE_POLICY = NoncePolicy()


class OcspCache:
    """A short positive-result cache keyed by issuer (name and key hash) + serial.

    Entries live ``ttl`` seconds of ``clock`` (default :func:`time.monotonic`) and never past the
    response's nextUpdate; ``ttl=0`` stores nothing. Only GOOD results are stored. Thread-safe; at
    most ``max_entries``.
    """

    def __init__(
        self, ttl: float = DEFAULT_GOOD_TTL, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000
    ) -> None:
        if ttl < 0 or max_entries < 1:
            raise ValueError("ttl must be >= 0 and max_entries >= 1")
        self.ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[CacheKey, tuple[float, OcspResult]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey, now: dt.datetime) -> OcspResult | None:
        """The cached result for ``key`` if still fresh at ``now`` (wall clock, for nextUpdate)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, result = entry
            if self._clock() >= expires or (result.next_update is not None and now > result.next_update):
                del self._entries[key]
                return None
            return result

    def put(self, key: CacheKey, result: OcspResult) -> None:
        """Store a GOOD result."""
        if self.ttl == 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _key_hash(cert: x509.Certificate) -> bytes:
    """SHA-1 of the subjectPublicKey BIT STRING (RFC 6960 ResponderID byKey / CertID issuerKeyHash)."""
    return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def cache_key(leaf: CertificateInput, issuer: CertificateInput) -> CacheKey:
    """The :class:`OcspCache` key for ``leaf`` issued by ``issuer``.

    Issuer and serial identify the status; the leaf's fingerprint binds the entry to the exact
    certificate whose signature was checked, so a forged leaf reusing a serial cannot hit it.
    """
    leaf_cert = load_x509_certificate(leaf)
    issuer_cert = load_x509_certificate(issuer)
    name = issuer_cert.subject.public_bytes(serialization.Encoding.DER)
    return name, _key_hash(issuer_cert), leaf_cert.serial_number, leaf_cert.fingerprint(hashes.SHA256())


def _same_key(a: x509.Certificate, b: x509.Certificate) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_key().public_bytes(serialization.Encoding.DER, fmt) == b.public_key().public_bytes(
        serialization.Encoding.DER, fmt
    )


def _verify_signature(key_owner: x509.Certificate, response: ocsp.OCSPResponse) -> None:
    key = key_owner.public_key()
    algorithm = response.signature_hash_algorithm
    signature = response.signature
    data = response.tbs_response_bytes
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, data)
        else:
            raise OcspSignatureInvalid(f"unsupported responder key or signature algorithm {type(key).__name__}")
    except InvalidSignature:
        raise OcspSignatureInvalid("the OCSP response signature does not verify") from None


def _select_responder(
    response: ocsp.OCSPResponse,
    issuer: x509.Certificate,
    at: dt.datetime,
    skew: dt.timedelta,
    designated: x509.Certificate | None,
) -> x509.Certificate:
    """The responder named by ResponderID: the issuer, a responder it delegated, or the pinned one."""
    if designated is not None:
        return _designated_responder(response, designated, at, skew)
    candidates = [issuer, *response.certificates]
    key_hash = response.responder_key_hash
    name = response.responder_name
    if key_hash is not None:
        named = [c for c in candidates if _key_hash(c) == key_hash]
    else:
        named = [c for c in candidates if c.subject == name]
    if not named:
        raise OcspResponderNotAuthorized("no certificate matches the response's ResponderID")
    problems: list[str] = []
    for cert in named:
        if cert.subject == issuer.subject and _same_key(cert, issuer):
            return cert
        problem = _delegation_problem(cert, issuer, at, skew)
        if problem is None:
            return cert
        problems.append(problem)
    raise OcspResponderNotAuthorized("; ".join(problems))


def _designated_responder(
    response: ocsp.OCSPResponse, designated: x509.Certificate, at: dt.datetime, skew: dt.timedelta
) -> x509.Certificate:
    key_hash = response.responder_key_hash
    by_key = key_hash is not None and key_hash == _key_hash(designated)
    by_name = key_hash is None and response.responder_name == designated.subject
    if not (by_key or by_name):
        raise OcspResponderNotAuthorized("the response is not from the designated responder")
    if not designated.not_valid_before_utc - skew <= at <= designated.not_valid_after_utc + skew:
        raise OcspResponderNotAuthorized("the designated responder certificate is not valid now")
    return designated


def _delegation_problem(
    cert: x509.Certificate, issuer: x509.Certificate, at: dt.datetime, skew: dt.timedelta
) -> str | None:
    if cert.issuer != issuer.subject:
        return "the responder certificate was not issued by the certificate's issuer"
    try:
        cert.verify_directly_issued_by(issuer)
    except _VERIFY_ERRORS:
        return "the responder certificate's signature does not verify with the issuer's key"
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return "the responder certificate has no extended key usage (OCSPSigning required)"
    if OCSP_SIGNING not in {o.dotted_string for o in eku}:
        return "the responder certificate lacks the OCSPSigning extended key usage"
    if not cert.not_valid_before_utc - skew <= at <= cert.not_valid_after_utc + skew:
        return "the responder certificate is not valid at the validation time"
    return None


def _check_times(
    single: ocsp.OCSPSingleResponse, at: dt.datetime, skew: dt.timedelta, max_age: dt.timedelta
) -> None:
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if this_update > at + skew:
        raise OcspResponseStale(f"thisUpdate {this_update.isoformat()} is in the future")
    if this_update < at - skew - max_age:
        raise OcspResponseStale(f"thisUpdate {this_update.isoformat()} is too old")
    if next_update is not None:
        if next_update < this_update:
            raise OcspResponseStale("nextUpdate is before thisUpdate")
        if next_update < at - skew:
            raise OcspResponseStale(f"nextUpdate {next_update.isoformat()} has passed")


def check_issued_by(leaf: x509.Certificate, issuer: x509.Certificate) -> None:
    """Raise :class:`OcspError` unless ``issuer``'s key signed ``leaf`` (checked before any request)."""
    try:
        leaf.verify_directly_issued_by(issuer)
    except _VERIFY_ERRORS:
        raise OcspError("the given issuer certificate did not issue the certificate to check") from None


def build_request(
    leaf: x509.Certificate, issuer: x509.Certificate, *, hash_algorithm: hashes.HashAlgorithm, nonce: bool
) -> tuple[ocsp.OCSPRequest, bytes]:
    """The OCSP request for ``leaf`` and the nonce it carries (``b""`` without one)."""
    builder = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hash_algorithm)
    sent = os.urandom(NONCE_LENGTH) if nonce else b""
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(sent), critical=False)
    return builder.build(), sent


@dataclass(frozen=True)
class ResponseRules:
    """How an answer is judged: time window, nonce policy, an optional pinned responder."""

    at: dt.datetime
    skew: dt.timedelta = DEFAULT_SKEW
    max_age: dt.timedelta = DEFAULT_MAX_AGE
    nonce: NoncePolicy = DEFAULT_NONCE_POLICY
    designated: x509.Certificate | None = None


def evaluate_response(
    body: bytes, request: ocsp.OCSPRequest, sent_nonce: bytes, issuer: x509.Certificate, url: str, rules: ResponseRules
) -> OcspResult:
    """Check an OCSP answer to ``request`` (which carried ``sent_nonce``); return only for GOOD."""
    try:
        response = ocsp.load_der_ocsp_response(body)
    except X509_PARSE_ERRORS as exc:
        raise OcspResponseInvalid(f"malformed OCSP response: {exc}") from exc
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspResponseUnsuccessful(response.response_status.name)
    try:
        singles = list(response.responses)
        if len(singles) != 1:
            raise OcspResponseInvalid(f"expected exactly one SingleResponse, got {len(singles)}")
        single = singles[0]
        if (
            single.serial_number != request.serial_number
            or single.issuer_name_hash != request.issuer_name_hash
            or single.issuer_key_hash != request.issuer_key_hash
            or single.hash_algorithm.name != request.hash_algorithm.name
        ):
            raise OcspResponseInvalid("the SingleResponse's CertID does not match the request")
        responder = _select_responder(response, issuer, rules.at, rules.skew, rules.designated)
        _verify_signature(responder, response)
        _check_times(single, rules.at, rules.skew, rules.max_age)
        nonce_checked = _check_nonce(response, single, sent_nonce, rules)
        status = single.certificate_status
        if status is ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason
            raise CertificateRevoked(
                single.serial_number,
                revocation_time=single.revocation_time_utc,
                reason=reason.name if reason is not None else None,
            )
        if status is not ocsp.OCSPCertStatus.GOOD:
            raise CertificateRevoked(single.serial_number, unknown=True)
        return OcspResult(
            serial_number=single.serial_number,
            url=url,
            this_update=single.this_update_utc,
            next_update=single.next_update_utc,
            produced_at=response.produced_at_utc,
            responder=responder.subject.rfc4514_string(),
            nonce_checked=nonce_checked,
        )
    except RevocationError:
        raise
    except X509_PARSE_ERRORS as exc:
        raise OcspResponseInvalid(f"unusable OCSP response: {exc}") from exc


def _check_nonce(
    response: ocsp.OCSPResponse, single: ocsp.OCSPSingleResponse, sent: bytes, rules: ResponseRules
) -> bool:
    """True when the sent nonce came back; raise for a wrong one, or for a missing one that is not allowed."""
    try:
        echoed: bytes | None = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = None
    if echoed is not None:
        if echoed != sent:
            raise OcspNonceMismatch("the response nonce differs from the request's (possible replay)")
        return True
    if sent and rules.nonce.require:
        raise OcspNonceMismatch("the response carries no nonce (possible replay)")
    # No nonce to rely on: only a freshly produced answer is accepted.
    oldest = rules.at - rules.skew - rules.nonce.max_age
    produced = response.produced_at_utc
    if produced > rules.at + rules.skew:
        raise OcspResponseStale(f"producedAt {produced.isoformat()} is in the future")
    for name, moment in (("producedAt", produced), ("thisUpdate", single.this_update_utc)):
        if moment < oldest:
            raise OcspResponseStale(f"{name} {moment.isoformat()} is too old for an answer without a nonce")
    return False
