"""The deterministic test PKI: certificate profiles, chain, OCSP responder, CRL, determinism and the cache."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, ExtensionOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.emulator import pki as pki_module
from eidlib.emulator.image import Profile
from eidlib.emulator.persona import Persona
from eidlib.emulator.pki import (
    CACHE_ENV,
    OcspStatus,
    PkiError,
    PkiUrls,
    SeedStream,
    TestPki,
    clear_memory_cache,
    common_name,
    derive_ec_key,
    derive_rsa_key,
    is_probable_prime,
    load_key,
    seed_cache_dir,
)

OCSP_URL = "http://127.0.0.1:45678/ocsp"
CRL_URL = "http://127.0.0.1:45679/crl/ca.crl"
ROOT_CRL_URL = "http://127.0.0.1:45679/crl/root.crl"
CA_ISSUERS_URL = "http://127.0.0.1:45679/certs/ca.crt"
PROFILES: tuple[Profile, ...] = ("1.7", "1.8")
QC_COMPLIANCE = "0.4.0.1862.1.1"


@pytest.fixture(scope="module", params=PROFILES)
def pki(request: pytest.FixtureRequest) -> TestPki:
    profile: Profile = request.param
    return TestPki.load(profile=profile, ocsp_url=OCSP_URL, crl_url=CRL_URL, root_crl_url=ROOT_CRL_URL,
                        ca_issuers_url=CA_ISSUERS_URL)


@pytest.fixture(scope="module")
def persona() -> Persona:
    return Persona.default()


def _ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_oid(oid)


def _has_ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bool:
    return any(ext.oid == oid for ext in cert.extensions)


def _policy_oids(cert: x509.Certificate) -> list[str]:
    policies = _ext(cert, ExtensionOID.CERTIFICATE_POLICIES).value
    assert isinstance(policies, x509.CertificatePolicies)
    return [info.policy_identifier.dotted_string for info in policies]


def _qc_statement_oids(cert: x509.Certificate) -> list[str]:
    ext = _ext(cert, x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"))
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    statements = core.load(ext.value.value)
    assert isinstance(statements, core.Sequence)
    return [str(statements[index][0].native) for index in range(len(statements))]


def _expected_key(pki: TestPki, key: object) -> None:
    if pki.profile == "1.7":
        assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"


def test_chain_key_types_and_signature_algorithms(pki: TestPki) -> None:
    expected_hash = hashes.SHA256 if pki.profile == "1.7" else hashes.SHA384
    for item in (pki.root, pki.citizen_ca, pki.rrn, pki.ocsp_responder):
        _expected_key(pki, item.certificate.public_key())
        assert isinstance(item.certificate.signature_hash_algorithm, expected_hash)
        assert item.certificate.public_key() == item.private_key.public_key()
    assert isinstance(pki.signature_hash, expected_hash)


def test_chain_links(pki: TestPki) -> None:
    root, ca = pki.root.certificate, pki.citizen_ca.certificate
    root.verify_directly_issued_by(root)
    ca.verify_directly_issued_by(root)
    pki.rrn.certificate.verify_directly_issued_by(root)
    pki.ocsp_responder.certificate.verify_directly_issued_by(ca)
    assert root.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "BE"


def test_root_and_citizen_ca_profiles(pki: TestPki) -> None:
    root, ca = pki.root.certificate, pki.citizen_ca.certificate
    for cert, path_length in ((root, 1), (ca, 0)):
        constraints = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
        assert constraints.critical and constraints.value == x509.BasicConstraints(ca=True, path_length=path_length)
        usage = _ext(cert, ExtensionOID.KEY_USAGE)
        assert usage.critical
        assert isinstance(usage.value, x509.KeyUsage)
        assert usage.value.key_cert_sign and usage.value.crl_sign and not usage.value.digital_signature
    assert _policy_oids(root) == ["2.16.56.12.1.1"]
    assert _policy_oids(ca) == ["2.16.56.12.1.1.2"]
    eku = _ext(ca, ExtensionOID.EXTENDED_KEY_USAGE).value
    assert isinstance(eku, x509.ExtendedKeyUsage)
    assert {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= set(eku)
    assert _crl_urls(ca) == [ROOT_CRL_URL]


def _crl_urls(cert: x509.Certificate) -> list[str]:
    points = _ext(cert, ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    assert isinstance(points, x509.CRLDistributionPoints)
    return [str(name.value) for point in points for name in point.full_name or ()]


def _aia(cert: x509.Certificate) -> dict[str, str]:
    aia = _ext(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    assert isinstance(aia, x509.AuthorityInformationAccess)
    names = {AuthorityInformationAccessOID.OCSP: "ocsp", AuthorityInformationAccessOID.CA_ISSUERS: "ca_issuers"}
    return {names[item.access_method]: str(item.access_location.value) for item in aia}


def test_card_certificate_subjects(pki: TestPki, persona: Persona) -> None:
    auth_cert, _, sign_cert, _ = pki.issue_card_certificates(persona)
    for cert, role in ((auth_cert, "Authentication"), (sign_cert, "Signature")):
        subject = cert.subject
        assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"Emma Specimen ({role})"
        assert subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "Specimen"
        assert subject.get_attributes_for_oid(NameOID.GIVEN_NAME)[0].value == "Emma Louise"
        assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == persona.national_number
        assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "BE"
        assert cert.issuer == pki.citizen_ca.certificate.subject
        cert.verify_directly_issued_by(pki.citizen_ca.certificate)
        assert cert.not_valid_before_utc.date() == persona.validity_begin
        assert cert.not_valid_after_utc.date() == persona.validity_end
        _expected_key(pki, cert.public_key())
        # Like real leaves (auth-protocol §3.3): no SAN, no basic constraints, no SKI.
        for absent in (ExtensionOID.SUBJECT_ALTERNATIVE_NAME, ExtensionOID.BASIC_CONSTRAINTS,
                       ExtensionOID.SUBJECT_KEY_IDENTIFIER):
            assert not _has_ext(cert, absent)
        assert _has_ext(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        assert _crl_urls(cert) == [CRL_URL]
        assert _aia(cert) == {"ocsp": OCSP_URL, "ca_issuers": CA_ISSUERS_URL}
    assert auth_cert.serial_number != sign_cert.serial_number


def test_authentication_certificate_usage(pki: TestPki, persona: Persona) -> None:
    cert = pki.issue_card_certificates(persona).auth_cert
    usage = _ext(cert, ExtensionOID.KEY_USAGE)
    assert usage.critical
    assert usage.value == x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    eku = _ext(cert, ExtensionOID.EXTENDED_KEY_USAGE).value
    assert isinstance(eku, x509.ExtendedKeyUsage) and list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert _policy_oids(cert) == ["2.16.56.12.1.1.2.2"]
    assert not _has_ext(cert, x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"))


def test_signature_certificate_usage_and_qc_statement(pki: TestPki, persona: Persona) -> None:
    cert = pki.issue_card_certificates(persona).sign_cert
    usage = _ext(cert, ExtensionOID.KEY_USAGE)
    assert usage.critical
    assert usage.value == x509.KeyUsage(False, True, False, False, False, False, False, False, False)
    assert not _has_ext(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    assert _policy_oids(cert) == ["2.16.56.12.1.1.2.1"]
    assert _qc_statement_oids(cert) == [QC_COMPLIANCE]


def test_netscape_cert_type_only_on_rsa_generation(pki: TestPki, persona: Persona) -> None:
    oid = x509.ObjectIdentifier("2.16.840.1.113730.1.1")
    certs = pki.issue_card_certificates(persona)
    assert _has_ext(certs.auth_cert, oid) is (pki.profile == "1.7")
    assert _has_ext(certs.sign_cert, oid) is (pki.profile == "1.7")


def test_card_key_type_follows_the_card_profile(persona: Persona) -> None:
    # An RSA card under the EC chain, like the Web eID rs256 test certificate.
    ec_pki = TestPki.load(profile="1.8")
    certs = ec_pki.issue_card_certificates(persona, "1.7")
    assert isinstance(certs.auth_key, rsa.RSAPrivateKey)
    assert isinstance(certs.auth_cert.signature_hash_algorithm, hashes.SHA384)
    certs.auth_cert.verify_directly_issued_by(ec_pki.citizen_ca.certificate)


def test_rrn_and_ocsp_responder_profiles(pki: TestPki) -> None:
    rrn = pki.rrn.certificate
    usage = _ext(rrn, ExtensionOID.KEY_USAGE)
    assert usage.critical
    assert isinstance(usage.value, x509.KeyUsage)
    assert usage.value.digital_signature and usage.value.content_commitment and not usage.value.key_cert_sign
    assert _policy_oids(rrn) == ["2.16.56.12.1.1.4"]
    assert rrn.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "RRN"
    responder = pki.ocsp_responder.certificate
    eku = _ext(responder, ExtensionOID.EXTENDED_KEY_USAGE).value
    assert isinstance(eku, x509.ExtendedKeyUsage) and list(eku) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert _has_ext(responder, ExtensionOID.OCSP_NO_CHECK)
    assert responder.issuer == pki.citizen_ca.certificate.subject


def test_unknown_profile_is_a_typed_error() -> None:
    with pytest.raises(PkiError):
        TestPki.load(profile="1.9")  # type: ignore[arg-type]
    with pytest.raises(PkiError):
        PkiUrls.local("2.0")  # type: ignore[arg-type]


def test_default_urls_are_local_and_per_generation() -> None:
    rsa_urls, ec_urls = TestPki.load(profile="1.7").urls, TestPki.load(profile="1.8").urls
    for urls in (rsa_urls, ec_urls):
        assert all(url.startswith("http://127.0.0.1:") for url in (urls.ocsp_url, urls.crl_url, urls.ca_issuers_url))
    assert rsa_urls.crl_url != ec_urls.crl_url


# --- real openssl: chain verification, offline OCSP round trip with the delegated responder, CRL ---


def _openssl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture
def exported(pki: TestPki, persona: Persona, tmp_path: Path) -> Iterator[tuple[TestPki, Path]]:
    files = pki.export(tmp_path)
    assert files.root.read_bytes() == pki.root.cert_pem()
    assert files.ca_chain.read_bytes() == pki.citizen_ca.cert_pem() + pki.root.cert_pem()
    assert oct(files.ocsp_responder_key.stat().st_mode & 0o777) == "0o600"
    certs = pki.issue_card_certificates(persona)
    (tmp_path / "auth.pem").write_bytes(certs.auth_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "sign.pem").write_bytes(certs.sign_cert.public_bytes(serialization.Encoding.PEM))
    yield pki, tmp_path


def test_openssl_verifies_the_chains(exported: tuple[TestPki, Path]) -> None:
    pki, directory = exported
    suffix = pki.key_kind
    result = _openssl("verify", "-CAfile", f"root-{suffix}.pem", "-untrusted", f"citizenca-{suffix}.pem",
                      "-attime", str(int(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc).timestamp())),
                      "auth.pem", "sign.pem", f"ocsp-responder-{suffix}.pem", f"rrn-{suffix}.pem", cwd=directory)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": OK") == 4


@pytest.mark.parametrize("revoked", [False, True])
def test_openssl_ocsp_round_trip_with_delegated_responder(exported: tuple[TestPki, Path], revoked: bool) -> None:
    pki, directory = exported
    suffix = pki.key_kind
    auth = x509.load_pem_x509_certificate((directory / "auth.pem").read_bytes())
    expiry = auth.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    status, revocation = ("R", "260101000000Z") if revoked else ("V", "")
    subject = "/" + "/".join(attr.rfc4514_string() for attr in auth.subject)
    (directory / "index.txt").write_text(f"{status}\t{expiry}\t{revocation}\t{auth.serial_number:X}\tunknown\t"
                                         f"{subject}\n", encoding="utf-8")
    request = _openssl("ocsp", "-issuer", f"citizenca-{suffix}.pem", "-cert", "auth.pem", "-reqout", "req.der",
                       cwd=directory)
    assert request.returncode == 0, request.stderr
    respond = _openssl("ocsp", "-index", "index.txt", "-CA", f"citizenca-{suffix}.pem", "-rsigner",
                       f"ocsp-responder-{suffix}.pem", "-rkey", f"ocsp-responder-{suffix}.key",
                       "-reqin", "req.der", "-respout", "resp.der", cwd=directory)
    assert respond.returncode == 0, respond.stderr
    check = _openssl("ocsp", "-no_nonce", "-respin", "resp.der", "-CAfile", f"root-{suffix}.pem", "-verify_other",
                     f"citizenca-{suffix}.pem", "-issuer", f"citizenca-{suffix}.pem", "-cert", "auth.pem",
                     cwd=directory)
    assert check.returncode == 0, check.stderr
    assert "Response verify OK" in check.stderr + check.stdout
    assert ("revoked" if revoked else "good") in check.stdout


def test_crl_revokes_with_openssl_crl_check(exported: tuple[TestPki, Path], persona: Persona) -> None:
    pki, directory = exported
    suffix = pki.key_kind
    certs = pki.issue_card_certificates(persona)
    crl = pki.make_crl([certs.auth_cert.serial_number])
    (directory / "ca.crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (directory / "root.crl.pem").write_bytes(pki.make_crl(issuer="root").public_bytes(serialization.Encoding.PEM))
    args = ("verify", "-crl_check_all", "-CRLfile", "ca.crl.pem", "-CRLfile", "root.crl.pem", "-CAfile",
            f"root-{suffix}.pem", "-untrusted", f"citizenca-{suffix}.pem")
    assert _openssl(*args, "sign.pem", cwd=directory).returncode == 0
    revoked = _openssl(*args, "auth.pem", cwd=directory)
    assert revoked.returncode != 0
    assert "revoked" in (revoked.stdout + revoked.stderr).lower()


def test_make_crl_contents(pki: TestPki) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    crl = pki.make_crl([5, 3, 5], this_update=start, crl_number=7)
    assert crl.is_signature_valid(pki.citizen_ca.certificate.public_key())  # type: ignore[arg-type]
    assert crl.issuer == pki.citizen_ca.certificate.subject
    assert sorted(entry.serial_number for entry in crl) == [3, 5]
    assert crl.last_update_utc == start and crl.next_update_utc == start + dt.timedelta(days=7)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7
    assert pki.make_crl([5, 3], this_update=start, crl_number=7).public_bytes(serialization.Encoding.DER) == \
        crl.public_bytes(serialization.Encoding.DER)
    root_crl = pki.make_crl(issuer="root")
    assert root_crl.is_signature_valid(pki.root.certificate.public_key())  # type: ignore[arg-type]
    with pytest.raises(PkiError):
        pki.make_crl(issuer="rrn")  # type: ignore[arg-type]
    with pytest.raises(PkiError):
        pki.make_crl(this_update=start, next_update=start)


def test_write_trust_anchors(pki: TestPki, tmp_path: Path) -> None:
    path = pki.write_trust_anchors(tmp_path / "anchors")
    anchor = x509.load_pem_x509_certificate(path.read_bytes())
    assert anchor == pki.root.certificate
    assert anchor.subject == anchor.issuer


# --- determinism and caching ---


def test_same_seed_gives_identical_certificates(pki: TestPki, persona: Persona) -> None:
    rebuilt = TestPki(pki.seed, pki.profile, pki.urls)  # bypasses the per-process memo
    for name in ("root", "citizen_ca", "rrn", "ocsp_responder"):
        assert getattr(rebuilt, name).cert_der() == getattr(pki, name).cert_der()
    first, second = pki.issue_card_certificates(persona), rebuilt.issue_card_certificates(persona)
    assert first.auth_cert == second.auth_cert and first.sign_cert == second.sign_cert


def test_different_seed_gives_different_keys(persona: Persona) -> None:
    a = TestPki.load("seed-a", profile="1.8")
    b = TestPki.load("seed-b", profile="1.8")
    assert a.root.certificate.public_key() != b.root.certificate.public_key()
    assert a.issue_card_certificates(persona).auth_cert.public_key() != \
        b.issue_card_certificates(persona).auth_cert.public_key()
    assert a.root.certificate.serial_number != b.root.certificate.serial_number


def test_card_keys_differ_per_person_and_role(persona: Persona) -> None:
    pki = TestPki.load(profile="1.8")
    kid = Persona.default_kid()
    keys = [pki.card_key(p, role).public_key() for p in (persona, kid) for role in ("auth", "sign", "basic")]
    encoded = {k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
               for k in keys}
    assert len(encoded) == 6


def test_rsa_derivation_is_a_function_of_seed_and_label() -> None:
    a = derive_rsa_key("s", "label", bits=768)
    b = derive_rsa_key("s", "label", bits=768)
    c = derive_rsa_key("s", "other", bits=768)
    assert a.private_numbers() == b.private_numbers()
    assert a.private_numbers() != c.private_numbers()
    numbers = a.private_numbers()
    assert numbers.public_numbers.n == numbers.p * numbers.q
    assert numbers.public_numbers.n.bit_length() == 768 and numbers.public_numbers.e == 65537
    message = b"deterministic"
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = a.sign(message, padding.PKCS1v15(), hashes.SHA256())
    a.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def test_ec_derivation_is_a_function_of_seed_and_label() -> None:
    a, b, c = derive_ec_key("s", "x"), derive_ec_key("s", "x"), derive_ec_key("t", "x")
    assert a.private_numbers() == b.private_numbers() != c.private_numbers()
    assert a.curve.name == "secp384r1"


def _is_prime_by_trial(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


@given(st.integers(0, 60_000))
@settings(max_examples=400, deadline=None)
def test_miller_rabin_agrees_with_trial_division(n: int) -> None:
    assert is_probable_prime(n, SeedStream("mr", str(n))) is _is_prime_by_trial(n)


@pytest.mark.parametrize("n", [561, 1105, 1729, 2465, 2821, 6601, 8911, 41041, 3215031751, 2**64 + 1])
def test_miller_rabin_rejects_carmichael_and_strong_pseudoprimes(n: int) -> None:
    assert not is_probable_prime(n, SeedStream("mr", "c"))


def test_miller_rabin_accepts_mersenne_primes_and_rejects_their_product() -> None:
    stream = SeedStream("mr", "m")
    assert is_probable_prime(2**127 - 1, stream)
    assert is_probable_prime(2**521 - 1, stream)
    assert not is_probable_prime((2**127 - 1) * (2**89 - 1), stream)


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    clear_memory_cache()
    yield tmp_path / "cache"
    clear_memory_cache()


def test_keys_are_cached_on_disk_and_reloaded_fast(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = load_key("cache-seed", "cache-test", "rsa2048")
    directory = seed_cache_dir("cache-seed")
    assert directory.is_relative_to(private_cache / "pki")
    cached = list(directory.glob("*.pem"))
    assert len(cached) == 1 and oct(cached[0].stat().st_mode & 0o077) == "0o0"

    clear_memory_cache()

    def must_not_derive(*args: object, **kwargs: object) -> rsa.RSAPrivateKey:
        raise AssertionError("the cached key should have been used")

    monkeypatch.setattr(pki_module, "derive_rsa_key", must_not_derive)
    again = load_key("cache-seed", "cache-test", "rsa2048")
    assert again.private_numbers() == key.private_numbers()
    # In-process memo: the very same object, no file access.
    shutil.rmtree(directory)
    assert load_key("cache-seed", "cache-test", "rsa2048") is again


def test_corrupt_cache_file_is_replaced(private_cache: Path) -> None:
    key = load_key("cache-seed", "corrupt", "rsa2048")
    (path,) = seed_cache_dir("cache-seed").glob("*.pem")
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    clear_memory_cache()
    assert load_key("cache-seed", "corrupt", "rsa2048").private_numbers() == key.private_numbers()
    assert b"garbage" not in path.read_bytes()


def test_unwritable_cache_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    clear_memory_cache()
    try:
        key = load_key("cache-seed", "nowhere", "p384")
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        rsa_key = load_key("cache-seed", "nowhere", "rsa2048")
        assert isinstance(rsa_key, rsa.RSAPrivateKey)
    finally:
        clear_memory_cache()


def test_memoised_pki_is_reused() -> None:
    assert TestPki.load(profile="1.8") is TestPki.load(profile="1.8")
    assert TestPki.load(profile="1.8") is not TestPki.load(profile="1.8", ocsp_url="http://127.0.0.1:1/")


def test_default_cache_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert seed_cache_dir("x").is_relative_to(Path.home() / ".cache" / "eidlib" / "pki")
    assert seed_cache_dir("x") != seed_cache_dir("y")
    assert os.sep not in seed_cache_dir("a/b").name


def test_common_name_is_cut_to_64_utf8_bytes_without_splitting_characters() -> None:
    long_name = Persona.default().replace(first_names="Éléonore Marie", surname="Van den " + "é" * 40)
    for role in ("Authentication", "Signature"):
        cn = common_name(long_name, role)
        assert cn.endswith(f" ({role})")
        assert len(cn.encode("utf-8")) <= 64
        assert cn.startswith("Éléonore Van den é")
    assert common_name(Persona.default(), "Signature") == "Emma Specimen (Signature)"
    nameless = Persona.default().replace(first_names="")
    assert common_name(nameless, "Authentication") == "Specimen (Authentication)"
    cert = TestPki.load(profile="1.8").issue_card_certificates(nameless).auth_cert
    assert not cert.subject.get_attributes_for_oid(NameOID.GIVEN_NAME)


@pytest.mark.parametrize("status", ["good", "revoked", "unknown"])
def test_make_ocsp_response_verifies_with_openssl(exported: tuple[TestPki, Path], status: OcspStatus) -> None:
    pki, directory = exported
    suffix = pki.key_kind
    auth = x509.load_pem_x509_certificate((directory / "auth.pem").read_bytes())
    response = pki.make_ocsp_response(auth, status=status, nonce=b"\x01" * 16)
    (directory / "made.der").write_bytes(response.public_bytes(serialization.Encoding.DER))
    check = _openssl("ocsp", "-no_nonce", "-respin", "made.der", "-CAfile", f"root-{suffix}.pem", "-verify_other",
                     f"citizenca-{suffix}.pem", "-issuer", f"citizenca-{suffix}.pem", "-cert", "auth.pem",
                     cwd=directory)
    assert check.returncode == 0, check.stderr
    assert "Response verify OK" in check.stderr + check.stdout
    assert f"auth.pem: {status}" in check.stdout


def test_make_ocsp_response_contents(pki: TestPki, persona: Persona) -> None:
    auth = pki.issue_card_certificates(persona).auth_cert
    start = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    response = pki.make_ocsp_response(auth, status="revoked", this_update=start, nonce=b"n" * 20,
                                      cert_id_hash=hashes.SHA256())
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == start and response.this_update_utc == start
    assert response.serial_number == auth.serial_number
    assert isinstance(response.hash_algorithm, hashes.SHA256)
    assert response.certificates == [pki.ocsp_responder.certificate]
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 20
    responder_key = pki.ocsp_responder.certificate.public_key()
    assert response.signature_hash_algorithm is not None
    if isinstance(responder_key, rsa.RSAPublicKey):
        from cryptography.hazmat.primitives.asymmetric import padding

        responder_key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(),
                             response.signature_hash_algorithm)
    else:
        assert isinstance(responder_key, ec.EllipticCurvePublicKey)
        responder_key.verify(response.signature, response.tbs_response_bytes,
                             ec.ECDSA(response.signature_hash_algorithm))
    with pytest.raises(PkiError):
        pki.make_ocsp_response(pki.rrn.certificate)
    with pytest.raises(PkiError):
        pki.make_ocsp_response(auth, status="maybe")  # type: ignore[arg-type]
