"""The one revocation policy object: OCSP for the leaf, CRL for the intermediates, fail closed.

This is the eID Viewer / Web eID practice (``shared/spec/auth-protocol.md`` §3.5, §7.2 step 6):
the leaf is checked online by OCSP (hard fail), each intermediate between the leaf and the trust
anchor by its issuer's CRL (cached until nextUpdate). The anchor itself is not checked: removing
it from the trust store is how a compromised anchor is revoked.

:class:`RevocationChecker` holds everything such a check depends on: the host allowlists (Belgian
eID hosts by default), how responder and CRL URLs are found (the certificate's AIA / CDP, or a
configured override), the per-fetch timeout and the total deadline of one check, the body caps,
the GOOD-answer and CRL caches, the nonce policy per host and the response time window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives import hashes, serialization

from eidlib.x509.certificate import CardCertificate, CertificateInput, as_utc, load_x509_certificate, parse_certificate
from eidlib.x509.chain import ValidatedChain
from eidlib.x509.crl import CrlCache, CrlResult, crl_status, load_crl, verify_crl
from eidlib.x509.errors import (
    CrlNoDistributionPoint,
    CrlUnavailable,
    CrlUrlNotAllowed,
    OcspNoResponder,
    OcspUnavailable,
    OcspUrlNotAllowed,
    RevocationError,
)
from eidlib.x509.fetch import (
    BELGIAN_CRL_HOSTS,
    BELGIAN_OCSP_HOSTS,
    Deadline,
    DeadlineHttpClient,
    FetchError,
    HttpClient,
    HttpResponse,
    url_host,
    url_host_allowed,
)
from eidlib.x509.ocsp import (
    DEFAULT_GOOD_TTL,
    DEFAULT_MAX_AGE,
    DEFAULT_NONCE_POLICY,
    DEFAULT_SKEW,
    NoncePolicy,
    OcspCache,
    OcspResult,
    ResponseRules,
    build_request,
    cache_key,
    check_issued_by,
    evaluate_response,
)

#: Seconds one OCSP request or CRL download may take, all included.
DEFAULT_FETCH_TIMEOUT = 5.0
#: Seconds one whole check (:meth:`RevocationChecker.check_chain`: OCSP and every CRL) may take.
DEFAULT_DEADLINE = 10.0
MAX_OCSP_RESPONSE = 1024 * 1024
MAX_CRL = 64 * 1024 * 1024


@dataclass(frozen=True)
class RevocationReport:
    """What was checked: the leaf's OCSP answer and one CRL result per intermediate."""

    leaf: OcspResult
    intermediates: tuple[CrlResult, ...]


class RevocationChecker:
    """Revocation policy: who may be asked, how long, what answers count, what is remembered.

    ``ocsp_hosts`` / ``crl_hosts`` are the allowlists (default: the Belgian eID hosts); the URL is
    taken from the certificate's AIA OCSP entry / CRL distribution point unless ``ocsp_url`` /
    ``crl_url`` overrides it, and must be on the list either way. ``timeout`` bounds one fetch
    (connect + every read), ``deadline`` one :meth:`check_leaf` / :meth:`check_chain` call; a check
    past either fails closed. ``good_cache_ttl`` is how long a GOOD OCSP answer is reused, in
    seconds (default 60, 0 disables it); verified CRLs are kept until their nextUpdate
    (``cache_crls=False`` disables that). ``nonce`` is the default :class:`NoncePolicy`,
    ``nonce_by_host`` overrides it per responder host. ``skew`` and ``max_age`` bound thisUpdate to
    ``[now - skew - max_age, now + skew]``. ``cert_id_hash`` is the CertID hash (SHA-1 as Web eID;
    eID Viewer uses SHA-256). ``designated_responder`` pins the responder certificate (Web eID's
    "designated OCSP service"). ``check_intermediates=False`` skips the CRLs. ``http`` replaces
    the socket client (tests, proxies); it gets the remaining budget as ``timeout``.
    Thread-safe: the caches are.
    """

    def __init__(
        self,
        *,
        ocsp_hosts: Collection[str] = BELGIAN_OCSP_HOSTS,
        crl_hosts: Collection[str] = BELGIAN_CRL_HOSTS,
        ocsp_url: str | None = None,
        crl_url: str | None = None,
        timeout: float = DEFAULT_FETCH_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        good_cache_ttl: float = DEFAULT_GOOD_TTL,
        cache_crls: bool = True,
        nonce: NoncePolicy = DEFAULT_NONCE_POLICY,
        nonce_by_host: Mapping[str, NoncePolicy] | None = None,
        skew: dt.timedelta = DEFAULT_SKEW,
        max_age: dt.timedelta = DEFAULT_MAX_AGE,
        cert_id_hash: hashes.HashAlgorithm | None = None,
        designated_responder: CertificateInput | None = None,
        check_intermediates: bool = True,
        http: HttpClient | None = None,
    ) -> None:
        if timeout <= 0 or deadline <= 0:
            raise ValueError("timeout and deadline must be positive")
        self.ocsp_hosts = frozenset(h.lower() for h in ocsp_hosts)
        self.crl_hosts = frozenset(h.lower() for h in crl_hosts)
        self.ocsp_url = ocsp_url
        self.crl_url = crl_url
        self.timeout = timeout
        self.deadline = deadline
        self.nonce = nonce
        self.nonce_by_host = {h.lower(): p for h, p in (nonce_by_host or {}).items()}
        self.skew = skew
        self.max_age = max_age
        self.cert_id_hash = cert_id_hash or hashes.SHA1()
        self.designated_responder = (
            load_x509_certificate(designated_responder) if designated_responder is not None else None
        )
        self.check_intermediates = check_intermediates
        #: GOOD OCSP answers (see :class:`OcspCache`); ``clear()`` it to forget them.
        self.ocsp_cache = OcspCache(good_cache_ttl)
        #: Verified CRLs, or ``None`` when CRLs are not cached.
        self.crl_cache: CrlCache | None = CrlCache() if cache_crls else None
        self._http_ocsp = http or DeadlineHttpClient(max_body=MAX_OCSP_RESPONSE)
        self._http_crl = http or DeadlineHttpClient(max_body=MAX_CRL)

    # --- public checks -----------------------------------------------------------------------

    def check_leaf(
        self, cert: CertificateInput, issuer: CertificateInput, *, now: dt.datetime | None = None
    ) -> OcspResult:
        """Ask the OCSP responder about ``cert`` (issued by ``issuer``); return only for GOOD.

        Raises :class:`~eidlib.x509.errors.CertificateRevoked` (also for UNKNOWN) or another
        :class:`~eidlib.x509.errors.OcspError`.
        """
        return self._ocsp(parse_certificate(cert), parse_certificate(issuer), _at(now), Deadline(self.deadline))

    def check_intermediate(
        self, cert: CertificateInput, issuer: CertificateInput, *, now: dt.datetime | None = None
    ) -> CrlResult:
        """Check ``cert`` against ``issuer``'s CRL; return only when it is not listed.

        Raises :class:`~eidlib.x509.errors.CertificateRevoked` or a
        :class:`~eidlib.x509.errors.CrlError`.
        """
        return self._crl(parse_certificate(cert), parse_certificate(issuer), _at(now), Deadline(self.deadline))

    def check_chain(self, chain: ValidatedChain, *, now: dt.datetime | None = None) -> RevocationReport:
        """OCSP for ``chain.leaf``, CRL for every intermediate (unless switched off), within one deadline.

        ``now`` defaults to the chain's validation time. Raises a
        :class:`~eidlib.x509.errors.RevocationError` on any failure.
        """
        if len(chain.chain) < 2:
            raise ValueError("the chain has no issuer: a trust anchor cannot be checked for revocation")
        at = as_utc(now) if now is not None else chain.validated_at
        budget = Deadline(self.deadline)
        leaf = self._ocsp(chain.leaf, chain.issuer, at, budget)
        crls: list[CrlResult] = []
        if self.check_intermediates:
            # chain = (leaf, intermediate..., anchor): each intermediate is checked against its issuer.
            for position in range(1, len(chain.chain) - 1):
                crls.append(self._crl(chain.chain[position], chain.chain[position + 1], at, budget))
        return RevocationReport(leaf=leaf, intermediates=tuple(crls))

    def nonce_policy(self, url: str) -> NoncePolicy:
        """The nonce policy for the responder at ``url`` (per host, else the default)."""
        return self.nonce_by_host.get(url_host(url), self.nonce)

    # --- OCSP --------------------------------------------------------------------------------

    def _ocsp(self, leaf: CardCertificate, issuer: CardCertificate, at: dt.datetime, budget: Deadline) -> OcspResult:
        key = cache_key(leaf, issuer)
        # Entries are only stored after the issuer check below, and are bound to the leaf's bytes.
        cached = self.ocsp_cache.get(key, at)
        if cached is not None:
            return _from_cache(cached)
        check_issued_by(leaf.certificate, issuer.certificate)
        url = self._pick(self.ocsp_url, leaf.ocsp_urls, OcspNoResponder,
                         f"certificate {leaf.subject!r} names no OCSP responder")
        if not url_host_allowed(url, self.ocsp_hosts):
            raise OcspUrlNotAllowed(f"OCSP responder {url!r} is not in the allowed hosts")
        policy = self.nonce_policy(url)
        request, sent = build_request(leaf.certificate, issuer.certificate, hash_algorithm=self.cert_id_hash,
                                      nonce=policy.send)
        answer = self._fetch(
            self._http_ocsp, "POST", url, budget, OcspUnavailable,
            body=request.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
        )
        rules = ResponseRules(at=at, skew=self.skew, max_age=self.max_age, nonce=policy,
                              designated=self.designated_responder)
        result = evaluate_response(answer.body, request, sent, issuer.certificate, url, rules)
        self.ocsp_cache.put(key, result)
        return result

    # --- CRL ---------------------------------------------------------------------------------

    def _crl(self, cert: CardCertificate, issuer: CardCertificate, at: dt.datetime, budget: Deadline) -> CrlResult:
        url = self._pick(self.crl_url, cert.crl_urls, CrlNoDistributionPoint,
                         f"certificate {cert.subject!r} names no HTTP CRL distribution point")
        if not url_host_allowed(url, self.crl_hosts):
            raise CrlUrlNotAllowed(f"CRL URL {url!r} is not in the allowed hosts")
        cache = self.crl_cache
        crl = cache.get(url, issuer.certificate, at) if cache is not None else None
        from_cache = crl is not None
        if crl is None:
            answer = self._fetch(self._http_crl, "GET", url, budget, CrlUnavailable)
            crl = load_crl(answer.body)
            verify_crl(crl, issuer, at, self.skew)
            if cache is not None:
                cache.put(url, issuer.certificate, crl)
        return crl_status(crl, cert, url, from_cache=from_cache)

    # --- shared ------------------------------------------------------------------------------

    @staticmethod
    def _pick(
        override: str | None, urls: tuple[str, ...], missing: type[RevocationError], message: str
    ) -> str:
        if override is not None:
            return override
        for url in urls:
            if url.lower().startswith(("http://", "https://")):
                return url
        raise missing(message)

    def _fetch(
        self,
        client: HttpClient,
        method: str,
        url: str,
        budget: Deadline,
        unavailable: type[RevocationError],
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        allowed = min(self.timeout, budget.remaining())
        if allowed <= 0:
            raise unavailable(f"{url}: timed out (the check's {self.deadline} s deadline has passed)")
        try:
            answer = client.request(method, url, body=body, headers=headers, timeout=allowed)
        except FetchError as exc:
            note = " (timed out)" if exc.timed_out and "timed out" not in str(exc) else ""
            raise unavailable(f"{url}: {exc}{note}") from exc
        if answer.status != 200:
            raise unavailable(f"{url} answered HTTP {answer.status}")
        return answer


def _at(now: dt.datetime | None) -> dt.datetime:
    return as_utc(now) if now is not None else dt.datetime.now(dt.timezone.utc)


def _from_cache(result: OcspResult) -> OcspResult:
    return replace(result, from_cache=True)
