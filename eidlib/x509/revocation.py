"""Revocation of a whole validated chain: OCSP for the leaf, CRL for the intermediates.

This is the eID Viewer / Web eID practice (``shared/spec/auth-protocol.md`` §3.5, §7.2 step 6):
the leaf is checked online by OCSP (hard fail), each intermediate between the leaf and the trust
anchor by its issuer's CRL (cached until nextUpdate). The anchor itself is not checked: removing
it from the trust store is how a compromised anchor is revoked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from eidlib.x509.certificate import as_utc
from eidlib.x509.chain import ValidatedChain
from eidlib.x509.crl import CrlCache, CrlResult, check_crl
from eidlib.x509.fetch import BELGIAN_CRL_HOSTS, BELGIAN_OCSP_HOSTS, HttpClient
from eidlib.x509.ocsp import DEFAULT_TIMEOUT, OcspCache, OcspResult, check_ocsp


@dataclass(frozen=True)
class RevocationReport:
    """What was checked: the leaf's OCSP answer and one CRL result per intermediate."""

    leaf: OcspResult
    intermediates: tuple[CrlResult, ...]


def check_chain_revocation(
    chain: ValidatedChain,
    *,
    now: dt.datetime | None = None,
    ocsp_url: str | None = None,
    nonce: bool = True,
    ocsp_hosts: Collection[str] = BELGIAN_OCSP_HOSTS,
    crl_hosts: Collection[str] = BELGIAN_CRL_HOSTS,
    timeout: float = DEFAULT_TIMEOUT,
    http: HttpClient | None = None,
    ocsp_cache: OcspCache | None = None,
    crl_cache: CrlCache | None = None,
    check_intermediates: bool = True,
) -> RevocationReport:
    """OCSP-check ``chain.leaf`` and CRL-check every intermediate of ``chain``; fail closed.

    ``now`` defaults to the chain's validation time. Raises
    :class:`~eidlib.x509.errors.CertificateRevoked` or another
    :class:`~eidlib.x509.errors.RevocationError` on any failure.
    """
    at = as_utc(now) if now is not None else chain.validated_at
    if len(chain.chain) < 2:
        raise ValueError("the chain has no issuer: a trust anchor cannot be checked for revocation")
    leaf = check_ocsp(
        chain.leaf,
        chain.issuer,
        now=at,
        responder_url=ocsp_url,
        nonce=nonce,
        allowed_hosts=ocsp_hosts,
        timeout=timeout,
        http=http,
        cache=ocsp_cache,
    )
    crls: list[CrlResult] = []
    if check_intermediates:
        # chain = (leaf, intermediate..., anchor): each intermediate is checked against its issuer.
        for position in range(1, len(chain.chain) - 1):
            crls.append(
                check_crl(
                    chain.chain[position],
                    chain.chain[position + 1],
                    now=at,
                    allowed_hosts=crl_hosts,
                    timeout=timeout,
                    http=http,
                    cache=crl_cache,
                )
            )
    return RevocationReport(leaf=leaf, intermediates=tuple(crls))
