"""RevocationChecker.check_chain: OpenSSL's OCSP responder for the leaf, a loopback CRL for the intermediate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from cryptography import x509

from eidlib.x509 import (
    CertificateRevoked,
    RevocationChecker,
    TrustStore,
    validate_chain,
)
from tests.support.crl import CrlServer, make_crl
from tests.support.ocsp import IndexEntry, OpensslOcspResponder
from tests.support.pki import NOW, Issued, issue

LOCAL = frozenset({"127.0.0.1"})


class World(NamedTuple):
    root: Issued
    ca: Issued
    leaf: Issued
    crls: CrlServer
    responder: OpensslOcspResponder


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    root = issue("root", "Revocation Root")
    serial = x509.random_serial_number()
    with CrlServer() as crls:
        ca = issue("ca", "Revocation Citizen CA", root, crl_url=crls.url("/root.crl"))
        responder_cert = issue("ocsp", "Revocation OCSP", ca)
        entries = [IndexEntry(serial, NOW + dt.timedelta(days=100))]
        with OpensslOcspResponder(ca.cert, responder_cert.cert, responder_cert.key, entries) as responder:
            leaf = issue("auth", "R (Authentication)", ca, ocsp_url=responder.url, serial_number=serial)
            crls.routes["/root.crl"] = make_crl(root.cert, root.key, [])
            yield World(root, ca, leaf, crls, responder)


@pytest.mark.ocsp
def test_good_chain(world: World) -> None:
    chain = validate_chain(world.leaf.der, [world.ca.der], trust=TrustStore([world.root.cert]))
    report = RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL).check_chain(chain)
    assert report.leaf.serial_number == world.leaf.cert.serial_number
    assert [r.serial_number for r in report.intermediates] == [world.ca.cert.serial_number]


@pytest.mark.ocsp
def test_intermediate_as_anchor_needs_no_crl(world: World) -> None:
    chain = validate_chain(world.leaf.der, trust=TrustStore([world.ca.cert]))
    hits = dict(world.crls.hits)
    report = RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL).check_chain(chain)
    assert report.intermediates == ()
    assert world.crls.hits == hits


@pytest.mark.ocsp
def test_revoked_intermediate(world: World) -> None:
    world.crls.routes["/revoked.crl"] = make_crl(world.root.cert, world.root.key, [world.ca.cert.serial_number])
    ca = issue("ca", "Revocation Citizen CA", world.root, key=world.ca.key,
               serial_number=world.ca.cert.serial_number, crl_url=world.crls.url("/revoked.crl"))
    chain = validate_chain(world.leaf.der, [ca.der], trust=TrustStore([world.root.cert]))
    with pytest.raises(CertificateRevoked):
        RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL).check_chain(chain)
    report = RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL, check_intermediates=False).check_chain(chain)
    assert report.intermediates == ()


def test_anchor_alone_cannot_be_checked() -> None:
    root = issue("root", "Lonely Root")
    chain = validate_chain(root.der, trust=TrustStore([root.cert]), purpose="ca")
    with pytest.raises(ValueError, match="anchor"):
        RevocationChecker().check_chain(chain)
