"""Pkcs11Token against a stand-in for the official eID module's documented quirks (beid-card.md §7)."""

from __future__ import annotations

import hashlib
import logging

import PyKCS11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eidlib.apdu.errors import CardRemovedError
from eidlib.carddata.address import Address
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.carddata.identity import Identity
from eidlib.pkcs11 import Pkcs11Token
from eidlib.signing import sign_file_cms
from eidlib.token.errors import NotSupported, PinBlocked, PinCancelled, PinFormatError, PinRequired, WrongPin
from eidlib.token.protocol import PinEntry
from tests.pkcs11.fixtures import CONSUMER
from tests.pkcs11.official_module import OfficialModule, OfficialModuleState, build_state
from tests.support.pki import make_pki

DATA = b"signed through the official module"


@pytest.fixture(scope="module")
def material() -> tuple[dict[str, bytes], dict[str, rsa.RSAPrivateKey], dict[str, bytes]]:
    pki = make_pki()
    keys = {role: rsa.generate_private_key(65537, 2048) for role in ("Authentication", "Signature")}
    der = serialization.Encoding.DER
    certificates = {role: pki.certify(key.public_key(), role).public_bytes(der) for role, key in keys.items()}
    certificates["CA"] = pki.ca.der
    certificates["Root"] = pki.root.der
    data = {
        "DATA_FILE": (CONSUMER / "test-identity.tlv").read_bytes(),
        "ADDRESS_FILE": (CONSUMER / "test-address.tlv").read_bytes(),
        "PHOTO_FILE": (CONSUMER / "test-photo.jpg").read_bytes(),
    }
    return certificates, keys, data


@pytest.fixture
def state(material: tuple[dict[str, bytes], dict[str, rsa.RSAPrivateKey], dict[str, bytes]]) -> OfficialModuleState:
    return build_state(*material)


@pytest.fixture
def token(state: OfficialModuleState) -> Pkcs11Token:
    return Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)


def public(certificate: bytes | None) -> rsa.RSAPublicKey:
    assert certificate is not None
    key = x509.load_der_x509_certificate(certificate).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def user_types(state: OfficialModuleState) -> list[int]:
    return [value for name, value in state.calls if name == "C_Login"]


def test_objects_without_login(token: Pkcs11Token, material: tuple[dict[str, bytes], ...]) -> None:
    certificates = token.read_certificates()
    assert certificates.authentication == material[0]["Authentication"]
    assert certificates.signature == material[0]["Signature"]
    assert certificates.ca == material[0]["CA"] and certificates.root == material[0]["Root"]
    assert certificates.rrn is None
    assert token.read_identity() == Identity.parse(material[2]["DATA_FILE"])
    assert token.read_address() == Address.parse(material[2]["ADDRESS_FILE"])
    assert token.read_photo() == material[2]["PHOTO_FILE"]
    assert token.info.label == "BELPIC" and token.info.manufacturer == "Belgium Government"


def test_no_context_specific_login_ever(token: Pkcs11Token, state: OfficialModuleState) -> None:
    auth = token.sign(DATA, pin="1234")
    public(token.read_certificates().authentication).verify(auth, DATA, padding.PKCS1v15(), hashes.SHA256())
    signature = token.sign(DATA, key="signature", pin="1234")
    public(token.read_certificates().signature).verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())
    assert PyKCS11.CKU_CONTEXT_SPECIFIC not in user_types(state)
    assert not token.private_key("signature").always_authenticate


def test_signature_key_lets_the_module_ask_for_the_pin(token: Pkcs11Token, state: OfficialModuleState) -> None:
    signature = token.sign(DATA, key="signature")
    public(token.read_certificates().signature).verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())
    assert user_types(state) == [], "no C_Login: the module shows its own dialog"
    assert ("dialog", next(h for h, o in state.objects.items() if o.get(PyKCS11.CKA_LABEL) == "Signature"
                            and o[PyKCS11.CKA_CLASS] == PyKCS11.CKO_PRIVATE_KEY)) in state.calls


def test_cancelled_dialog_is_typed(token: Pkcs11Token, state: OfficialModuleState) -> None:
    state.dialog = "cancel"
    with pytest.raises(PinCancelled):
        token.sign(DATA, key="signature")


def test_module_hashes_and_digestinfo(token: Pkcs11Token, state: OfficialModuleState) -> None:
    token.verify_pin("1234")
    token.sign(DATA, hash="sha512")
    digest = hashlib.sha384(DATA).digest()
    signature = token.sign(digest, hash="sha384", prehashed=True)
    public(token.read_certificates().authentication).verify(
        signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA384())
    )
    inits = [value for name, value in state.calls if name == "C_SignInit"]
    assert inits == [PyKCS11.CKM_SHA512_RSA_PKCS, PyKCS11.CKM_RSA_PKCS]


def test_pss_only_where_offered(token: Pkcs11Token) -> None:
    token.verify_pin("1234")
    signature = token.sign(DATA, padding="pss")
    public(token.read_certificates().authentication).verify(
        signature, DATA, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
    )
    with pytest.raises(NotSupported):
        token.sign(DATA, padding="pss", hash="sha384")
    with pytest.raises(NotSupported):
        token.sign(hashlib.sha256(DATA).digest(), padding="pss", prehashed=True)


def test_pin_counts_down(token: Pkcs11Token, state: OfficialModuleState) -> None:
    with pytest.raises(WrongPin) as first:
        token.verify_pin("1111")
    assert first.value.tries_left is None  # only CKF_USER_PIN_COUNT_LOW
    with pytest.raises(WrongPin) as second:
        token.verify_pin("2222")
    assert second.value.tries_left == 1
    with pytest.raises(PinBlocked):
        token.verify_pin("3333")
    with pytest.raises(PinBlocked):
        token.verify_pin("1234")
    assert token.pin_tries_left() == 0
    assert user_types(state) == [PyKCS11.CKU_USER] * 4, "one C_Login per call, never retried"


def test_repeated_verify_really_checks(token: Pkcs11Token, state: OfficialModuleState) -> None:
    token.verify_pin("1234")
    with pytest.raises(WrongPin):
        token.verify_pin("9999")  # logged out first, so the module does not just answer CKR_OK
    assert ("C_Logout", None) in state.calls


def test_removal_mid_session(token: Pkcs11Token, state: OfficialModuleState) -> None:
    token.verify_pin("1234")
    state.removed = True
    with pytest.raises(CardRemovedError):
        token.sign(DATA)
    with pytest.raises(CardRemovedError):
        token.read_certificates()
    token.close()


def test_pin_never_logged(token: Pkcs11Token, state: OfficialModuleState, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)
    token.sign(DATA, pin="1234")
    with pytest.raises(WrongPin) as caught:
        token.verify_pin("5678")
    assert "1234" not in caplog.text and "5678" not in caplog.text
    assert "5678" not in str(caught.value) and "5678" not in str(caught.value.__cause__)
    assert state.pins_seen == [b"1234", b"5678"]


def test_cms_through_the_official_module(token: Pkcs11Token, tmp_path: pytest.TempPathFactory) -> None:
    der = sign_file_cms(token, DATA, key="signature")  # the module's dialog supplies the PIN
    assert der.startswith(b"\x30")


def test_logging_names_the_mechanism(token: Pkcs11Token, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="eidlib.pkcs11.token")
    token.sign(DATA, pin="1234", hash="sha384")
    assert "CKM_SHA384_RSA_PKCS" in caplog.text


def test_integrity_fails_on_tampered_identity(
    material: tuple[dict[str, bytes], dict[str, rsa.RSAPrivateKey], dict[str, bytes]],
) -> None:
    certificates, keys, data = material
    files = {
        **data,
        "SIGN_DATA_FILE": (CONSUMER / "test-identity-sign.der").read_bytes(),
        "SIGN_ADDRESS_FILE": (CONSUMER / "test-address-sign.der").read_bytes(),
        "CERT_RN_FILE": (CONSUMER / "test-rrn-cert.der").read_bytes(),
    }
    good = Pkcs11Token(OfficialModule(build_state(certificates, keys, files)), "libbeidpkcs11.so.0", 0)
    assert good.verify_integrity().photo_verified
    tampered = {**files, "DATA_FILE": bytes([files["DATA_FILE"][0] ^ 1]) + files["DATA_FILE"][1:]}
    bad = Pkcs11Token(OfficialModule(build_state(certificates, keys, tampered)), "libbeidpkcs11.so.0", 0)
    with pytest.raises(IntegrityError) as caught:
        bad.verify_integrity()
    assert caught.value.file == "identity"
    photo = {**files, "PHOTO_FILE": b"\x00" + files["PHOTO_FILE"][1:]}
    with pytest.raises(IntegrityError):
        Pkcs11Token(OfficialModule(build_state(certificates, keys, photo)), "x", 0).verify_integrity()


def test_pin_pad_reader(state: OfficialModuleState) -> None:
    state.pinpad = True
    token = Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)
    assert token.protected_authentication_path
    token.verify_pin(None)  # entered on the reader: C_Login gets no PIN at all
    assert state.pins_seen == [b""]
    signature = token.sign(DATA)
    public(token.read_certificates().authentication).verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())


def test_pin_entry_and_change_on_a_pin_pad(state: OfficialModuleState) -> None:
    state.pinpad = True
    token = Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)
    assert token.pin_entry is PinEntry.PINPAD
    token.change_pin(None, None)  # both PINs typed on the reader: C_SetPIN gets none
    assert state.pins_seen == [b"", b""]
    with pytest.raises(PinFormatError):
        token.change_pin("1234", None)


def test_change_pin_takes_every_pin_form(state: OfficialModuleState) -> None:
    token = Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)
    assert token.pin_entry is PinEntry.KEYBOARD
    with pytest.raises(PinRequired):
        token.change_pin(None, None)
    new = bytearray(b"56789")
    token.change_pin(b"1234", new)
    assert state.pin == "56789" and new == b"56789"  # the caller's buffer is the caller's to wipe
    with pytest.raises(WrongPin):
        token.change_pin("1234", "4321")
    assert state.calls.count(("C_SetPIN", None)) == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.booleans(), max_size=8))
def test_pin_attempts_follow_the_card_counter(
    material: tuple[dict[str, bytes], dict[str, rsa.RSAPrivateKey], dict[str, bytes]], attempts: list[bool]
) -> None:
    """Model: 3 tries, a right PIN restores them, 0 tries means blocked; one C_Login per call, ever."""
    state = build_state(*material)
    token = Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)
    left = 3
    for right in attempts:
        logins_before = len(user_types(state))
        if left == 0:
            with pytest.raises(PinBlocked):
                token.verify_pin("1234" if right else "0000")
        elif right:
            token.verify_pin("1234")
            left = 3
        else:
            left -= 1
            expected: type[Exception] = PinBlocked if left == 0 else WrongPin
            with pytest.raises(expected):
                token.verify_pin("0000")
        assert len(user_types(state)) == logins_before + 1
        assert token.pin_tries_left() == {0: 0, 1: 1}.get(left)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=64), st.binary(max_size=12))
def test_malformed_objects_give_typed_errors(
    material: tuple[dict[str, bytes], dict[str, rsa.RSAPrivateKey], dict[str, bytes]], value: bytes, ckattr_id: bytes
) -> None:
    certificates, keys, data = material
    state = build_state(certificates, keys, {**data, "CERT_RN_FILE": value})
    for attributes in state.objects.values():
        if attributes[PyKCS11.CKA_CLASS] == PyKCS11.CKO_CERTIFICATE and attributes[PyKCS11.CKA_LABEL] == "CA":
            attributes[PyKCS11.CKA_VALUE] = value
            attributes[PyKCS11.CKA_ID] = ckattr_id
    token = Pkcs11Token(OfficialModule(state), "libbeidpkcs11.so.0", 0)
    try:
        read = token.read_certificates()
    except CardDataError:
        return
    assert read.ca is None or value.startswith(read.ca)
