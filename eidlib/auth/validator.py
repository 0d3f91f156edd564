"""Server side: who logged in, from a Web eID token or from a TLS client-certificate chain.

:func:`validate_authentication_certificate` is the certificate core both paths share: the leaf is
parsed once, its purpose and dates are checked by the trust layer's rules
(:mod:`eidlib.x509.purpose`), its policies against the :class:`ValidationPolicy`, the path is built to
an anchor and the revocation policy object (:class:`~eidlib.x509.RevocationChecker`) checks it.
:class:`AuthTokenValidator` adds the token: size, format, algorithm and the signature over the
configured origin and the stored nonce. The order follows auth-protocol spec §7.2, cheapest check
first. ``validate()`` is pure (it never touches a challenge store); issuing and consuming
challenges is :class:`eidlib.auth.challenge.ChallengeFlow`'s job. Every failure is one
:class:`~eidlib.auth.errors.AuthError`; certificate failures are also the trust layer's errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from eidlib.auth import errors
from eidlib.auth.algorithms import get_algorithm, signed_message, verify_signature
from eidlib.auth.challenge import ChallengeFlow, ChallengeStore
from eidlib.auth.origin import normalize_origin
from eidlib.auth.signing_certificates import check_signing_certificates
from eidlib.auth.token import MAX_TOKEN_LENGTH, MAX_TOKEN_LENGTH_WITH_INTERMEDIATES, AuthToken
from eidlib.auth.user import AuthenticatedUser
from eidlib.carddata.certificate import load_der_certificate
from eidlib.errors import EidError
from eidlib.x509 import errors as x509_errors
from eidlib.x509.certificate import CardCertificate, as_utc, parse_certificate
from eidlib.x509.chain import ValidatedChain, validate_chain
from eidlib.x509.purpose import check_purpose, check_validity
from eidlib.x509.revocation import RevocationChecker
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

#: A fixed validation time, a clock returning one, or ``None`` for the current time.
Now = dt.datetime | Callable[[], dt.datetime] | None
#: Trust anchors: a store, or DER/PEM bytes / ``cryptography`` certificates.
TrustAnchors = TrustStore | Iterable[bytes | x509.Certificate]
#: One certificate of a chain handed to :func:`validate_authentication_certificate`.
ChainItem = bytes | bytearray | memoryview | x509.Certificate | CardCertificate


class Revocation(Protocol):
    """What the validator needs from a revocation policy: :class:`~eidlib.x509.RevocationChecker`."""

    def check_chain(self, chain: ValidatedChain, *, now: dt.datetime | None = None) -> object: ...


@dataclass(frozen=True, kw_only=True)
class ValidationPolicy:
    """What a login must satisfy, for Web eID tokens and TLS client certificates alike.

    ``trust``: the anchors (Web eID recommends the issuing CAs rather than roots, so a compromised
    CA can be dropped alone). ``origin``: this site's own origin (``https://host[:port]``, never one
    taken from a request), needed for tokens only. ``revocation``: the
    :class:`~eidlib.x509.RevocationChecker` (OCSP for the leaf, CRL for intermediates below the
    anchor, fail closed; the default checks against the Belgian hosts) or ``None`` to skip
    revocation. ``now``: fixed validation time or clock (default: current time).
    ``allowed_policies`` (e.g. :data:`BELGIAN_AUTH_POLICIES`) requires one of those policy OIDs;
    ``disallowed_policies`` refuses any of those. ``chain_cache_size``: validated paths remembered
    by a token validator (0 disables; revocation is checked every time).
    """

    trust: TrustStore
    origin: str | None = None
    revocation: Revocation | None = field(default_factory=RevocationChecker)
    now: Now = None
    allowed_policies: frozenset[str] | None = None
    disallowed_policies: frozenset[str] = DEFAULT_DISALLOWED_POLICIES
    allow_http_localhost: bool = False
    chain_cache_size: int = 1024

    def __post_init__(self) -> None:
        if not len(self.trust):
            raise ValueError("at least one trusted certificate is required")
        if self.origin is not None:
            canonical = normalize_origin(self.origin, allow_http_localhost=self.allow_http_localhost)
            if canonical != self.origin:
                raise errors.InvalidOrigin(f"configure the origin in canonical form: {canonical}")

    @classmethod
    def create(cls, trusted_certificates: TrustAnchors, **options: Any) -> ValidationPolicy:
        """A policy from anchors given as a store or as certificates (bytes or ``cryptography``)."""
        trust = trusted_certificates if isinstance(trusted_certificates, TrustStore) else TrustStore(
            trusted_certificates
        )
        return cls(trust=trust, **options)

    def time(self) -> dt.datetime:
        """The validation time (aware UTC)."""
        if self.now is None:
            return dt.datetime.now(dt.timezone.utc)
        return as_utc(self.now() if callable(self.now) else self.now)


def validate_authentication_certificate(
    chain: Sequence[ChainItem], *, policy: ValidationPolicy, algorithm: str = ""
) -> AuthenticatedUser:
    """The user whose authentication certificate ``chain[0]`` is; ``chain[1:]`` are untrusted intermediates.

    The certificate core of every login (Web eID token or TLS client certificate): purpose and key
    usage, policies, dates, a path to ``policy.trust``, then revocation. ``algorithm`` is recorded
    in the result (the token's JWA name, or what the TLS layer negotiated). Raises an
    :class:`~eidlib.auth.errors.AuthError` that is also the trust layer's
    :class:`~eidlib.x509.errors.CertificateError`.
    """
    try:
        if not chain:
            raise errors.CertificateDecodeError("no user certificate")
        leaf = _parse(chain[0], "user certificate")
        check_login_certificate(leaf, policy)
        intermediates = [_parse(c, "intermediate certificate") for c in chain[1:]]
        at = policy.time()
        return _trusted_user(_validated_chain(leaf, intermediates, policy, at), policy, at, algorithm)
    except x509_errors.CertificateError as exc:
        raise errors.as_auth_error(exc) from exc


def check_login_certificate(leaf: CardCertificate, policy: ValidationPolicy) -> None:
    """The checks that need no chain: authentication purpose (x509 rules) and the policy OIDs."""
    try:
        check_purpose(leaf, "authentication")
    except x509_errors.CertificateError as exc:
        raise errors.as_auth_error(exc) from exc
    oids = set(leaf.policy_oids)
    denied = oids & policy.disallowed_policies
    if denied:
        raise errors.DisallowedPolicy(f"user certificate has a disallowed policy: {sorted(denied)[0]}")
    if policy.allowed_policies is not None and not oids & policy.allowed_policies:
        raise errors.DisallowedPolicy("user certificate has none of the required policies")


class AuthTokenValidator:
    """Validates Web eID tokens for one site.

    Either ``AuthTokenValidator(origin, trusted_certificates)`` — anchors as a
    :class:`~eidlib.x509.TrustStore` or DER/PEM bytes / ``cryptography`` certificates, OCSP + CRL
    against the Belgian hosts, ``check_revocation=False`` to skip them, ``now`` to fix the clock,
    ``allow_http_localhost`` for development origins — or ``AuthTokenValidator(policy=...)`` with a
    full :class:`ValidationPolicy`. ``challenge_store`` backs :meth:`issue_challenge` /
    :meth:`validate_session` (:class:`~eidlib.auth.challenge.ChallengeFlow`; default in memory).
    """

    def __init__(
        self,
        origin: str | None = None,
        trusted_certificates: TrustAnchors | None = None,
        *,
        policy: ValidationPolicy | None = None,
        check_revocation: bool = True,
        now: Now = None,
        allow_http_localhost: bool = False,
        challenge_store: ChallengeStore | None = None,
    ) -> None:
        if policy is None:
            if origin is None or trusted_certificates is None:
                raise ValueError("give an origin and trusted certificates, or a policy")
            policy = ValidationPolicy.create(
                trusted_certificates,
                origin=origin,
                revocation=RevocationChecker() if check_revocation else None,
                now=now,
                allow_http_localhost=allow_http_localhost,
            )
        elif origin is not None or trusted_certificates is not None:
            raise ValueError("give either origin and trusted certificates, or a policy, not both")
        if policy.origin is None:
            raise errors.InvalidOrigin("a token validator needs the site's origin in its policy")
        self.policy = policy
        self.origin: str = policy.origin
        self._chains = _ChainCache(policy.chain_cache_size)
        self.flow = ChallengeFlow(self, challenge_store)

    @property
    def challenges(self) -> ChallengeStore:
        """The challenge store behind :meth:`issue_challenge` / :meth:`validate_session`."""
        return self.flow.store

    def issue_challenge(self, session_id: str) -> str:
        """A fresh nonce for ``session_id`` (:meth:`ChallengeFlow.authenticate_begin`)."""
        return self.flow.authenticate_begin(session_id).nonce

    def validate_session(self, token: str | bytes | dict[str, Any], session_id: str) -> AuthenticatedUser:
        """Take the session's nonce out of the store (single use, even on failure), then :meth:`validate`."""
        return self.flow.authenticate_complete(session_id, token)

    def validate(self, token: str | bytes | dict[str, Any], challenge: str) -> AuthenticatedUser:
        """Validate ``token`` against the configured origin and ``challenge`` (the nonce *this*
        server stored); return the user or raise an :class:`~eidlib.auth.errors.AuthError`."""
        if not isinstance(challenge, str) or not challenge:
            raise errors.ChallengeMissing("challenge nonce is empty")
        parsed = _parse_token(token)
        try:
            at = self.policy.time()
            key = _chain_key(parsed)
            # A path validated before for these exact certificate bytes already holds the parsed leaf.
            known = self._chains.get(key, at)
            leaf = known.leaf if known is not None else _parse(parsed.unverified_certificate, "user certificate")
            check_login_certificate(leaf, self.policy)
            algorithm = get_algorithm(parsed.algorithm)
            message = signed_message(self.origin, challenge, algorithm)
            verify_signature(algorithm, _public_key(leaf), parsed.signature, message)
            if known is None:
                extra = parsed.unverified_intermediate_certificates
                intermediates = [_parse(c, "intermediate certificate") for c in extra]
                known = _validated_chain(leaf, intermediates, self.policy, at)
                self._chains.put(key, known)
            user = _trusted_user(known, self.policy, at, algorithm.name)
            if parsed.unverified_signing_certificates:
                check_signing_certificates(
                    parsed.unverified_signing_certificates, leaf.certificate, trust=self.policy.trust, now=at,
                    intermediates=parsed.unverified_intermediate_certificates,
                )
            return user
        except x509_errors.CertificateError as exc:
            raise errors.as_auth_error(exc) from exc


def _validated_chain(
    leaf: CardCertificate, intermediates: list[CardCertificate], policy: ValidationPolicy, at: dt.datetime
) -> ValidatedChain:
    """The path from ``leaf`` to one of the policy's anchors (purpose "authentication")."""
    check_validity(leaf, at)
    try:
        chain = validate_chain(leaf, intermediates, trust=policy.trust, now=at, purpose="authentication")
    except x509_errors.ChainError:
        raise
    except x509_errors.CertificateError as exc:
        raise errors.CertificateNotTrusted(f"certificate chain does not validate: {exc}") from exc
    if len(chain.chain) < 2:
        raise errors.CertificateNotTrusted("the user certificate itself cannot be a trust anchor")
    return chain


def _trusted_user(
    chain: ValidatedChain, policy: ValidationPolicy, at: dt.datetime, algorithm: str
) -> AuthenticatedUser:
    """Dates, then revocation (every time, never cached here), then the user."""
    check_validity(chain.leaf, at)
    if policy.revocation is not None:
        try:
            policy.revocation.check_chain(chain, now=at)
        except x509_errors.CertificateError:
            raise
        except EidError as exc:  # a custom checker's own failure still fails closed
            raise errors.RevocationCheckFailed(f"revocation check failed: {exc}") from exc
    return AuthenticatedUser.from_certificate(chain.leaf.certificate, algorithm=algorithm, validated_at=at)


def _parse_token(token: str | bytes | dict[str, Any]) -> AuthToken:
    if isinstance(token, dict):
        # A decoded token gets the limits of its JSON text (Web eID: 10,000 characters without
        # intermediates), measured on its compact serialisation.
        try:
            size = len(json.dumps(token, separators=(",", ":")))
        except (TypeError, ValueError, RecursionError) as exc:
            raise errors.TokenParseError("token object is not JSON-serialisable") from exc
        if size > MAX_TOKEN_LENGTH_WITH_INTERMEDIATES:
            raise errors.TokenParseError("token is too long")
        parsed = AuthToken.from_dict(token)
        if size > MAX_TOKEN_LENGTH and not (
            parsed.unverified_intermediate_certificates or parsed.unverified_signing_certificates
        ):
            raise errors.TokenParseError("token is too long")
        return parsed
    if isinstance(token, bytes) and len(token) > 4 * MAX_TOKEN_LENGTH_WITH_INTERMEDIATES:
        raise errors.TokenParseError("token is too long")
    return AuthToken.from_json(token)


def _parse(item: ChainItem, what: str) -> CardCertificate:
    """The one parse of a chain certificate; outside bytes go through the strict DER loader."""
    if isinstance(item, (CardCertificate, x509.Certificate)):
        return parse_certificate(item)
    return parse_certificate(load_der_certificate(item, what=what))


def _public_key(leaf: CardCertificate) -> object:
    try:
        return leaf.certificate.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise errors.CertificateDecodeError("user certificate has an invalid or unsupported public key") from exc


def _chain_key(token: AuthToken) -> bytes:
    digest = hashlib.sha256(token.unverified_certificate)
    for cert in token.unverified_intermediate_certificates:
        digest.update(len(cert).to_bytes(4, "big") + cert)
    return digest.digest()


class _ChainCache:
    """Positive chain-validation results, bounded (LRU) and thread-safe.

    A path validated for one instant stays valid for any instant inside the validity of all its
    certificates (the anchors are fixed per policy); outside that window the entry is ignored.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, ValidatedChain] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, now: dt.datetime) -> ValidatedChain | None:
        if self._size <= 0:
            return None
        with self._lock:
            chain = self._entries.get(key)
            if chain is None:
                return None
            self._entries.move_to_end(key)
        if all(c.is_valid_at(now) for c in chain.chain):
            return chain
        return None

    def put(self, key: bytes, chain: ValidatedChain) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._entries[key] = chain
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
