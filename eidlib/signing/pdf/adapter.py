"""The one place where PDF signing touches the rest of eidlib (token kernel, x509 revocation).

Everything else in :mod:`eidlib.signing.pdf` imports these names from here, so a change in the
shapes of :mod:`eidlib.card`/:mod:`eidlib.token` or :mod:`eidlib.x509` is absorbed in this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eidlib.card.ecdsa import ecdsa_raw_to_der
from eidlib.card.errors import NotSupported, PinBlocked, PinError, WrongPin
from eidlib.card.token import CardCertificates, HashName, KeyName, PaddingName, Token
from eidlib.x509.crl import CrlCache, check_crl
from eidlib.x509.errors import CertificateRevoked, RevocationError
from eidlib.x509.fetch import BELGIAN_CRL_HOSTS, BELGIAN_OCSP_HOSTS, HttpClient, HttpResponse, UrllibHttpClient
from eidlib.x509.ocsp import OcspCache, check_ocsp
from eidlib.x509.truststore import TrustStore

__all__ = [
    "BELGIAN_CRL_HOSTS",
    "BELGIAN_OCSP_HOSTS",
    "CardCertificates",
    "CertificateRevoked",
    "CrlCache",
    "HashName",
    "KeyName",
    "NotSupported",
    "OcspCache",
    "PaddingName",
    "PinBlocked",
    "PinError",
    "RevocationError",
    "RevocationFetcher",
    "RevocationSettings",
    "Token",
    "WrongPin",
    "ecdsa_raw_to_der",
    "trust_roots_from",
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


@dataclass
class RevocationFetcher:
    """Fetches OCSP (leaf) and CRL (CA) answers through eidlib's checks, and returns their DER.

    eidlib checks each answer (signature, responder authorisation, freshness, nonce, status) and
    fails closed; only answers that passed are returned for embedding. Raw answers are cached per
    certificate until the eidlib check says they are stale (the check is re-run on every call).
    """

    settings: RevocationSettings = field(default_factory=RevocationSettings)
    _ocsp_raw: dict[bytes, bytes] = field(default_factory=dict, init=False)
    _crl_raw: dict[str, bytes] = field(default_factory=dict, init=False)
    _ocsp_cache: OcspCache = field(default_factory=lambda: OcspCache(ttl=60.0), init=False)
    _crl_cache: CrlCache = field(default_factory=CrlCache, init=False)

    def _client(self) -> _RecordingClient:
        return _RecordingClient(self.settings.http or UrllibHttpClient())

    def ocsp(self, leaf: bytes, issuer: bytes, *, now: dt.datetime | None = None) -> bytes:
        """The DER OCSPResponse saying GOOD for ``leaf``; raises a :class:`RevocationError` otherwise."""
        client = self._client()
        result = check_ocsp(
            leaf, issuer, now=now, responder_url=self.settings.ocsp_url, nonce=self.settings.nonce,
            allowed_hosts=self.settings.ocsp_hosts, timeout=self.settings.timeout, http=client,
            cache=self._ocsp_cache,
        )
        if not result.from_cache and client.last is not None:
            self._ocsp_raw[leaf] = client.last
        raw = self._ocsp_raw.get(leaf)
        if raw is None:  # a cache hit without the bytes (another fetcher filled the cache)
            self._ocsp_cache.clear()
            return self.ocsp(leaf, issuer, now=now)
        return raw

    def crl(self, certificate: bytes, issuer: bytes, *, now: dt.datetime | None = None) -> bytes:
        """The DER CRL of ``issuer`` not listing ``certificate``; raises a :class:`RevocationError` otherwise."""
        client = self._client()
        result = check_crl(
            certificate, issuer, now=now, crl_url=self.settings.crl_url, allowed_hosts=self.settings.crl_hosts,
            timeout=self.settings.timeout,
            http=client, cache=self._crl_cache,
        )
        if not result.from_cache and client.last is not None:
            self._crl_raw[result.url] = _crl_der(client.last)
        raw = self._crl_raw.get(result.url)
        if raw is None:  # a cache hit without the bytes cannot happen: the cache is this fetcher's own
            raise RevocationError(f"no CRL bytes kept for {result.url}")
        return raw


def _crl_der(data: bytes) -> bytes:
    """CRLs may be served as PEM; PDF and CMS embed DER. ``data`` has passed eidlib's parser already."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
    return data


def trust_roots_from(path: str | None) -> list[bytes]:
    """DER trust anchors: the certificates in ``path`` (file or directory), or the Belgian roots."""
    store = TrustStore.belgium() if path is None else TrustStore.from_path(path)
    return [anchor.der for anchor in store.anchors]
