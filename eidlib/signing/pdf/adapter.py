"""The one place where PDF signing touches the rest of eidlib (token kernel, x509 revocation).

Everything else in :mod:`eidlib.signing.pdf` imports these names from here, so a change in the
shapes of :mod:`eidlib.card`/:mod:`eidlib.token` or :mod:`eidlib.x509` is absorbed in this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import NotSupported, PinBlocked, PinError, PinFormatError, WrongPin
from eidlib.token.pin import PinInput, wipe
from eidlib.token.protocol import CardCertificates, HashName, KeyName, PaddingName, Token
from eidlib.x509.errors import CertificateRevoked, RevocationError
from eidlib.x509.fetch import (
    BELGIAN_CRL_HOSTS,
    BELGIAN_OCSP_HOSTS,
    DeadlineHttpClient,
    FetchError,
    HttpClient,
    HttpResponse,
)
from eidlib.x509.ocsp import NoncePolicy
from eidlib.x509.revocation import MAX_CRL, RevocationChecker
from eidlib.x509.truststore import TrustStore

__all__ = [
    "BELGIAN_CRL_HOSTS",
    "BELGIAN_OCSP_HOSTS",
    "CardCertificates",
    "CertificateRevoked",
    "FetchError",
    "HashName",
    "HttpClient",
    "KeyName",
    "NotSupported",
    "PaddingName",
    "PinBlocked",
    "PinError",
    "PinFormatError",
    "PinInput",
    "RevocationError",
    "RevocationFetcher",
    "RevocationSettings",
    "Token",
    "WrongPin",
    "default_http_client",
    "ecdsa_raw_to_der",
    "trust_roots_from",
    "wipe",
]


class _RecordingClient:
    """An :class:`HttpClient` that keeps the last answer body, so the checked response can be embedded."""

    def __init__(self, inner: HttpClient) -> None:
        self._inner = inner
        self.last: bytes | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse:
        answer = self._inner.request(method, url, body=body, headers=headers, timeout=timeout)
        self.last = answer.body if answer.status == 200 else None
        return answer


@dataclass(frozen=True)
class RevocationSettings:
    """Where revocation answers may come from (eidlib's allowlists) and how long to wait.

    ``ocsp_url`` overrides the responder named in the leaf certificate, ``crl_url`` the CRL
    distribution points (both still have to be on the allowlists); ``nonce=False`` for
    responders that do not echo nonces. The caches keep answers between signatures (an
    eidlib cache only ever holds checked answers; the raw bytes to embed are kept here too).
    """

    ocsp_hosts: Collection[str] = BELGIAN_OCSP_HOSTS
    crl_hosts: Collection[str] = BELGIAN_CRL_HOSTS
    ocsp_url: str | None = None
    crl_url: str | None = None
    nonce: bool = True
    timeout: float = 5.0
    http: HttpClient | None = None


class RevocationFetcher:
    """Fetches OCSP (leaf) and CRL (CA) answers through eidlib's :class:`RevocationChecker`, and keeps their DER.

    The checker judges each answer (signature, responder authorisation, freshness, nonce, status)
    and fails closed; only answers that passed are returned for embedding. The checker's caches
    (GOOD OCSP answers for a minute, CRLs until nextUpdate) are kept between signatures, with the
    bytes of each cached answer beside them.
    """

    def __init__(self, settings: RevocationSettings | None = None) -> None:
        self.settings = settings or RevocationSettings()
        self._recorder = _RecordingClient(self.settings.http or default_http_client(MAX_CRL))
        self.checker = RevocationChecker(
            ocsp_hosts=self.settings.ocsp_hosts, crl_hosts=self.settings.crl_hosts,
            ocsp_url=self.settings.ocsp_url, crl_url=self.settings.crl_url, timeout=self.settings.timeout,
            deadline=self.settings.timeout * 2,
            nonce=NoncePolicy() if self.settings.nonce else NoncePolicy(send=False),
            http=self._recorder,
        )
        self._ocsp_raw: dict[bytes, bytes] = {}
        self._crl_raw: dict[str, bytes] = {}

    def ocsp(self, leaf: bytes, issuer: bytes, *, now: dt.datetime | None = None) -> bytes:
        """The DER OCSPResponse saying GOOD for ``leaf``; raises a :class:`RevocationError` otherwise."""
        self._recorder.last = None
        result = self.checker.check_leaf(leaf, issuer, now=now)
        if not result.from_cache and self._recorder.last is not None:
            self._ocsp_raw[leaf] = self._recorder.last
        raw = self._ocsp_raw.get(leaf)
        if raw is None:  # cannot happen: the checker's cache is this fetcher's own; ask again if it does
            self.checker.ocsp_cache.clear()
            result = self.checker.check_leaf(leaf, issuer, now=now)
            raw = self._recorder.last
            if raw is None:
                raise RevocationError("the OCSP answer's bytes were not kept")
            self._ocsp_raw[leaf] = raw
        return raw

    def crl(self, certificate: bytes, issuer: bytes, *, now: dt.datetime | None = None) -> bytes:
        """The DER CRL of ``issuer`` not listing ``certificate``; raises a :class:`RevocationError` otherwise."""
        self._recorder.last = None
        result = self.checker.check_intermediate(certificate, issuer, now=now)
        if not result.from_cache and self._recorder.last is not None:
            self._crl_raw[result.url] = _crl_der(self._recorder.last)
        raw = self._crl_raw.get(result.url)
        if raw is None:  # a cache hit without the bytes cannot happen: the cache is this fetcher's own
            raise RevocationError(f"no CRL bytes kept for {result.url}")
        return raw


def default_http_client(max_body: int) -> HttpClient:
    """eidlib's HTTP client (plain sockets, a deadline per request, bodies capped at ``max_body``)."""
    return DeadlineHttpClient(max_body=max_body)


def _crl_der(data: bytes) -> bytes:
    """CRLs may be served as PEM; PDF and CMS embed DER. ``data`` has passed eidlib's parser already."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
    return data


def trust_roots_from(path: str | None) -> list[bytes]:
    """DER trust anchors: the certificates in ``path`` (file or directory), or the Belgian roots."""
    store = TrustStore.belgium() if path is None else TrustStore.from_path(path)
    return [anchor.der for anchor in store.anchors]
