"""Pkcs11Token against real SoftHSM2 tokens provisioned like eID cards."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import PyKCS11
import pytest
from cryptography.exceptions import InvalidSignature

from eidlib.pkcs11 import (
    InvalidDigest,
    ObjectNotFound,
    Pkcs11ModuleLoadError,
    Pkcs11ModuleNotFound,
    Pkcs11Token,
    TokenNotPresent,
    open_token,
)
from eidlib.token.errors import (
    NotSupported,
    PinFormatError,
    PinRequired,
    SecurityStatusNotSatisfied,
    TokenClosed,
    WrongPin,
)
from eidlib.token.protocol import PinEntry, Token
from tests.pkcs11.fixtures import CONSUMER, EC_TOKEN, NATIVE_ID_TOKEN, PLAIN_PIN, PLAIN_TOKEN, RSA_TOKEN
from tests.pkcs11.softhsm import USER_PIN, SoftHsm
from tests.support.signatures import HASH_CLASSES, verify_signature

pytestmark = pytest.mark.softhsm

DATA = b"the quick brown fox signs the lazy dog"


@pytest.fixture
def rsa_token(softhsm: SoftHsm) -> Iterator[Pkcs11Token]:
    with open_token(softhsm.module, token_label=RSA_TOKEN) as token:
        yield token


@pytest.fixture
def ec_token(softhsm: SoftHsm) -> Iterator[Pkcs11Token]:
    with open_token(softhsm.module, token_label=EC_TOKEN) as token:
        yield token


def test_is_a_token(rsa_token: Pkcs11Token) -> None:
    assert isinstance(rsa_token, Token)
    assert rsa_token.info.label == RSA_TOKEN
    assert rsa_token.pin_rule.digits_only


def test_certificates_match_provisioning(softhsm: SoftHsm, rsa_token: Pkcs11Token, ec_token: Pkcs11Token) -> None:
    assert rsa_token.read_certificates() == softhsm.tokens[RSA_TOKEN].certificates
    assert ec_token.read_certificates() == softhsm.tokens[EC_TOKEN].certificates


def test_native_ckattr_ids_find_objects(softhsm: SoftHsm) -> None:
    with open_token(softhsm.module, token_label=NATIVE_ID_TOKEN) as token:
        assert token.read_certificates() == softhsm.tokens[NATIVE_ID_TOKEN].certificates
        signature = token.sign(DATA, key="signature", pin=USER_PIN)
        verify_signature(token.read_certificates().signature, signature, DATA, "sha384")


@pytest.mark.parametrize("hash_name", sorted(HASH_CLASSES))
def test_rsa_pkcs1_every_hash(rsa_token: Pkcs11Token, hash_name: str) -> None:
    rsa_token.verify_pin(USER_PIN)
    signature = rsa_token.sign(DATA, hash=hash_name)  # type: ignore[arg-type]
    verify_signature(rsa_token.read_certificates().authentication, signature, DATA, hash_name)


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_rsa_pkcs1_prehashed_uses_digestinfo(rsa_token: Pkcs11Token, hash_name: str) -> None:
    digest = hashlib.new(hash_name, DATA).digest()
    signature = rsa_token.sign(digest, hash=hash_name, prehashed=True, pin=USER_PIN)  # type: ignore[arg-type]
    verify_signature(rsa_token.read_certificates().authentication, signature, digest, hash_name, prehashed=True)


@pytest.mark.parametrize("prehashed", [False, True])
@pytest.mark.parametrize("hash_name", ["sha1", "sha256", "sha384", "sha512"])
def test_rsa_pss(rsa_token: Pkcs11Token, hash_name: str, prehashed: bool) -> None:
    message = hashlib.new(hash_name, DATA).digest() if prehashed else DATA
    rsa_token.verify_pin(USER_PIN)
    signature = rsa_token.sign(
        message, hash=hash_name, prehashed=prehashed, padding="pss"  # type: ignore[arg-type]
    )
    verify_signature(rsa_token.read_certificates().authentication, signature, message, hash_name, pss=True,
           prehashed=prehashed)


def test_rsa_pss_parameters_the_module_refuses(rsa_token: Pkcs11Token) -> None:
    rsa_token.verify_pin(USER_PIN)  # SoftHSM 2.6 has no SHA-3 in PSS parameters
    with pytest.raises(NotSupported):
        rsa_token.sign(DATA, hash="sha3_256", padding="pss")
    verify_signature(rsa_token.read_certificates().authentication, rsa_token.sign(DATA), DATA, "sha256")


def test_rsa_host_hashing_when_module_lacks_combined_mechanism(rsa_token: Pkcs11Token) -> None:
    assert PyKCS11.CKM_SHA3_256_RSA_PKCS not in rsa_token.mechanisms  # SoftHSM 2.6: host SHA3 + DigestInfo
    signature = rsa_token.sign(DATA, hash="sha3_256", pin=USER_PIN)
    verify_signature(rsa_token.read_certificates().authentication, signature, DATA, "sha3_256")


@pytest.mark.parametrize("hash_name", sorted(HASH_CLASSES))
@pytest.mark.parametrize("key", ["authentication", "signature"])
def test_ecdsa_host_hashing(ec_token: Pkcs11Token, hash_name: str, key: str) -> None:
    assert PyKCS11.CKM_ECDSA_SHA384 not in ec_token.mechanisms  # SoftHSM has plain CKM_ECDSA only
    ec_token.verify_pin(USER_PIN)
    signature = ec_token.sign(DATA, key=key, hash=hash_name)  # type: ignore[arg-type]
    certificates = ec_token.read_certificates()
    verify_signature(getattr(certificates, key), signature, DATA, hash_name)


def test_ecdsa_default_hash_is_sha384(ec_token: Pkcs11Token) -> None:
    signature = ec_token.sign(DATA, pin=USER_PIN)
    verify_signature(ec_token.read_certificates().authentication, signature, DATA, "sha384")
    with pytest.raises(InvalidSignature):
        verify_signature(ec_token.read_certificates().authentication, signature, DATA, "sha256")


def test_ecdsa_prehashed(ec_token: Pkcs11Token) -> None:
    digest = hashlib.sha384(DATA).digest()
    signature = ec_token.sign(digest, prehashed=True, pin=USER_PIN)
    verify_signature(ec_token.read_certificates().authentication, signature, digest, "sha384", prehashed=True)


def test_ecdsa_refuses_pss(ec_token: Pkcs11Token) -> None:
    with pytest.raises(NotSupported):
        ec_token.sign(DATA, padding="pss", pin=USER_PIN)


def test_prehashed_digest_of_wrong_length(rsa_token: Pkcs11Token) -> None:
    with pytest.raises(InvalidDigest):
        rsa_token.sign(b"\x00" * 31, hash="sha256", prehashed=True, pin=USER_PIN)


def test_always_authenticate_key_uses_context_login(rsa_token: Pkcs11Token) -> None:
    signature = rsa_token.sign(DATA, key="signature", pin=USER_PIN)
    verify_signature(rsa_token.read_certificates().signature, signature, DATA, "sha256")
    # logged in, but this key wants the PIN for every signature
    with pytest.raises(SecurityStatusNotSatisfied):
        rsa_token.sign(DATA, key="signature")
    assert rsa_token.private_key("signature").always_authenticate
    assert not rsa_token.private_key("authentication").always_authenticate


def test_wrong_pin_is_typed_and_not_retried(rsa_token: Pkcs11Token) -> None:
    with pytest.raises(WrongPin) as caught:
        rsa_token.verify_pin("9999")
    assert caught.value.tries_left is None  # SoftHSM only sets CKF_USER_PIN_COUNT_LOW
    assert "9999" not in str(caught.value) and "9999" not in repr(caught.value.__cause__)
    assert rsa_token.pin_count_low()
    assert rsa_token.pin_tries_left() is None
    rsa_token.verify_pin(USER_PIN)
    assert not rsa_token.pin_count_low()


def test_wrong_pin_through_sign(ec_token: Pkcs11Token) -> None:
    with pytest.raises(WrongPin):
        ec_token.sign(DATA, pin="0000")


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "١٢٣٤", ""])
def test_belpic_pin_format_checked_before_login(rsa_token: Pkcs11Token, pin: str) -> None:
    with pytest.raises(PinFormatError) as caught:
        rsa_token.verify_pin(pin)
    assert pin not in str(caught.value) or pin == ""
    assert not rsa_token.pin_count_low(), "nothing may reach the token"


def test_other_tokens_use_their_own_pin_length(softhsm: SoftHsm) -> None:
    with open_token(softhsm.module, token_label=PLAIN_TOKEN) as token:
        assert not token.pin_rule.digits_only
        assert token.pin_rule.min_length == token.info.min_pin_length
        token.verify_pin(PLAIN_PIN)
        with pytest.raises(PinFormatError):
            token.verify_pin("abc")
        with pytest.raises(NotSupported):
            token.sign(DATA)


def test_not_logged_in_needs_pin(rsa_token: Pkcs11Token) -> None:
    with pytest.raises(SecurityStatusNotSatisfied):
        rsa_token.sign(DATA)
    rsa_token.verify_pin(USER_PIN)
    rsa_token.sign(DATA)
    rsa_token.log_off()
    rsa_token.log_off()
    with pytest.raises(SecurityStatusNotSatisfied):
        rsa_token.sign(DATA)


def test_pin_none_without_pin_pad(rsa_token: Pkcs11Token) -> None:
    assert not rsa_token.info.protected_authentication_path
    assert rsa_token.pin_entry is PinEntry.KEYBOARD
    # the same error as the card session without a PIN pad (tests/pkcs11/test_token_parity.py)
    with pytest.raises(PinRequired):
        rsa_token.verify_pin(None)


def test_data_objects(rsa_token: Pkcs11Token, ec_token: Pkcs11Token) -> None:
    from eidlib.carddata.address import Address
    from eidlib.carddata.identity import Identity

    identity = rsa_token.read_identity()
    assert identity == Identity.parse((CONSUMER / "test-identity.tlv").read_bytes())
    assert rsa_token.read_address() == Address.parse((CONSUMER / "test-address.tlv").read_bytes())
    assert rsa_token.read_photo() == (CONSUMER / "test-photo.jpg").read_bytes()
    assert rsa_token.read_certificates().rrn == (CONSUMER / "test-rrn-cert.der").read_bytes()
    with pytest.raises(ObjectNotFound):
        ec_token.read_identity()
    with pytest.raises(NotSupported):
        ec_token.read_photo()
    assert ec_token.read_certificates().rrn is None


def test_integrity_from_data_objects(rsa_token: Pkcs11Token, ec_token: Pkcs11Token) -> None:
    result = rsa_token.verify_integrity()
    assert result.identity.firstnames == "Alice Geldigekaart"
    assert result.address.zip == "2000"
    assert result.photo_verified and not result.basic_key_verified
    assert result.rrn_certificate == (CONSUMER / "test-rrn-cert.der").read_bytes()
    with pytest.raises(ObjectNotFound):
        ec_token.verify_integrity()


@pytest.mark.parametrize(
    "bad", [{"hash": "md5"}, {"padding": "oaep"}, {"key": "card"}], ids=["hash", "padding", "key"]
)
def test_impossible_requests_refused_before_the_pin(rsa_token: Pkcs11Token, bad: dict[str, str]) -> None:
    with pytest.raises(NotSupported):
        rsa_token.sign(DATA, pin="0000", **bad)  # type: ignore[arg-type]
    assert not rsa_token.pin_count_low(), "the wrong PIN never reached the token"


def test_unknown_key_and_hash(rsa_token: Pkcs11Token) -> None:
    rsa_token.verify_pin(USER_PIN)
    with pytest.raises(NotSupported):
        rsa_token.sign(DATA, key="card")  # type: ignore[arg-type]
    with pytest.raises(NotSupported):
        rsa_token.sign(DATA, hash="md5")  # type: ignore[arg-type]


def test_token_selection(softhsm: SoftHsm) -> None:
    with pytest.raises(TokenNotPresent) as caught:
        open_token(softhsm.module, token_label="NO-SUCH-TOKEN")
    assert RSA_TOKEN in caught.value.seen
    with open_token(softhsm.module, token_label=f"  {RSA_TOKEN}\0\0") as token:
        slot = token.slot
    with open_token(softhsm.module, slot=slot) as token:
        assert token.info.label == RSA_TOKEN
    with pytest.raises(TokenNotPresent):
        open_token(softhsm.module, slot=10_000)


def test_no_module_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIDLIB_PKCS11_MODULE", "/nonexistent/libbeidpkcs11.so.0")
    with pytest.raises(Pkcs11ModuleNotFound) as caught:
        open_token()
    assert "/nonexistent/libbeidpkcs11.so.0" in str(caught.value)


def test_module_load_failure(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(Pkcs11ModuleLoadError):
        open_token("/nonexistent/libnothing.so")


def test_closed_token(rsa_token: Pkcs11Token) -> None:
    rsa_token.close()
    rsa_token.close()
    assert rsa_token.closed
    with pytest.raises(TokenClosed):
        rsa_token.read_certificates()


def test_verify_pin_checks_even_when_another_session_logged_in(softhsm: SoftHsm) -> None:
    # both objects share one loaded module, hence one login state
    with open_token(softhsm.module, token_label=RSA_TOKEN) as first, \
            open_token(softhsm.module, token_label=RSA_TOKEN) as second:
        first.verify_pin(USER_PIN)
        with pytest.raises(WrongPin):
            second.verify_pin("4321")
        second.verify_pin(USER_PIN)
        second.sign(DATA)


def test_bytearray_pin(rsa_token: Pkcs11Token) -> None:
    pin = bytearray(USER_PIN.encode())
    rsa_token.verify_pin(pin)
    signature = rsa_token.sign(DATA, key="signature", pin=pin)
    verify_signature(rsa_token.read_certificates().signature, signature, DATA, "sha256")
    with pytest.raises(WrongPin):
        rsa_token.verify_pin(bytearray(b"0000"))
    rsa_token.verify_pin(pin)


def test_change_pin(softhsm: SoftHsm) -> None:
    with open_token(softhsm.module, token_label=PLAIN_TOKEN) as token:
        with pytest.raises(PinFormatError):
            token.change_pin(PLAIN_PIN, "abc")  # below the token's minimum: nothing sent
        with pytest.raises(WrongPin):
            token.change_pin("not-the-pin", "new-secret")
        token.change_pin(PLAIN_PIN, bytearray(b"new-secret"))
        try:
            with pytest.raises(WrongPin):
                token.verify_pin(PLAIN_PIN)
            token.verify_pin("new-secret")
        finally:
            token.change_pin("new-secret", PLAIN_PIN)
        token.verify_pin(PLAIN_PIN)
