"""Every card generation and document of the persona catalogue: read → integrity → PIN → sign.

The checks on signatures use the public key of the certificate read from the card, with the hash
the key's size calls for, so a persona whose keys or RRN signatures are not what it claims fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.belpic.applet import Applet
from eidlib.belpic.codes import DocumentType, SpecialStatus
from eidlib.belpic.keys import EcdsaAlgorithm
from eidlib.card.session import BeidCard
from eidlib.carddata.errors import IntegrityError
from eidlib.carddata.integrity import verify_integrity
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.generations import CARD_PERSONAS, card_persona, virtual_card
from eidlib.emulator.pki import TestPki
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import KeyNotPresent
from eidlib.token.protocol import KeyRole

PIN = "1234"


@contextmanager
def opened(name: str, transport_type: type[VirtualTransport] = VirtualTransport,
           ) -> Iterator[tuple[BeidCard, VirtualCard]]:
    vc = virtual_card(name, pin=PIN)
    with BeidCard(transport_type(vc)).open() as card:
        yield card, vc


def _check_signature(certificate: bytes, signature: bytes, data: bytes) -> None:
    public = x509.load_der_x509_certificate(certificate).public_key()
    if isinstance(public, rsa.RSAPublicKey):
        assert len(signature) == public.key_size // 8
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return
    assert isinstance(public, ec.EllipticCurvePublicKey)
    size = (public.curve.key_size + 7) // 8
    assert len(signature) == 2 * size
    # The default hash on every EC card is SHA-384, P-256 included (the digest is cut to the curve).
    public.verify(ecdsa_raw_to_der(signature), data, ec.ECDSA(hashes.SHA384()))


@pytest.mark.parametrize("name", sorted(CARD_PERSONAS))
def test_persona_read_integrity_pin_sign(name: str) -> None:
    persona = card_persona(name)
    expected = persona.persona()
    with opened(name) as (card, vc):
        identity = card.read_identity()
        assert identity.national_number == expected.national_number
        assert card.read_address().municipality == expected.address.municipality
        certs = card.read_certificates()
        assert (certs.authentication is not None) == persona.has_authentication_key
        assert (certs.signature is not None) == persona.has_signature_key
        result = card.verify_integrity()
        assert result.photo_verified
        tries = card.pin_tries_left()
        assert tries == (None if not card.applet.free_pin_status else 3)
        card.verify_pin(PIN)
        assert vc.pin_tries_left == 3
        for role, cert in ((KeyRole.AUTHENTICATION, certs.authentication), (KeyRole.SIGNATURE, certs.signature)):
            if cert is None:
                with pytest.raises(KeyNotPresent):
                    card.sign(b"document", key=role, pin=PIN)
            else:
                _check_signature(cert, card.sign(b"document", key=role, pin=PIN), b"document")


def test_applet_11_layout_pause_and_pin_status() -> None:
    with opened("1.1") as (card, vc):
        applet = card.applet
        assert str(applet.version) == "1.1"
        assert applet.global_os_version == 0x0001 and applet.wrong_le_pause == 0.05
        assert not applet.card_adds_sha256_digest_info and not applet.pss
        # A status query would cost a try on 1.1: the session does not send one.
        assert card.pin_tries_left() is None
        assert vc.pin_tries_left == 3
        assert card.verify_integrity().hash_algorithm == "sha1"
        assert len(card.sign(b"x", pin=PIN)) == 128  # RSA-1024, learnt from the certificate


def test_virtual_11_card_charges_an_empty_verify() -> None:
    """The persona models the 1.1 hazard the session avoids (so the test above can fail)."""
    vc = virtual_card("1.1", pin=PIN)
    vc.power_on()
    assert vc.process(bytes.fromhex("00200001")) == bytes.fromhex("63C2")
    assert vc.pin_tries_left == 2


class _ChipTransport(VirtualTransport):
    """The virtual card as if it were a physical chip: the session keeps its pauses."""

    instant = False


def test_old_card_pause_is_applied_before_each_6cxx_resend(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    with opened("1.1", _ChipTransport) as (card, _vc):
        assert card.channel.wrong_le_delay == 0.05
        monkeypatch.setattr(card.channel._resend, "_sleep", pauses.append)
        before = len(pauses)
        card.read_identity()  # the last chunk of the file is short: 6Cxx, then the resend
        assert pauses[before:] and set(pauses) == {0.05}


@pytest.mark.parametrize("name", ["1.7", "1.8-p256"])
def test_no_pause_on_cards_that_do_not_ask_for_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    with opened(name, _ChipTransport) as (card, _vc):
        monkeypatch.setattr(card.channel._resend, "_sleep", pauses.append)
        card.read_identity()
        expected = Applet.from_card_data(card.card_data(fresh=False).raw).wrong_le_pause
        assert card.channel.wrong_le_delay == expected
        assert all(p == expected for p in pauses)
    assert name != "1.7" or not pauses  # 1.7's OS version is 00 03: no pause


def test_instant_transports_skip_the_pause() -> None:
    with opened("1.1") as (card, _vc):
        assert card.channel.wrong_le_delay == 0.0


def test_p256_card_signs_before_and_after_its_certificate_is_read() -> None:
    with opened("1.8-p256") as (card, _vc):
        first = card.sign(b"early", pin=PIN)  # certificate not read yet: any curve's r || s
        assert len(first) == 64
        cert = card.read_certificates().authentication
        assert cert is not None
        _check_signature(cert, first, b"early")
        assert card.applet.key_algorithm == "ec"
        der = card.sign_der(b"later", hash="sha256")
        public = x509.load_der_x509_certificate(cert).public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
        public.verify(der, b"later", ec.ECDSA(hashes.SHA256()))


def test_rekeyed_17_card_signs_with_ec_keys_on_the_17_applet() -> None:
    with opened("1.7-ec") as (card, _vc):
        assert card.applet_version == "1.7"
        cert = card.read_certificates().authentication
        assert cert is not None
        signature = card.sign(b"login", pin=PIN)
        _check_signature(cert, signature, b"login")
        assert card.verify_integrity().hash_algorithm == "sha384"


@pytest.mark.parametrize("key", [KeyRole.AUTHENTICATION, KeyRole.SIGNATURE])
def test_rekeyed_17_card_signs_before_any_certificate_is_read(key: KeyRole) -> None:
    """The version byte says RSA; the session asks the key's certificate before choosing the algorithm."""
    with opened("1.7-ec") as (card, vc):
        signature = card.sign(b"first thing", key=key, pin=PIN)
        assert card.applet.key_algorithm == "rsa"  # the version's facts are unchanged...
        file = "signature" if key is KeyRole.SIGNATURE else "authentication"
        cert = getattr(card.read_certificates(), file)
        assert cert is not None
        _check_signature(cert, signature, b"first thing")  # ...but the key signed as what it is
        assert vc.pin_tries_left == 3


def test_rekeyed_17_card_restores_its_ec_environment_before_a_verify() -> None:
    """After the first signature, the SE re-armed before a VERIFY names the EC algorithm, not RSA's."""
    with opened("1.7-ec") as (card, _vc):
        card.sign(b"one", pin=PIN)
        auth_mse = card._environment.auth_mse
        # ECDSA with SHA-384 (02), where the version's facts would give RSA PKCS#1 SHA-256 (08).
        assert auth_mse is not None and auth_mse[7] == EcdsaAlgorithm.SHA384


@pytest.mark.parametrize(("name", "hash_name"), [("1.7-rrn-sha1", "sha1"), ("1.7", "sha256"),
                                                 ("1.8-rrn-sha256", "sha256"), ("1.8", "sha384")])
def test_rrn_signature_verified_with_its_own_hash(name: str, hash_name: str) -> None:
    with opened(name) as (card, _vc):
        assert card.verify_integrity().hash_algorithm == hash_name


def _files(card: BeidCard) -> dict[str, bytes]:
    from eidlib.belpic.files import CardFile

    names = {"identity": CardFile.IDENTITY, "identity_signature": CardFile.IDENTITY_SIGNATURE,
             "address": CardFile.ADDRESS, "address_signature": CardFile.ADDRESS_SIGNATURE,
             "rrn_certificate": CardFile.RRN_CERTIFICATE}
    return {key: card.read_file(file) for key, file in names.items()}


def test_rsa_signature_naming_another_hash_is_refused() -> None:
    """A SHA-1 signature is checked with SHA-1 only: over other data it fails, whatever hash is tried."""
    with opened("1.7-rrn-sha1") as (card, _vc):
        files = _files(card)
    changed = bytearray(files["identity"])
    changed[-1] ^= 0x01
    with pytest.raises(IntegrityError):
        verify_integrity(**{**files, "identity": bytes(changed)})


def test_md5_rrn_signature_is_refused() -> None:
    from eidlib.emulator.pki import TestPki

    pki = TestPki.load(profile="1.7")
    with opened("1.7") as (card, _vc):
        files = _files(card)
    key = pki.rrn.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    weak = key.sign(files["identity"], padding.PKCS1v15(), hashes.MD5())
    with pytest.raises(IntegrityError):
        verify_integrity(**{**files, "identity_signature": weak})


@pytest.mark.parametrize(("name", "document", "check"), [
    ("eu-citizen", DocumentType.FOREIGNER_EU, lambda i: i.card_eu_start_date is not None),
    ("family-member", DocumentType.FOREIGNER_F_PLUS, lambda i: i.member_of_family),
    ("long-term-resident", DocumentType.FOREIGNER_L, lambda i: i.work_permit_mention == "7"),
    ("article-50", DocumentType.FOREIGNER_M, lambda i: (i.brexit_mention_1, i.brexit_mention_2) == ("B", "C")),
    ("kids", DocumentType.KIDS_CARD, lambda i: i.date_of_birth.year >= 2020),
])
def test_foreigners_and_kids_documents(name: str, document: DocumentType, check: object) -> None:
    with opened(name) as (card, _vc):
        identity = card.read_identity()
    assert identity.document_type is document
    assert callable(check) and check(identity)


def test_special_status_persona() -> None:
    with opened("special-status") as (card, _vc):
        identity = card.read_identity()
    assert identity.special_status is SpecialStatus.YELLOW_CANE_EXTENDED_MINORITY
    assert identity.special_status.yellow_cane and identity.special_status.extended_minority
    assert identity.nobility == "Baron" and identity.duplicata == "01"


def test_unknown_codes_and_tags_are_kept_raw() -> None:
    with opened("unknown-values") as (card, _vc):
        identity = card.read_identity()
        assert card.verify_integrity().identity.document_type == 99
    assert identity.document_type == 99 and not isinstance(identity.document_type, DocumentType)
    assert identity.special_status == 9
    assert identity.unknown_tags == {0x30: b"\x01\x02future"}
    out = identity.to_dict()
    assert out["document_type"] == 99 and out["unknown_tags"] == {"30": b"\x01\x02future".hex()}


def test_unknown_persona_name_is_a_typed_error() -> None:
    with pytest.raises(EmulatorError, match=r"known: 1\.1"):
        card_persona("1.9")


def test_catalogue_documented() -> None:
    from tests.support.vectors import REPO_ROOT

    text = (REPO_ROOT / "docs" / "personas.md").read_text(encoding="utf-8")
    for name in CARD_PERSONAS:
        assert f"`{name}`" in text, name


def test_personas_are_deterministic() -> None:
    first = card_persona("1.8-p256").image()
    again = card_persona("1.8-p256").image()
    assert hashlib.sha256(b"".join(first.files.values())).digest() == hashlib.sha256(
        b"".join(again.files.values())).digest()


@pytest.mark.parametrize(("name", "alg"), [("1.8-p256", "ES256"), ("1.7-ec", "ES384"), ("1.7", "RS256")])
def test_web_eid_login_validates_on_every_key_type(name: str, alg: str) -> None:
    """authenticate() picks the algorithm from the certificate key; the validator checks it (no P-384 bias)."""
    from eidlib.auth import AuthTokenValidator, authenticate

    origin = "https://portal.example.be"
    persona = card_persona(name)
    root = TestPki.load(profile=persona.pki_profile or persona.profile).root.certificate
    validator = AuthTokenValidator(origin, [root], check_revocation=False)
    nonce = validator.issue_challenge("session")
    with opened(name) as (card, _vc):
        token = authenticate(PIN, challenge=nonce, origin=origin, token=card, format="web-eid:1.1")
    assert token.algorithm == alg
    user = validator.validate_session(token.to_json(), "session")
    assert user.national_number == persona.persona().national_number


def test_web_eid_login_refuses_an_rsa_1024_card() -> None:
    from eidlib.auth import authenticate
    from eidlib.auth.errors import AlgorithmMismatch

    with opened("1.1") as (card, vc), pytest.raises(AlgorithmMismatch):
        authenticate(PIN, challenge="A" * 44, origin="https://portal.example.be", token=card)
    assert vc.pin_tries_left == 3  # refused before any PIN was sent
