"""check_crl with CRLs served over loopback HTTP: good, revoked, stale, bad signature, caching."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.x509 import (
    CertificateRevoked,
    CrlCache,
    CrlInvalid,
    CrlNoDistributionPoint,
    CrlUnavailable,
    CrlUrlNotAllowed,
    HttpResponse,
    RevocationError,
    check_crl,
)
from tests.support.crl import CrlServer, make_crl
from tests.x509.pki import NOW, issue, make_pki

LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture(scope="module")
def setup() -> tuple[CrlServer, object]:
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
        yield server, (pki, revoked_ca)


def test_good_crl_and_cache(setup: tuple[CrlServer, object]) -> None:
    server, (pki, _) = setup  # type: ignore[misc]
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


def test_revoked(setup: tuple[CrlServer, object]) -> None:
    server, (pki, revoked_ca) = setup  # type: ignore[misc]
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
def test_invalid_crls(setup: tuple[CrlServer, object], path: str, message: str) -> None:
    server, (pki, _) = setup  # type: ignore[misc]
    with pytest.raises(CrlInvalid, match=message):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url(path), allowed_hosts=LOCAL)


def test_unavailable_and_not_allowed(setup: tuple[CrlServer, object]) -> None:
    server, (pki, _) = setup  # type: ignore[misc]
    with pytest.raises(CrlUnavailable, match="404"):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url("/missing.crl"), allowed_hosts=LOCAL)
    with pytest.raises(CrlUrlNotAllowed):
        check_crl(pki.ca.der, pki.root.der, crl_url=server.url("/good.crl"))


def test_distribution_point_from_certificate(setup: tuple[CrlServer, object]) -> None:
    server, (pki, _) = setup  # type: ignore[misc]
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
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    der = make_crl(_PKI.root.cert, _PKI.root.key, [])
    pem = x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)
    result = check_crl(_PKI.ca.der, _PKI.root.der, crl_url="http://crl.eid.belgium.be/x.crl", http=_Fixed(pem))
    assert result.next_update > NOW
