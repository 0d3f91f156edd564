"""Detached CMS signatures made through SoftHSM2 tokens, verified by the real ``openssl cms`` binary."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from eidlib.pkcs11 import Pkcs11Token, open_token
from eidlib.signing import CmsError, sign_file_cms
from eidlib.token.errors import NotSupported
from eidlib.token.protocol import CardCertificates
from tests.pkcs11.fixtures import EC_TOKEN, RSA_TOKEN
from tests.pkcs11.openssl import openssl_verify
from tests.pkcs11.softhsm import USER_PIN, SoftHsm

pytestmark = pytest.mark.softhsm

@pytest.fixture(params=[RSA_TOKEN, EC_TOKEN])
def token(request: pytest.FixtureRequest, softhsm: SoftHsm) -> Iterator[Pkcs11Token]:
    with open_token(softhsm.module, token_label=request.param) as opened:
        yield opened


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.4 pretend contract\n" + bytes(range(256)) * 40)
    return path


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_signature_key_verifies_with_openssl(
    tmp_path: Path, softhsm: SoftHsm, token: Pkcs11Token, document: Path, hash_name: str
) -> None:
    signature = sign_file_cms(token, document, key="signature", pin=USER_PIN, hash=hash_name)  # type: ignore[arg-type]
    result = openssl_verify(tmp_path, signature, document, softhsm.pki.root.pem)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_authentication_key_verifies_with_openssl(
    tmp_path: Path, softhsm: SoftHsm, token: Pkcs11Token, document: Path
) -> None:
    signature = sign_file_cms(token, document.read_bytes(), key="authentication", pin=USER_PIN)
    # the authentication certificate is for TLS client auth (EKU), so S/MIME purpose checks must be off
    result = openssl_verify(tmp_path, signature, document, softhsm.pki.root.pem, "-purpose", "any")
    assert result.returncode == 0, result.stderr


def test_tampered_content_fails_openssl(tmp_path: Path, softhsm: SoftHsm, token: Pkcs11Token, document: Path) -> None:
    signature = sign_file_cms(token, document, pin=USER_PIN)
    document.write_bytes(document.read_bytes() + b"!")
    result = openssl_verify(tmp_path, signature, document, softhsm.pki.root.pem)
    assert result.returncode != 0


def test_other_root_fails_openssl(tmp_path: Path, token: Pkcs11Token, document: Path) -> None:
    from tests.support.pki import make_pki

    signature = sign_file_cms(token, document, pin=USER_PIN)
    result = openssl_verify(tmp_path, signature, document, make_pki().root.pem)
    assert result.returncode != 0


def test_structure(softhsm: SoftHsm, token: Pkcs11Token, document: Path) -> None:
    when = dt.datetime(2026, 3, 1, 12, 30, 5, tzinfo=dt.timezone.utc)
    der = sign_file_cms(token, document, pin=USER_PIN, hash="sha384", signing_time=when)
    info = cms.ContentInfo.load(der)
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["encap_content_info"]["content"].native is None, "detached"
    certificates = token.read_certificates()
    embedded = [c.chosen.dump() for c in signed["certificates"]]
    # a SET OF: DER orders the members, so compare without order
    assert sorted(embedded) == sorted([certificates.signature, certificates.ca, certificates.root])  # type: ignore[type-var]
    (signer,) = signed["signer_infos"]
    attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    assert attributes["content_type"].native == "data"
    assert attributes["message_digest"].native == hashlib.sha384(document.read_bytes()).digest()
    assert attributes["signing_time"].native == when
    ess = attributes["signing_certificate_v2"]["certs"][0]
    assert certificates.signature is not None
    assert ess["cert_hash"].native == hashlib.sha384(certificates.signature).digest()
    if token.info.label == EC_TOKEN:
        assert signer["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"
        r, s = decode_dss_signature(signer["signature"].native)  # DER, not raw r||s
        assert r > 0 and s > 0
    else:
        assert signer["signature_algorithm"]["algorithm"].native == "rsassa_pkcs1v15"
        assert len(signer["signature"].native) == 256


def test_without_chain(tmp_path: Path, softhsm: SoftHsm, token: Pkcs11Token, document: Path) -> None:
    der = sign_file_cms(token, document, pin=USER_PIN, include_chain=False)
    assert len(cms.ContentInfo.load(der)["content"]["certificates"]) == 1
    assert openssl_verify(tmp_path, der, document, softhsm.pki.root.pem).returncode != 0
    # the verifier then has to bring the CA itself (here in its trust bundle)
    bundle = softhsm.pki.root.pem + softhsm.pki.ca.pem
    result = openssl_verify(tmp_path, der, document, bundle)
    assert result.returncode == 0, result.stderr


class WrongKeyToken:
    """A token whose 'signature' certificate does not belong to the key it signs with."""

    def __init__(self, inner: Pkcs11Token) -> None:
        self.inner = inner

    def read_certificates(self) -> CardCertificates:
        real = self.inner.read_certificates()
        return CardCertificates(real.authentication, real.authentication, real.ca, real.root)

    def sign(self, data: bytes, **kwargs: object) -> bytes:
        return self.inner.sign(data, **kwargs)  # type: ignore[arg-type]


def test_mismatched_key_fails_closed(token: Pkcs11Token, document: Path) -> None:
    with pytest.raises(CmsError):
        sign_file_cms(WrongKeyToken(token), document, key="signature", pin=USER_PIN)  # type: ignore[arg-type]


def test_errors(token: Pkcs11Token, tmp_path: Path) -> None:
    with pytest.raises(CmsError):
        sign_file_cms(token, tmp_path / "missing.bin", pin=USER_PIN)
    with pytest.raises(NotSupported):
        sign_file_cms(token, b"x", hash="md5", pin=USER_PIN)  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [1999, 2049, 2050, 2100])
def test_signing_time_encoding(softhsm: SoftHsm, year: int) -> None:
    when = dt.datetime(year, 6, 1, 8, 0, 0, tzinfo=dt.timezone.utc)
    with open_token(softhsm.module, token_label=EC_TOKEN) as ec_token:
        der = sign_file_cms(ec_token, b"time", pin=USER_PIN, signing_time=when)
    (signer,) = cms.ContentInfo.load(der)["content"]["signer_infos"]
    (time,) = [a["values"][0] for a in signer["signed_attrs"] if a["type"].native == "signing_time"]
    assert time.native == when
    assert time.name == ("utc_time" if year < 2050 else "generalized_time")


@pytest.mark.parametrize("hash_name", ["sha256", "sha384"])
def test_rsa_pss_cms_verifies_with_openssl(tmp_path: Path, softhsm: SoftHsm, document: Path, hash_name: str) -> None:
    with open_token(softhsm.module, token_label=RSA_TOKEN) as rsa_token:
        der = sign_file_cms(rsa_token, document, pin=USER_PIN, hash=hash_name, padding="pss")  # type: ignore[arg-type]
    (signer,) = cms.ContentInfo.load(der)["content"]["signer_infos"]
    algorithm = signer["signature_algorithm"]
    assert algorithm["algorithm"].native == "rsassa_pss"
    assert algorithm["parameters"]["hash_algorithm"]["algorithm"].native == hash_name
    result = openssl_verify(tmp_path, der, document, softhsm.pki.root.pem)
    assert result.returncode == 0, result.stderr


def test_pss_with_an_ec_key_fails_before_signing(softhsm: SoftHsm, document: Path) -> None:
    with open_token(softhsm.module, token_label=EC_TOKEN) as ec_token:
        with pytest.raises(NotSupported):
            sign_file_cms(ec_token, document, pin="0000", padding="pss")
        assert not ec_token.pin_count_low(), "refused before the PIN was used"
