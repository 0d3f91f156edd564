"""Server side: validate a Web eID token against the configured origin and the stored nonce.

The order follows auth-protocol spec §7.2, cheapest check first: parse, certificate purpose and
policies, algorithm ↔ key, signature, validity, chain, then the (network) OCSP check. Every failure
is one :class:`~eidlib.auth.errors.AuthError` subclass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID

from eidlib.auth import errors
from eidlib.auth.algorithms import get_algorithm, signed_message, verify_signature
from eidlib.auth.challenge import DEFAULT_NONCE_TTL, ChallengeStore, MemoryChallengeStore
from eidlib.auth.origin import normalize_origin
from eidlib.auth.token import MAX_TOKEN_LENGTH_WITH_INTERMEDIATES, AuthToken
from eidlib.auth.user import AuthenticatedUser
from eidlib.errors import EidError
from eidlib.x509 import errors as trust_errors
from eidlib.x509.chain import validate_chain
from eidlib.x509.crl import CrlCache, check_crl
from eidlib.x509.ocsp import OcspCache, check_ocsp
from eidlib.x509.truststore import TrustStore

#: Policy OIDs never accepted for login: Belgian non-repudiation and RRN policies of every root
#: generation (spec §3.4) and the Estonian Mobile-ID policies Web eID denies by default.
DEFAULT_DISALLOWED_POLICIES: frozenset[str] = frozenset(
    [f"2.16.56.{g}.1.1.{k}" for g in (1, 9, 10, 12) for k in ("2.1", "7.1", "4")]
    + ["1.3.6.1.4.1.10015.1.3", "1.3.6.1.4.1.10015.1.3.1", "1.3.6.1.4.1.10015.1.3.2", "1.3.6.1.4.1.10015.1.3.3"]
)

#: Belgian citizen and foreigner authentication policies (spec §3.4), for ``allowed_policies``.
BELGIAN_AUTH_POLICIES: frozenset[str] = frozenset(
    f"2.16.56.{g}.1.1.{k}" for g in (1, 9, 10, 12) for k in ("2.2", "7.2")
)

Now = dt.datetime | Callable[[], dt.datetime] | None


class OcspChecker(Protocol):
    """Revocation check of ``leaf`` issued by ``issuer``; raises on anything but GOOD.

    The default is :func:`eidlib.x509.check_ocsp`; pass a ``functools.partial`` of it to set the
    responder URL, host allowlist, HTTP client or cache.
    """

    def __call__(self, leaf: x509.Certificate, issuer: x509.Certificate, *, now: dt.datetime) -> object: ...


class CrlChecker(Protocol):
    """Revocation check of an intermediate ``cert`` issued by ``issuer``; raises unless not revoked.

    The default is :func:`eidlib.x509.check_crl`; pass a ``functools.partial`` of it to set the URL,
    host allowlist, HTTP client or cache.
    """

    def __call__(self, cert: x509.Certificate, issuer: x509.Certificate, *, now: dt.datetime) -> object: ...


class AuthTokenValidator:
    """Validates Web eID tokens for one site.

    ``origin`` is this site's own origin (``https://host[:port]``), never one taken from a request.
    ``trusted_certificates`` are the anchors: a :class:`~eidlib.x509.truststore.TrustStore` or
    DER/PEM bytes / ``cryptography`` certificates. Web eID recommends the issuing CAs rather than
    roots (a compromised CA can then be dropped alone). OCSP is on by default and fails closed;
    ``ocsp`` replaces the default :func:`eidlib.x509.check_ocsp` call for the user certificate.
    When the path runs through intermediates that are not anchors themselves (roots configured as
    anchors, intermediates from a 1.1 token), each of them is checked with ``crl`` (default
    :func:`eidlib.x509.check_crl`), also failing closed. ``now`` fixes the clock (a
    datetime or a callable). ``allowed_policies`` (e.g. :data:`BELGIAN_AUTH_POLICIES`) requires one
    of those policy OIDs; ``disallowed_policies`` refuses any of those. ``challenge_store`` (default:
    in memory with ``nonce_ttl``) backs :meth:`issue_challenge` and :meth:`validate_session`.
    Validated paths are remembered (``chain_cache_size`` entries, 0 to disable) and reused only while
    the validation time lies inside every certificate's validity; revocation is checked every time.
    """

    def __init__(
        self,
        origin: str,
        trusted_certificates: TrustStore | Iterable[bytes | x509.Certificate],
        *,
        check_revocation: bool = True,
        ocsp: OcspChecker | None = None,
        crl: CrlChecker | None = None,
        now: Now = None,
        allowed_policies: Iterable[str] | None = None,
        disallowed_policies: Iterable[str] = DEFAULT_DISALLOWED_POLICIES,
        nonce_ttl: float = DEFAULT_NONCE_TTL,
        challenge_store: ChallengeStore | None = None,
        allow_http_localhost: bool = False,
        chain_cache_size: int = 1024,
    ) -> None:
        self.origin = normalize_origin(origin, allow_http_localhost=allow_http_localhost)
        if origin != self.origin:
            raise errors.InvalidOrigin(f"configure the origin in canonical form: {self.origin}")
        if isinstance(trusted_certificates, TrustStore):
            self._trust = trusted_certificates
        else:
            self._trust = TrustStore(_load_anchor(c) for c in trusted_certificates)
        if not len(self._trust):
            raise ValueError("at least one trusted certificate is required")
        self._check_revocation = check_revocation
        # By default answers are cached per validator: GOOD OCSP results briefly (OcspCache), CRLs until
        # their nextUpdate, so a login does not cost an OCSP request and a CRL download every time.
        self._ocsp: OcspChecker = ocsp if ocsp is not None else partial(check_ocsp, cache=OcspCache())
        self._crl: CrlChecker = crl if crl is not None else partial(check_crl, cache=CrlCache())
        self._now = now
        self._allowed = frozenset(allowed_policies) if allowed_policies is not None else None
        self._disallowed = frozenset(disallowed_policies)
        self.challenges: ChallengeStore = (
            challenge_store if challenge_store is not None else MemoryChallengeStore(ttl=nonce_ttl)
        )
        self._chains = _ChainCache(chain_cache_size)

    # --- session helpers -------------------------------------------------------------------------

    def issue_challenge(self, session_id: str) -> str:
        """A fresh nonce for ``session_id`` from the challenge store."""
        return self.challenges.issue(session_id)

    def validate_session(self, token: str | bytes | dict[str, Any], session_id: str) -> AuthenticatedUser:
        """Take the session's nonce out of the store (single use, even on failure), then :meth:`validate`."""
        nonce = self.challenges.consume(session_id)
        return self.validate(token, nonce)

    # --- the validation sequence -----------------------------------------------------------------

    def validate(self, token: str | bytes | dict[str, Any], challenge: str) -> AuthenticatedUser:
        """Validate ``token`` against the configured origin and ``challenge`` (the nonce *this*
        server stored); return the user or raise an :class:`~eidlib.auth.errors.AuthError`."""
        if not isinstance(challenge, str) or not challenge:
            raise errors.ChallengeMissing("challenge nonce is empty")
        parsed = self._parse(token)
        leaf = _load_certificate(parsed.unverified_certificate, "user certificate")
        _check_purpose(leaf)
        self._check_policies(leaf)
        algorithm = get_algorithm(parsed.algorithm)
        message = signed_message(self.origin, challenge, algorithm)
        verify_signature(algorithm, _public_key(leaf), parsed.signature, message)
        now = self._time()
        _check_validity(leaf, now)
        intermediates = [
            _load_certificate(c, "intermediate certificate") for c in parsed.unverified_intermediate_certificates
        ]
        key = _chain_key(parsed)
        chain = self._chains.get(key, now)
        if chain is None:
            chain = self._check_chain(leaf, intermediates, now)
            self._chains.put(key, chain)
        if self._check_revocation:
            self._check_ocsp(leaf, chain[1], now)
            for index in range(1, len(chain) - 1):  # intermediates below the anchor
                self._check_crl(chain[index], chain[index + 1], now)
        return AuthenticatedUser.from_certificate(leaf, algorithm=algorithm.name, validated_at=now)

    def _parse(self, token: str | bytes | dict[str, Any]) -> AuthToken:
        if isinstance(token, dict):
            try:
                size = len(json.dumps(token))
            except (TypeError, ValueError, RecursionError) as exc:
                raise errors.TokenParseError("token object is not JSON-serialisable") from exc
            if size > MAX_TOKEN_LENGTH_WITH_INTERMEDIATES:
                raise errors.TokenParseError("token is too long")
            return AuthToken.from_dict(token)
        if isinstance(token, bytes) and len(token) > 4 * MAX_TOKEN_LENGTH_WITH_INTERMEDIATES:
            raise errors.TokenParseError("token is too long")
        return AuthToken.from_json(token)

    def _time(self) -> dt.datetime:
        if self._now is None:
            return dt.datetime.now(dt.timezone.utc)
        value = self._now() if callable(self._now) else self._now
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)

    def _check_policies(self, leaf: x509.Certificate) -> None:
        try:
            ext = leaf.extensions.get_extension_for_class(x509.CertificatePolicies)
            oids = {p.policy_identifier.dotted_string for p in ext.value}
        except x509.ExtensionNotFound:
            oids = set()
        except ValueError as exc:
            raise errors.CertificateDecodeError("user certificate has malformed policies") from exc
        denied = oids & self._disallowed
        if denied:
            raise errors.DisallowedPolicy(f"user certificate has a disallowed policy: {sorted(denied)[0]}")
        if self._allowed is not None and not oids & self._allowed:
            raise errors.DisallowedPolicy("user certificate has none of the required policies")

    def _check_chain(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], now: dt.datetime
    ) -> list[x509.Certificate]:
        """The validated path, leaf first and anchor last."""
        try:
            chain = validate_chain(leaf, tuple(intermediates), trust=self._trust, now=now, purpose="authentication")
        except trust_errors.CertificateExpired as exc:
            raise errors.CertificateExpired(str(exc)) from exc
        except trust_errors.CertificateNotYetValid as exc:
            raise errors.CertificateNotYetValid(str(exc)) from exc
        except trust_errors.WrongCertificatePurpose as exc:
            raise errors.WrongPurpose(str(exc)) from exc
        except EidError as exc:
            raise errors.CertificateNotTrusted(f"certificate chain does not validate: {exc}") from exc
        if len(chain.chain) < 2:
            raise errors.CertificateNotTrusted("the user certificate itself cannot be a trust anchor")
        return [c.certificate for c in chain.chain]

    def _check_ocsp(self, leaf: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> None:
        try:
            self._ocsp(leaf, issuer, now=now)
        except trust_errors.CertificateRevoked as exc:
            reason = "unknown" if exc.unknown else exc.reason
            raise errors.CertificateRevoked(str(exc), reason) from exc
        except trust_errors.OcspResponderNotAuthorized as exc:
            raise errors.OcspResponderError(str(exc)) from exc
        except EidError as exc:
            raise errors.RevocationCheckFailed(f"revocation check failed: {exc}") from exc

    def _check_crl(self, cert: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> None:
        try:
            self._crl(cert, issuer, now=now)
        except trust_errors.CertificateRevoked as exc:
            raise errors.CertificateRevoked(f"intermediate certificate revoked: {exc}", exc.reason) from exc
        except EidError as exc:
            raise errors.RevocationCheckFailed(f"intermediate revocation check failed: {exc}") from exc


def _chain_key(token: AuthToken) -> bytes:
    digest = hashlib.sha256(token.unverified_certificate)
    for cert in token.unverified_intermediate_certificates:
        digest.update(len(cert).to_bytes(4, "big") + cert)
    return digest.digest()


class _ChainCache:
    """Positive chain-validation results, bounded (LRU) and thread-safe.

    A path validated for one instant stays valid for any instant inside the validity of all its
    certificates (the anchors are fixed per validator); outside that window the entry is ignored.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, list[x509.Certificate]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, now: dt.datetime) -> list[x509.Certificate] | None:
        if self._size <= 0:
            return None
        with self._lock:
            chain = self._entries.get(key)
            if chain is None:
                return None
            self._entries.move_to_end(key)
        if all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in chain):
            return chain
        return None

    def put(self, key: bytes, chain: list[x509.Certificate]) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._entries[key] = chain
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _load_anchor(cert: bytes | x509.Certificate) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    try:
        if cert.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(cert)
        return x509.load_der_x509_certificate(cert)
    except ValueError as exc:
        raise ValueError("a trusted certificate is not a DER or PEM X.509 certificate") from exc


def _load_certificate(der: bytes, what: str) -> x509.Certificate:
    try:
        with warnings.catch_warnings():
            # cryptography only warns about a non-positive serial number (RFC 5280 forbids it): refuse it.
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            cert = x509.load_der_x509_certificate(der)
            cert.extensions  # noqa: B018 - parse the extensions now so malformed ones fail here
    except (ValueError, CryptographyDeprecationWarning) as exc:
        raise errors.CertificateDecodeError(f"{what} is not a valid DER X.509 certificate") from exc
    return cert


def _public_key(cert: x509.Certificate) -> object:
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise errors.CertificateDecodeError("user certificate has an invalid or unsupported public key") from exc


def _check_purpose(cert: x509.Certificate) -> None:
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise errors.MissingKeyUsage("user certificate has no key usage") from exc
    if not key_usage.digital_signature:
        raise errors.WrongPurpose("user certificate key usage lacks digitalSignature")
    if key_usage.content_commitment:
        raise errors.WrongPurpose("user certificate is a non-repudiation (signing) certificate")
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise errors.WrongPurpose("user certificate extended key usage lacks clientAuth")


def _check_validity(cert: x509.Certificate, now: dt.datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise errors.CertificateNotYetValid(
            f"user certificate is not valid before {cert.not_valid_before_utc.isoformat()}"
        )
    if now > cert.not_valid_after_utc:
        raise errors.CertificateExpired(f"user certificate expired on {cert.not_valid_after_utc.isoformat()}")
