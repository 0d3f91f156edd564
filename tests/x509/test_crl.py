"""RevocationChecker.check_intermediate (CRL) over loopback HTTP: good, revoked, stale, bad signature, caching."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.emulator.pki import TestPki
from eidlib.x509 import (
    CertificateRevoked,
    CrlCache,
    CrlInvalid,
    CrlNoDistributionPoint,
    CrlResult,
    CrlUnavailable,
    CrlUrlNotAllowed,
    HttpResponse,
    RevocationChecker,
    RevocationError,
)
from eidlib.x509.fetch import BELGIAN_CRL_HOSTS
from eidlib.x509.ocsp import DEFAULT_SKEW
from tests.support.crl import CrlServer, make_crl
from tests.support.pki import NOW, Issued, Pki, issue, make_pki

LOCAL = frozenset({"127.0.0.1"})


def check_crl(
    cert: Any,
    issuer: Any,
    *,
    now: dt.datetime | None = None,
    crl_url: str | None = None,
    allowed_hosts: Any = BELGIAN_CRL_HOSTS,
    cache: CrlCache | None = None,
    allowed_skew: dt.timedelta | None = None,
    **options: Any,
) -> CrlResult:
    """One CRL check through a fresh RevocationChecker (no CRL cache unless ``cache`` is given)."""
    checker = RevocationChecker(crl_url=crl_url, crl_hosts=allowed_hosts, cache_crls=False,
                                skew=allowed_skew or DEFAULT_SKEW, **options)
    checker.crl_cache = cache
    return checker.check_intermediate(cert, issuer, now=now)


class Setup(NamedTuple):
    server: CrlServer
    pki: Pki
    revoked_ca: Issued


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    pki = make_pki()
    revoked_ca = issue("ca", "Revoked Citizen CA", pki.root)
    routes = {
        "/good.crl": make_crl(pki.root.cert, pki.root.key, [12345]),
        "/revoked.crl": make_crl(pki.root.cert, pki.root.key, [revoked_ca.cert.serial_number]),
        "/stale.crl": make_crl(pki.root.cert, pki.root.key, [], this_update=NOW - dt.timedelta(days=3),
                               next_update=NOW - dt.timedelta(days=2)),
        "/future.crl": make_crl(pki.root.cert, pki.root.key, [], this_update=NOW + dt.timedelta(days=1)),
        "/badsig.crl": make_crl(pki.root.cert, pki.root.key, [],
                                signing_key=ec.generate_private_key(ec.SECP256R1())),
        "/other-issuer.crl": make_crl(pki.ca.cert, pki.ca.key, []),
        "/garbage.crl": b"\x30\x03not a crl",
    }
    with CrlServer(routes) as server:
        yield Setup(server, pki, revoked_ca)


def test_good_crl_and_cache(setup: Setup) -> None:
    server, pki, _ = setup
    cache = CrlCache()
    url = server.url("/good.crl")
    before = server.hits.get("/good.crl", 0)
    first = check_crl(pki.ca.der, pki.root.der, crl_url=url, allowed_hosts=LOCAL, cache=cache)
    assert not first.from_cache and first.url == url
    assert first.serial_number == pki.ca.cert.serial_number
    second = check_crl(pki.ca.der, pki.root.der, crl_url=url, allowed_hosts=LOCAL, cache=cache)
    assert second.from_cache
    assert server.hits["/good.crl"] == before + 1
    # After nextUpdate the cached CRL is dropped and fetched again.
    third = check_crl(pki.ca.der, pki.root.der, crl_url=url, allowed_hosts=LOCAL, cache=cache,
                      now=first.next_update + dt.timedelta(seconds=1), allowed_skew=dt.timedelta(days=2))
    assert not third.from_cache
    assert server.hits["/good.crl"] == before + 2


def test_revoked(setup: Setup) -> None:
    server, pki, revoked_ca = setup
    with pytest.raises(CertificateRevoked) as info:
        check_crl(revoked_ca.der, pki.root.der, crl_url=server.url("/revoked.crl"), allowed_hosts=LOCAL)
    assert info.value.reason == "key_compromise"
    assert info.value.revocation_time is not None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/stale.crl", "stale"),
        ("/future.crl", "future"),
        ("/badsig.crl", "signature"),
        ("/other-issuer.crl", "not issued"),
        ("/garbage.crl", "malformed"),
    ],
)
def test_invalid_crls(setup: Setup, path: str, message: str) -> None:
    server, pki, _ = setup
    with pytest.raises(CrlInvalid, match=message):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url(path), allowed_hosts=LOCAL)


def test_unavailable_and_not_allowed(setup: Setup) -> None:
    server, pki, _ = setup
    with pytest.raises(CrlUnavailable, match="404"):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url("/missing.crl"), allowed_hosts=LOCAL)
    with pytest.raises(CrlUrlNotAllowed):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url("/good.crl"))


def test_distribution_point_from_certificate(setup: Setup) -> None:
    server, pki, _ = setup
    ca = issue("ca", "CDP Citizen CA", pki.root, crl_url=server.url("/good.crl"))
    assert check_crl(ca.der, pki.root.der, allowed_hosts=LOCAL).url == server.url("/good.crl")
    with pytest.raises(CrlNoDistributionPoint):
        check_crl(pki.root.der, pki.root.der, allowed_hosts=LOCAL)


def test_connection_refused() -> None:
    pki = make_pki()
    server = CrlServer()
    with server:
        url = server.url("/x.crl")
    with pytest.raises(CrlUnavailable):
        check_crl(pki.ca.der, pki.root.der, crl_url=url, allowed_hosts=LOCAL, timeout=2)


class _Fixed:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def request(self, method: str, url: str, *, body: bytes | None = None, headers: object = None,
                timeout: float) -> HttpResponse:
        return HttpResponse(200, self.body)


_PKI = make_pki()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_crl_bodies_fail_closed(body: bytes) -> None:
    with pytest.raises(RevocationError):
        check_crl(_PKI.ca.der, _PKI.root.der, crl_url="http://crl.eid.belgium.be/x.crl", http=_Fixed(body))


def test_pem_crl_accepted() -> None:
    der = make_crl(_PKI.root.cert, _PKI.root.key, [])
    pem = x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)
    result = check_crl(_PKI.ca.der, _PKI.root.der, crl_url="http://crl.eid.belgium.be/x.crl", http=_Fixed(pem))
    assert result.next_update > NOW


_GOOD_CRL = make_crl(_PKI.root.cert, _PKI.root.key, [1, 2, 3])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(_GOOD_CRL) - 1), st.integers(min_value=1, max_value=255))
def test_corrupted_crls_fail_closed(position: int, flip: int) -> None:
    body = bytearray(_GOOD_CRL)
    body[position] ^= flip
    with pytest.raises(RevocationError):
        check_crl(_PKI.ca.der, _PKI.root.der, crl_url="http://crl.eid.belgium.be/x.crl", http=_Fixed(bytes(body)))


def test_virtual_card_test_pki_crls() -> None:
    pki = TestPki.load(profile="1.8")
    root, ca = pki.root.certificate, pki.citizen_ca.certificate
    good = pki.make_crl(issuer="root").public_bytes(serialization.Encoding.DER)
    revoked = pki.make_crl([ca.serial_number], issuer="root").public_bytes(serialization.Encoding.DER)
    with CrlServer({"/good.crl": good, "/revoked.crl": revoked}) as server:
        result = check_crl(ca, root, crl_url=server.url("/good.crl"), allowed_hosts=LOCAL)
        assert result.serial_number == ca.serial_number
        with pytest.raises(CertificateRevoked):
            check_crl(ca, root, crl_url=server.url("/revoked.crl"), allowed_hosts=LOCAL)


def test_issuer_without_crl_sign_is_refused() -> None:
    not_a_ca = issue("auth", "Not A CA (Authentication)", _PKI.ca)
    body = make_crl(not_a_ca.cert, not_a_ca.key, [])
    with pytest.raises(CrlInvalid, match="CRL signing"):
        check_crl(_PKI.auth.der, not_a_ca.der, crl_url="http://crl.eid.belgium.be/x.crl", http=_Fixed(body))
