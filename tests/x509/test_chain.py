"""validate_chain: known-answer chains from shared/vectors and a synthetic PKI for every error."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.x509 import (
    CertificateError,
    CertificateExpired,
    CertificateNotTrusted,
    CertificateNotYetValid,
    TrustStore,
    ValidatedChain,
    WrongCertificatePurpose,
    validate_chain,
)
from tests.support.pki import FAR_AHEAD, LONG_AGO, NOW, issue, make_pki
from tests.support.vectors import VECTORS

UTC = dt.timezone.utc
TESTCARD = VECTORS / "eid-mw" / "testcard_67063029659"
WEBEID = VECTORS / "webeid"
SAMPLES = VECTORS / "eid-mw" / "applet18_samples"
IN_TESTCARD_LIFE = dt.datetime(2015, 1, 1, tzinfo=UTC)
WEBEID_DATE = dt.datetime(2024, 12, 24, tzinfo=UTC)


def _tc(name: str) -> bytes:
    return (TESTCARD / f"cert_{name}.der").read_bytes()


@pytest.fixture(scope="module")
def testcard_trust() -> TrustStore:
    return TrustStore([_tc("root")])


# --------------------------------------------------------------------------- known answers


def test_testcard_auth_chain_validates_against_its_root(testcard_trust: TrustStore) -> None:
    chain = validate_chain(_tc("authentication"), [_tc("citizenca")], trust=testcard_trust, now=IN_TESTCARD_LIFE)
    assert [c.common_name for c in chain.chain] == ["Martine Lampaert (Authentication)", "Citizen CT",
                                                     "Belgium Root CT3"]
    assert chain.leaf.national_number == "67063029659"
    assert chain.issuer.common_name == "Citizen CT"
    assert chain.anchor.common_name == "Belgium Root CT3"
    assert chain.purpose == "authentication"
    assert chain.validated_at == IN_TESTCARD_LIFE


def test_testcard_chain_fails_against_belgian_roots() -> None:
    with pytest.raises(CertificateNotTrusted):
        validate_chain(_tc("authentication"), [_tc("citizenca")], trust=TrustStore.belgium(), now=IN_TESTCARD_LIFE)


def test_testcard_signing_certificate(testcard_trust: TrustStore) -> None:
    chain = validate_chain(_tc("signing"), [_tc("citizenca")], trust=testcard_trust, now=IN_TESTCARD_LIFE,
                           purpose="signature")
    assert chain.leaf.is_qualified
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(_tc("signing"), [_tc("citizenca")], trust=testcard_trust, now=IN_TESTCARD_LIFE)
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(_tc("authentication"), [_tc("citizenca")], trust=testcard_trust, now=IN_TESTCARD_LIFE,
                       purpose="signature")


def test_testcard_rrn_and_ca(testcard_trust: TrustStore) -> None:
    rrn = validate_chain(_tc("rrn"), trust=testcard_trust, now=IN_TESTCARD_LIFE, purpose="rrn")
    assert [c.common_name for c in rrn.chain] == ["RRN", "Belgium Root CT3"]
    ca = validate_chain(_tc("citizenca"), trust=testcard_trust, now=IN_TESTCARD_LIFE, purpose="ca")
    assert ca.anchor.common_name == "Belgium Root CT3"
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(_tc("citizenca"), trust=testcard_trust, now=IN_TESTCARD_LIFE)


def test_testcard_dates(testcard_trust: TrustStore) -> None:
    with pytest.raises(CertificateExpired) as expired:
        validate_chain(_tc("authentication"), [_tc("citizenca")], trust=testcard_trust,
                       now=dt.datetime(2017, 3, 2, tzinfo=UTC))
    assert expired.value.not_after == dt.datetime(2017, 3, 1, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(CertificateNotYetValid):
        validate_chain(_tc("authentication"), [_tc("citizenca")], trust=testcard_trust,
                       now=dt.datetime(2012, 3, 1, tzinfo=UTC))
    # The last second of validity is still valid.
    validate_chain(_tc("authentication"), [_tc("citizenca")], trust=testcard_trust,
                   now=dt.datetime(2017, 3, 1, 23, 59, 59))


@pytest.mark.parametrize("token", ["es384", "rs256"])
def test_webeid_users_chain_to_webeid_test_ca(token: str) -> None:
    leaf = (WEBEID / f"authtoken_be_{token}.user_cert.der").read_bytes()
    citizen_ca = (WEBEID / "eID_TEST_EC_Citizen_CA.pem").read_bytes()
    root = (WEBEID / "eID_TEST_EC_Root_CA.pem").read_bytes()
    # As the Web eID test configures it: the Citizen CA alone is the anchor.
    short = validate_chain(leaf, trust=TrustStore([citizen_ca]), now=WEBEID_DATE)
    assert [c.common_name for c in short.chain] == ["Nora Specimen (Authentication)", "eID TEST EC Citizen CA"]
    full = validate_chain(leaf, [citizen_ca], trust=TrustStore([root]), now=WEBEID_DATE)
    assert full.anchor.common_name == "eID TEST EC Root CA"
    with pytest.raises(CertificateNotTrusted):
        validate_chain(leaf, [citizen_ca], trust=TrustStore.belgium(), now=WEBEID_DATE)
    with pytest.raises(CertificateNotTrusted):
        validate_chain(leaf, [], trust=TrustStore([root]), now=WEBEID_DATE)


def test_citizen_and_foreigner_ca_chain_to_root_ca6() -> None:
    for name in ("CitizenCA202002.pem", "ForeignerCA202001.pem"):
        chain = validate_chain((SAMPLES / name).read_bytes(), trust=TrustStore.belgium(),
                               now=dt.datetime(2026, 6, 1, tzinfo=UTC), purpose="ca")
        assert chain.anchor.common_name == "Belgium Root CA6"
        assert chain.anchor.sha256_fingerprint == "9c872bc979a7c09a58d4a274c199e5cb16cfa9b9618d98bc9a9988e984b8495c"


def test_ca2_makes_nothing_valid_today() -> None:
    ca2 = (VECTORS / "eid-mw/roots/belgiumrca2.pem").read_bytes()
    with pytest.raises(CertificateExpired):
        validate_chain(ca2, trust=TrustStore.belgium(), purpose="ca")
    # Before its expiry it was an anchor like the others.
    validate_chain(ca2, trust=TrustStore.belgium(), purpose="ca", now=dt.datetime(2015, 1, 1, tzinfo=UTC))


def test_belgian_roots_valid_today_validate() -> None:
    trust = TrustStore.belgium()
    when = dt.datetime(2026, 6, 1, tzinfo=UTC)
    for name in ("belgiumrca3.pem", "belgiumrca4.pem", "belgiumrca6.pem"):
        pem = (VECTORS / "eid-mw/roots" / name).read_bytes()
        chain = validate_chain(pem, trust=trust, now=when, purpose="ca")
        expected = x509.load_pem_x509_certificate(pem)
        # A root validates as itself: a one-element chain whose anchor is that very certificate.
        assert len(chain.chain) == 1
        assert chain.anchor.sha256_fingerprint == expected.fingerprint(hashes.SHA256()).hex()
        assert chain.purpose == "ca" and chain.validated_at == when
        assert expected.not_valid_before_utc <= when <= expected.not_valid_after_utc


# --------------------------------------------------------------------------- synthetic PKI


def test_synthetic_chain_and_purposes() -> None:
    pki = make_pki()
    trust = TrustStore([pki.root.cert])
    assert validate_chain(pki.auth.der, [pki.ca.der], trust=trust).leaf.national_number == "01050399864"
    assert validate_chain(pki.sign.der, [pki.ca.der], trust=trust, purpose="signature").leaf.common_name
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(pki.sign.der, [pki.ca.der], trust=trust)


def test_expired_anchor_makes_chain_invalid() -> None:
    """A CA2-like root: expired, so nothing under it is valid now (even with valid leaf and CA)."""
    start = LONG_AGO - dt.timedelta(days=3650)
    root = issue("root", "Old Root", not_before=start, not_after=LONG_AGO)
    ca = issue("ca", "Old Citizen CA", root, not_before=start)
    leaf = issue("auth", "A (Authentication)", ca, not_before=start)
    with pytest.raises(CertificateExpired) as info:
        validate_chain(leaf.der, [ca.der], trust=TrustStore([root.cert]))
    assert "Old Root" in info.value.subject
    validate_chain(leaf.der, [ca.der], trust=TrustStore([root.cert]), now=LONG_AGO - dt.timedelta(days=1))


def test_expired_unrelated_anchor_does_not_break_validation() -> None:
    pki = make_pki()
    old = issue("root", "Unrelated Old Root", not_before=LONG_AGO - dt.timedelta(days=30), not_after=LONG_AGO)
    validate_chain(pki.auth.der, [pki.ca.der], trust=TrustStore([old.cert, pki.root.cert]))


def test_reissued_root_with_same_key_is_used() -> None:
    """Like Belgium Root CA4: two issues, one key; the expired one must not hide the other."""
    old = issue("root", "Root CA4", not_after=LONG_AGO + dt.timedelta(days=10))
    new = issue("root", "Root CA4", key=old.key, serial_number=old.cert.serial_number)
    ca = issue("ca", "Citizen CA", old)
    leaf = issue("auth", "B (Authentication)", ca)
    for anchors in ([old.cert, new.cert], [new.cert, old.cert], [new.cert]):
        chain = validate_chain(leaf.der, [ca.der], trust=TrustStore(anchors))
        assert chain.anchor.der == new.der


def test_leaf_dates() -> None:
    pki = make_pki()
    expired = issue("auth", "C (Authentication)", pki.ca, not_after=NOW - dt.timedelta(days=1))
    future = issue("auth", "D (Authentication)", pki.ca, not_before=NOW + dt.timedelta(days=1))
    trust = TrustStore([pki.root.cert])
    with pytest.raises(CertificateExpired):
        validate_chain(expired.der, [pki.ca.der], trust=trust)
    with pytest.raises(CertificateNotYetValid):
        validate_chain(future.der, [pki.ca.der], trust=trust)


def test_intermediate_dates_are_reported_precisely() -> None:
    pki = make_pki()
    old_ca = issue("ca", "Expired CA", pki.root, not_after=NOW - dt.timedelta(days=1))
    leaf = issue("auth", "E (Authentication)", old_ca)
    with pytest.raises(CertificateExpired) as info:
        validate_chain(leaf.der, [old_ca.der], trust=TrustStore([pki.root.cert]))
    assert "Expired CA" in info.value.subject
    new_ca = issue("ca", "Future CA", pki.root, not_before=NOW + dt.timedelta(days=1))
    leaf2 = issue("auth", "F (Authentication)", new_ca)
    with pytest.raises(CertificateNotYetValid):
        validate_chain(leaf2.der, [new_ca.der], trust=TrustStore([pki.root.cert]))


def test_untrusted_paths() -> None:
    pki = make_pki()
    other = make_pki()
    with pytest.raises(CertificateNotTrusted):
        validate_chain(pki.auth.der, [pki.ca.der], trust=TrustStore([other.root.cert]))
    with pytest.raises(CertificateNotTrusted):
        validate_chain(pki.auth.der, [], trust=TrustStore([pki.root.cert]))
    with pytest.raises(CertificateNotTrusted, match="empty"):
        validate_chain(pki.auth.der, [pki.ca.der], trust=TrustStore([]))
    # An intermediate with the right name but another key is no path.
    impostor = issue("ca", "Test Citizen CA", other.root)
    with pytest.raises(CertificateNotTrusted):
        validate_chain(pki.auth.der, [impostor.der], trust=TrustStore([pki.root.cert, other.root.cert]))


def test_authentication_eku_rules() -> None:
    pki = make_pki()
    trust = TrustStore([pki.root.cert])
    no_eku = issue("auth", "G (Authentication)", pki.ca, eku=())
    validate_chain(no_eku.der, [pki.ca.der], trust=trust)  # Luxembourg-style: EKU absent is accepted
    mail_only = issue("auth", "H (Authentication)", pki.ca, eku=(ExtendedKeyUsageOID.EMAIL_PROTECTION,))
    with pytest.raises(WrongCertificatePurpose, match="clientAuth"):
        validate_chain(mail_only.der, [pki.ca.der], trust=trust)
    both = issue("rrn", "I (Authentication)", pki.ca)  # digitalSignature + nonRepudiation
    with pytest.raises(WrongCertificatePurpose, match="nonRepudiation"):
        validate_chain(both.der, [pki.ca.der], trust=trust)
    no_ku = issue("plain", "J (Authentication)", pki.ca)
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(no_ku.der, [pki.ca.der], trust=trust)


def test_intermediate_eku_is_enforced_by_path_building() -> None:
    """An intermediate restricted to serverAuth cannot issue client certificates (verifier-side error)."""
    pki = make_pki()
    server_ca = issue("ca", "Server CA", pki.root, eku=(ExtendedKeyUsageOID.SERVER_AUTH,))
    leaf = issue("auth", "K (Authentication)", server_ca)
    with pytest.raises(WrongCertificatePurpose, match="EKU"):
        validate_chain(leaf.der, [server_ca.der], trust=TrustStore([pki.root.cert]))


def test_signature_purpose_does_not_demand_client_auth() -> None:
    pki = make_pki()
    sign = issue("sign", "L (Signature)", pki.ca, eku=(ExtendedKeyUsageOID.EMAIL_PROTECTION,))
    validate_chain(sign.der, [pki.ca.der], trust=TrustStore([pki.root.cert]), purpose="signature")


def test_ca_and_rrn_purposes_reject_wrong_kinds() -> None:
    pki = make_pki()
    trust = TrustStore([pki.root.cert])
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(pki.auth.der, [pki.ca.der], trust=trust, purpose="ca")
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(pki.ca.der, trust=trust, purpose="rrn")
    with pytest.raises(WrongCertificatePurpose):
        validate_chain(pki.ca.der, trust=trust, purpose="signature")


def test_max_depth() -> None:
    root = issue("root", "Deep Root")
    a = issue("root", "Level A", root)  # CA without path length limit
    b = issue("root", "Level B", a)
    c = issue("ca", "Level C", b)
    leaf = issue("auth", "M (Authentication)", c)
    trust = TrustStore([root.cert])
    validate_chain(leaf.der, [a.der, b.der, c.der], trust=trust, max_depth=5)
    with pytest.raises(CertificateNotTrusted):
        validate_chain(leaf.der, [a.der, b.der, c.der], trust=trust, max_depth=2)


def test_bad_inputs() -> None:
    pki = make_pki()
    trust = TrustStore([pki.root.cert])
    with pytest.raises(CertificateError):
        validate_chain(b"garbage", trust=trust)
    with pytest.raises(CertificateError):
        validate_chain(pki.auth.der, [b"\x30\x03\x02\x01\x01"], trust=trust)
    with pytest.raises(ValueError, match="purpose"):
        validate_chain(pki.auth.der, trust=trust, purpose="login")  # type: ignore[arg-type]


def test_naive_now_is_utc() -> None:
    pki = make_pki()
    chain = validate_chain(pki.auth.der, [pki.ca.der], trust=TrustStore([pki.root.cert]),
                           now=dt.datetime(2030, 1, 1))
    assert chain.validated_at == dt.datetime(2030, 1, 1, tzinfo=UTC)
    assert chain.validated_at < FAR_AHEAD


def test_error_hierarchy() -> None:
    from eidlib.errors import EidError

    for error in (CertificateExpired, CertificateNotYetValid, CertificateNotTrusted, WrongCertificatePurpose):
        assert issubclass(error, CertificateError) and issubclass(error, EidError)
    expired = CertificateExpired("CN=x", dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2021, 1, 1, tzinfo=UTC))
    assert "CN=x" in str(expired) and "2020-01-01" in str(expired)


def test_alice_sha1_rsa1024_chain_is_refused_cleanly() -> None:
    """The commons-eid specimen chain is SHA-1/RSA-1024, which the webpki policy forbids."""
    alice = VECTORS / "commons-eid" / "tests-alice"
    with pytest.raises(CertificateNotTrusted, match="Forbidden signature algorithm"):
        validate_chain((alice / "Alice_AuthentificationCertificate.tlv").read_bytes(),
                       [(alice / "Alice_CACertificate.tlv").read_bytes()],
                       trust=TrustStore([(alice / "Alice_RootCertificate.tlv").read_bytes()]),
                       now=dt.datetime(2010, 1, 1, tzinfo=UTC))


_T0 = dt.datetime(2030, 1, 1, tzinfo=UTC)
_YEAR = dt.timedelta(days=365)
# Staggered windows: only [T0+2y, T0+4y] is valid for the whole path; the root expires first,
# then the CA, while the leaf stays valid longest.
_WINDOW_ROOT = issue("root", "Window Root", not_before=_T0, not_after=_T0 + 4 * _YEAR)
_WINDOW_CA = issue("ca", "Window CA", _WINDOW_ROOT, not_before=_T0 + _YEAR, not_after=_T0 + 6 * _YEAR)
_WINDOW_LEAF = issue("auth", "Window (Authentication)", _WINDOW_CA, not_before=_T0 + 2 * _YEAR,
                     not_after=_T0 + 9 * _YEAR)


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=-365, max_value=11 * 365))
def test_validity_windows_property(day: int) -> None:
    """Valid exactly when every certificate of the path is valid; otherwise the first culprit is named."""
    at = _T0 + dt.timedelta(days=day, hours=12)
    path = [("Window (Authentication)", _WINDOW_LEAF), ("Window CA", _WINDOW_CA), ("Window Root", _WINDOW_ROOT)]
    culprit = next(((name, c) for name, c in path
                    if not c.cert.not_valid_before_utc <= at <= c.cert.not_valid_after_utc), None)

    def run() -> ValidatedChain:
        return validate_chain(_WINDOW_LEAF.der, [_WINDOW_CA.der], trust=TrustStore([_WINDOW_ROOT.cert]), now=at)

    if culprit is None:
        assert run().anchor.common_name == "Window Root"
        return
    name, cert = culprit
    expected = CertificateExpired if at > cert.cert.not_valid_after_utc else CertificateNotYetValid
    with pytest.raises(expected) as info:
        run()
    assert isinstance(info.value, (CertificateExpired, CertificateNotYetValid))
    assert name in info.value.subject
