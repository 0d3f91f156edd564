"""Pkcs11Token over OpenSC's real PKCS#11 module, against the virtual cards behind the real pcscd."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from eidlib.apdu.errors import CardRemovedError
from eidlib.opener import open_card
from eidlib.pkcs11 import Pkcs11Token, TokenNotPresent, open_token
from eidlib.token.errors import NotSupported, PinBlocked, SecurityStatusNotSatisfied, WrongPin
from tests.pcsc_harness import PcscStack
from tests.pkcs11.cards import reset_card, slot_of

pytestmark = pytest.mark.opensc

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
PIN = "1234"
HASH_CLASSES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


@pytest.fixture
def opensc_17(pcsc_cards: PcscStack) -> Iterator[Pkcs11Token]:
    with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
        yield token


def rsa_public(certificate: bytes | None) -> rsa.RSAPublicKey:
    assert certificate is not None
    public = x509.load_der_x509_certificate(certificate).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    return public


def test_token_seen_through_opensc(opensc_17: Pkcs11Token, pcsc_cards: PcscStack) -> None:
    assert opensc_17.info.label.startswith("BELPIC")
    assert opensc_17.pin_rule.digits_only and opensc_17.pin_rule.max_length == 12
    with pytest.raises(TokenNotPresent):
        open_token(OPENSC, reader="No Such Reader 00 00")


def test_certificates_need_login_and_match_the_card(opensc_17: Pkcs11Token, pcsc_cards: PcscStack) -> None:
    # applet 1.7 flags its certificates private in the CDF, so OpenSC shows them only after C_Login
    with pytest.raises(SecurityStatusNotSatisfied):
        opensc_17.read_certificates()
    opensc_17.verify_pin(PIN)
    through_pkcs11 = opensc_17.read_certificates()
    with open_card(reader=pcsc_cards.reader_17) as card:
        direct = card.read_certificates()
    for field in ("authentication", "signature", "ca", "root"):
        assert getattr(through_pkcs11, field) == getattr(direct, field), field


@pytest.mark.parametrize("hash_name", sorted(HASH_CLASSES))
def test_authentication_signature_verifies(opensc_17: Pkcs11Token, hash_name: str) -> None:
    data = b"sign me through OpenSC"
    signature = opensc_17.sign(data, hash=hash_name, pin=PIN)  # type: ignore[arg-type]
    public = rsa_public(opensc_17.read_certificates().authentication)
    public.verify(signature, data, padding.PKCS1v15(), HASH_CLASSES[hash_name]())


def test_prehashed_authentication_signature(opensc_17: Pkcs11Token) -> None:
    digest = hashlib.sha256(b"web eid challenge").digest()
    opensc_17.verify_pin(PIN)
    signature = opensc_17.sign(digest, prehashed=True)
    public = rsa_public(opensc_17.read_certificates().authentication)
    public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_pss_is_not_offered(opensc_17: Pkcs11Token) -> None:
    with pytest.raises(NotSupported):
        opensc_17.sign(b"x", padding="pss", pin=PIN)


def test_signature_key_refused_with_typed_error(opensc_17: Pkcs11Token, pcsc_cards: PcscStack) -> None:
    try:
        with pytest.raises(NotSupported) as caught:
            opensc_17.sign(b"contract", key="signature", pin=PIN)
        assert "non-repudiation" in str(caught.value)
    finally:
        opensc_17.close()
        reset_card(pcsc_cards, pcsc_cards.reader_17)


def test_wrong_pin_then_right_pin(opensc_17: Pkcs11Token) -> None:
    with pytest.raises(WrongPin) as caught:
        opensc_17.verify_pin("9999")
    assert caught.value.tries_left in (None, 2)
    assert "9999" not in str(caught.value)
    opensc_17.verify_pin(PIN)  # resets the card's counter for the other tests


def test_card_removed_mid_session(pcsc_cards: PcscStack) -> None:
    slot = slot_of(pcsc_cards, pcsc_cards.reader_17)
    with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
        token.verify_pin(PIN)
        pcsc_cards.remove_card(slot)
        with pytest.raises(CardRemovedError):
            token.sign(b"too late")


def test_pin_counts_down_to_blocked(pcsc_cards: PcscStack) -> None:
    slot = slot_of(pcsc_cards, pcsc_cards.reader_17)
    try:
        with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
            with pytest.raises(WrongPin):
                token.verify_pin("9999")
            with pytest.raises(WrongPin) as caught:
                token.verify_pin("9998")
            assert caught.value.tries_left == 1  # CKF_USER_PIN_FINAL_TRY
            assert token.pin_tries_left() == 1
            with pytest.raises(PinBlocked):
                token.verify_pin("9997")
            assert token.pin_tries_left() == 0
            with pytest.raises(PinBlocked):
                token.verify_pin(PIN)  # blocked: even the right PIN is refused
    finally:
        pcsc_cards.remove_card(slot)
        pcsc_cards.insert_card(slot, fresh=True)


def test_applet_18_through_opensc_is_typed(pcsc_cards: PcscStack) -> None:
    # OpenSC 0.23 sees the P-384 key but offers no ECDSA mechanism for BELPIC
    with open_token(OPENSC, reader=pcsc_cards.reader_18) as token:
        token.verify_pin(PIN)
        assert token.private_key("authentication").coordinate_size == 48
        with pytest.raises(NotSupported):
            token.sign(b"x")


def test_change_pin_through_opensc(opensc_17: Pkcs11Token) -> None:
    opensc_17.change_pin(PIN, "5678")
    try:
        with pytest.raises(WrongPin):
            opensc_17.verify_pin(PIN)
        opensc_17.verify_pin("5678")
    finally:
        opensc_17.change_pin("5678", PIN)
    opensc_17.verify_pin(PIN)
