"""Every real Belgian CA certificate in the shared vectors, one test each: a shipped root, or a 2020+
intermediate that chains to one, whose AIA/CDP hosts the default revocation allowlists admit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from eidlib.x509 import BELGIAN_CRL_HOSTS, BELGIAN_OCSP_HOSTS, TrustStore, parse_certificate, validate_chain
from eidlib.x509.revocation import RevocationChecker
from tests.support.vectors import VECTORS

UTC = dt.timezone.utc
ROOT_FILES = [*sorted((VECTORS / "eid-mw" / "roots").glob("*.pem")), VECTORS / "eid-mw/applet18_samples/BRCA6.pem"]
INTERMEDIATES = [VECTORS / "eid-mw/applet18_samples/CitizenCA202002.pem",
                 VECTORS / "eid-mw/applet18_samples/ForeignerCA202001.pem"]


@pytest.mark.parametrize("path", ROOT_FILES, ids=lambda p: p.name)
def test_each_real_root_is_a_shipped_anchor(path: Path) -> None:
    cert = parse_certificate(path.read_bytes())
    assert cert.sha256_fingerprint in {a.sha256_fingerprint for a in TrustStore.belgium()}
    assert cert.issuer == cert.subject


@pytest.mark.parametrize("path", INTERMEDIATES, ids=lambda p: p.name)
def test_each_2020_intermediate_chains_and_is_checkable_by_default(path: Path) -> None:
    der = path.read_bytes()
    chain = validate_chain(der, trust=TrustStore.belgium(), now=dt.datetime(2026, 6, 1, tzinfo=UTC), purpose="ca")
    assert chain.anchor.common_name == "Belgium Root CA6"
    raw = x509.load_pem_x509_certificate(der)
    assert raw.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    usages = set(raw.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert usages == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION}
    aia = raw.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp_urls = [d.access_location.value for d in aia if d.access_method == AuthorityInformationAccessOID.OCSP]
    cdp = raw.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    crl_urls = [n.value for point in cdp for n in point.full_name or ()]
    assert ocsp_urls and crl_urls
    # The default checker accepts the real hosts (ocsp/crl.eidpki.belgium.be) and nothing else.
    checker = RevocationChecker()
    assert {url.split("/")[2] for url in ocsp_urls} <= BELGIAN_OCSP_HOSTS <= checker.ocsp_hosts
    assert {url.split("/")[2] for url in crl_urls} <= BELGIAN_CRL_HOSTS <= checker.crl_hosts
