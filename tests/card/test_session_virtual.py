"""The whole BeidCard session against the in-process virtual card, both applet profiles."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from eidlib.apdu.errors import CardRemovedError, NoCardError
from eidlib.apdu.replay import RecordingTransport
from eidlib.belpic.files import CardFile
from eidlib.card.errors import CardNotActivated
from eidlib.card.session import BeidCard
from eidlib.carddata.identity import Identity
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.opener import open_card
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import NotSupported, PinBlocked, PinFormatError, PinRequired, WrongPin
from eidlib.token.protocol import KeyName
from tests.card.virtual_cards import PIN, session, virtual_card
from tests.support.signatures import verify_signature

PROFILES = ["1.7", "1.8"]
_HASHES = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
           "sha512": hashes.SHA512(), "sha3_256": hashes.SHA3_256(), "sha3_384": hashes.SHA3_384(),
           "sha3_512": hashes.SHA3_512()}


def _commands(card: BeidCard) -> list[bytes]:
    transport = card.transport
    assert isinstance(transport, RecordingTransport)
    return [c for c, _ in transport.exchanges]


@pytest.mark.parametrize("profile", PROFILES)
def test_read_everything(profile: str) -> None:
    with session(profile) as (card, vc):
        assert card.applet_version == profile
        assert card.key_algorithm == ("ec" if profile == "1.8" else "rsa")
        data = card.card_data()
        assert data.activated and data.serial_number == vc.image.chip_serial
        assert data.pin_tries_left == (3 if profile == "1.8" else None)
        identity = card.read_identity()
        assert identity.chip_number == vc.image.chip_serial
        assert identity.raw == vc.image.files["3F00DF014031"]
        address = card.read_address()
        assert address.zip and address.municipality
        photo = card.read_photo()
        assert photo.startswith(b"\xff\xd8") and photo == vc.image.files["3F00DF014035"]
        certs = card.read_certificates()
        for der in (certs.authentication, certs.signature, certs.ca, certs.root, certs.rrn):
            assert der is not None
            x509.load_der_x509_certificate(der)
            assert not der.endswith(b"\x00" * 8)
        result = card.verify_integrity()
        assert result.identity == identity
        assert result.photo_verified
        assert result.basic_key_verified == (profile == "1.8")
        assert result.rrn_certificate == certs.rrn
        assert vc.internal_errors == 0


@pytest.mark.parametrize("profile", PROFILES)
def test_every_file_read_once_in_largest_chunks(profile: str) -> None:
    with session(profile, recording=True) as (card, vc):
        for _ in range(2):
            card.read_identity()
            card.read_address()
            card.read_photo()
            card.read_certificates()
            card.verify_integrity()
        commands = _commands(card)
        selects = Counter(c[5:].hex().upper() for c in commands if c[1] == 0xA4 and c[2] == 0x08)
        assert selects and max(selects.values()) == 1
        reads = [c for c in commands if c[1] == 0xB0]
        assert all(c[4] in range(1, 253) for c in reads)
        # Exactly the chunks needed: full 252-byte chunks, then the end of file (a 6Cxx answer and
        # its retry, or 6B00); certificates stop at their DER length, never reading the padding.
        expected = 0
        for path in selects:
            content = vc.image.files.get(path)
            if content is None:
                continue
            if path.startswith("3F00DF0050"):
                der = len(card.read_file(CardFile(path)))
                expected += max(1, -(-der // 252))
            else:
                expected += len(content) // 252 + (2 if len(content) % 252 else 1)
        assert len(reads) == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_certificate_read_stops_at_der_length(profile: str) -> None:
    with session(profile, recording=True) as (card, vc):
        der = card.read_file(CardFile.AUTHENTICATION_CERTIFICATE)
        padded = vc.image.files["3F00DF005038"]
        assert len(padded) > len(der) and padded.startswith(der)
        reads = [c for c in _commands(card) if c[1] == 0xB0]
        last = reads[-1]
        assert (last[2] << 8 | last[3]) + last[4] == len(der)


@pytest.mark.parametrize("profile", PROFILES)
def test_authentication_signature_and_hot_path(profile: str) -> None:
    with session(profile, recording=True) as (card, _vc):
        cert = card.read_certificates().authentication
        assert cert is not None
        default = "sha384" if profile == "1.8" else "sha256"
        signature = card.sign(b"first", pin=PIN)
        verify_signature(cert, signature, b"first", default)
        assert card.pin_verified
        for _ in range(3):
            before = card.channel.apdu_count
            signature = card.sign(b"again")
            assert card.channel.apdu_count - before == 3  # MSE + PSO + GET RESPONSE
            verify_signature(cert, signature, b"again", default)
        tail = _commands(card)[-3:]
        assert [c[1] for c in tail] == [0x22, 0x2A, 0xC0]
        verifies = [c for c in _commands(card) if c[1] == 0x20]
        assert len(verifies) == 1
        assert not any(PIN.encode().hex() in c.hex() for c in _commands(card))
        assert all(set(c[5:]) <= {0xFF} for c in verifies)


@pytest.mark.parametrize("profile", PROFILES)
def test_signature_key_every_time_mse_verify_pso(profile: str) -> None:
    with session(profile, recording=True) as (card, _vc):
        certs = card.read_certificates()
        assert certs.signature is not None
        default = "sha384" if profile == "1.8" else "sha256"
        for round_ in range(2):
            start = len(_commands(card))
            signature = card.sign(f"contract {round_}".encode(), key="signature", pin=PIN)
            verify_signature(certs.signature, signature, f"contract {round_}".encode(), default)
            sent = _commands(card)[start:]
            ins = [c[1] for c in sent if c[1] != 0xA4]
            assert ins == [0x22, 0x20, 0x2A, 0xC0]
            mse = next(c for c in sent if c[1] == 0x22)
            assert mse[5:9].hex() == "04800" + ("2" if profile == "1.8" else "8") + "84" and mse[-1] == 0x83
        # A non-repudiation VERIFY does not unlock the authentication key.
        assert not card.pin_verified
        with pytest.raises(PinRequired):
            card.sign(b"auth without pin")


def test_signature_key_needs_a_pin_before_any_apdu() -> None:
    with session("1.8") as (card, vc):
        before = vc.apdu_count
        with pytest.raises(PinRequired):
            card.sign(b"x", key="signature")
        assert vc.apdu_count == before


@pytest.mark.parametrize(
    ("hash_name", "pss"),
    [("sha1", False), ("sha256", False), ("sha384", False), ("sha512", False), ("sha3_256", False),
     ("sha1", True), ("sha256", True)],
)
def test_rsa_algorithms(hash_name: str, pss: bool) -> None:
    with session("1.7") as (card, _vc):
        cert = card.read_certificates().authentication
        assert cert is not None
        sig = card.sign(b"data", pin=PIN, hash=hash_name, padding="pss" if pss else "pkcs1v15")  # type: ignore[arg-type]
        verify_signature(cert, sig, b"data", hash_name, pss=pss)
        digest = hashlib.new(hash_name, b"data").digest()
        sig = card.sign(digest, hash=hash_name, prehashed=True, padding="pss" if pss else "pkcs1v15")  # type: ignore[arg-type]
        verify_signature(cert, sig, b"data", hash_name, pss=pss)


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"])
def test_ecdsa_algorithms(hash_name: str) -> None:
    with session("1.8") as (card, _vc):
        cert = card.read_certificates().authentication
        assert cert is not None
        sig = card.sign(b"data", pin=PIN, hash=hash_name)  # type: ignore[arg-type]
        verify_signature(cert, sig, b"data", hash_name)
        der = card.sign_der(b"data", hash=hash_name)  # type: ignore[arg-type]
        key = x509.load_der_x509_certificate(cert).public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(der, b"data", ec.ECDSA(_HASHES[hash_name]))


@pytest.mark.parametrize(
    ("profile", "kwargs"),
    [("1.8", {"padding": "pss"}), ("1.7", {"hash": "sha3_384", "padding": "pss"}), ("1.7", {"key": "card"})],
)
def test_unsupported_refused_before_touching_the_card(profile: str, kwargs: dict[str, object]) -> None:
    with session(profile) as (card, vc):
        before = vc.apdu_count
        with pytest.raises(NotSupported):
            card.sign(b"x", pin=PIN, **kwargs)  # type: ignore[arg-type]
        assert vc.apdu_count == before


@pytest.mark.parametrize("profile", PROFILES)
def test_pin_counter_and_blocking(profile: str) -> None:
    with session(profile, recording=True) as (card, vc):
        assert card.pin_tries_left() == 3
        with pytest.raises(WrongPin) as info:
            card.verify_pin("9999")
        assert info.value.tries_left == 2 and "9999" not in str(info.value)
        assert card.pin_tries_left() == 2 == vc.pin_tries_left
        assert card.pin_tries_left() == 2  # asking costs nothing
        card.verify_pin(PIN)
        assert card.pin_tries_left() == 3
        with pytest.raises(WrongPin):
            card.verify_pin("1111")
        assert not card.pin_verified
        with pytest.raises(WrongPin) as info:
            card.verify_pin("2222")
        assert info.value.tries_left == 1
        with pytest.raises(PinBlocked):
            card.verify_pin("3333")
        assert card.pin_tries_left() == 0
        with pytest.raises(PinBlocked):
            card.verify_pin(PIN)
        with pytest.raises(PinBlocked):
            card.sign(b"x", key="signature", pin=PIN)
        assert "241234" not in "".join(c.hex() for c in _commands(card))


def test_wrong_pin_in_sign_is_never_retried() -> None:
    with session("1.8", recording=True) as (card, vc):
        keys: tuple[KeyName, ...] = ("authentication", "signature")
        for key in keys:
            start = len(_commands(card))
            with pytest.raises(WrongPin):
                card.sign(b"x", key=key, pin="0000")
            sent = _commands(card)[start:]
            assert sum(1 for c in sent if c[1] == 0x20) == 1
            assert not any(c[1] == 0x2A for c in sent)
        assert vc.pin_tries_left == 1


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123"])
def test_pin_format_checked_before_any_apdu(pin: str) -> None:
    with session("1.8") as (card, vc):
        before = vc.apdu_count
        with pytest.raises(PinFormatError):
            card.verify_pin(pin)
        with pytest.raises(PinFormatError):
            card.sign(b"x", pin=pin)
        with pytest.raises(PinFormatError):
            card.change_pin(PIN, pin)
        assert vc.apdu_count == before
        assert vc.pin_tries_left == 3


def test_authentication_needs_pin_once_and_log_off() -> None:
    with session("1.7") as (card, _vc):
        with pytest.raises(PinRequired):
            card.sign(b"x")
        card.verify_pin(PIN)
        card.sign(b"x")
        card.log_off()
        assert not card.pin_verified
        with pytest.raises(PinRequired):
            card.sign(b"x")
        card.sign(b"x", pin=PIN)


def test_card_forgot_verification_pin_given_used_once() -> None:
    with session("1.8", recording=True) as (card, vc):
        card.verify_pin(PIN)
        vc.security.reset()  # the card lost the right (e.g. another application sent LOG OFF)
        start = len(_commands(card))
        card.sign(b"x", pin=PIN)
        sent = [c[1] for c in _commands(card)[start:] if c[1] != 0xA4]
        assert sent == [0x22, 0x2A, 0x22, 0x20, 0x2A, 0xC0]
        vc.security.reset()
        with pytest.raises(PinRequired):
            card.sign(b"y")


def test_change_pin() -> None:
    with session("1.8") as (card, vc):
        with pytest.raises(WrongPin):
            card.change_pin("0000", "5678")
        card.change_pin(PIN, "5678")
        assert vc.pin_tries_left == 3
        with pytest.raises(WrongPin):
            card.verify_pin(PIN)
        card.verify_pin("5678")
        with pytest.raises(PinFormatError):
            card.change_pin(PIN, None)


def test_authenticate_card() -> None:
    with session("1.8") as (card, vc):
        challenge = bytes(range(48))
        signature = card.authenticate_card(challenge)
        spki = vc.image.files["3F00DF014040"]
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        key = load_der_public_key(spki)
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(ecdsa_raw_to_der(signature), challenge, ec.ECDSA(utils.Prehashed(hashes.SHA384())))
        card.authenticate_card(b"any length message")
        # The SE was cleared by INTERNAL AUTHENTICATE; signing still works (MSE before every PSO).
        card.sign(b"after", pin=PIN)
        with pytest.raises(InvalidSignature):
            key.verify(ecdsa_raw_to_der(signature), bytes(48), ec.ECDSA(utils.Prehashed(hashes.SHA384())))


def test_authenticate_card_detects_a_foreign_basic_key() -> None:
    vc = virtual_card("1.8")
    vc.faults.corrupt_file("3F00DF014040", flip=(60,))
    with BeidCard(VirtualTransport(vc)).open() as card:
        from eidlib.carddata.errors import IntegrityError

        with pytest.raises(IntegrityError) as info:
            card.authenticate_card(bytes(48))
        assert info.value.file == "basic_public_key"
        with pytest.raises(IntegrityError):
            card.verify_integrity()


def test_authenticate_card_on_17_refused() -> None:
    with session("1.7") as (card, vc):
        before = vc.apdu_count
        with pytest.raises(NotSupported):
            card.authenticate_card(bytes(48))
        assert vc.apdu_count == before


@pytest.mark.parametrize("profile", PROFILES)
def test_removal_mid_read(profile: str) -> None:
    vc = virtual_card(profile)
    with BeidCard(VirtualTransport(vc)).open() as card:
        card.read_identity()
        vc.faults.remove_after(4)
        with pytest.raises(CardRemovedError):
            card.read_photo()
        with pytest.raises(NoCardError):
            card.read_identity()  # the cache went with the card: nothing stale is served
        vc.faults.insert()
        photo = card.read_photo()
        assert photo == vc.image.files["3F00DF014035"]
        assert card.read_identity().chip_number == vc.image.chip_serial


@pytest.mark.parametrize("profile", PROFILES)
def test_removal_mid_sign(profile: str) -> None:
    vc = virtual_card(profile)
    with BeidCard(VirtualTransport(vc)).open() as card:
        card.verify_pin(PIN)
        card.sign(b"x")
        vc.faults.remove_after(1)  # MSE passes, PSO never answers
        with pytest.raises(CardRemovedError):
            card.sign(b"y")
        assert not card.pin_verified
        vc.faults.insert()
        with pytest.raises(PinRequired):
            card.sign(b"z")  # a new card session: the PIN right is gone
        assert len(card.sign(b"z", pin=PIN)) in (96, 256)


def test_card_swap_drops_the_cache() -> None:
    transport = VirtualTransport(virtual_card("1.8"))
    with BeidCard(transport).open() as card:
        first = card.read_identity()
        transport.card.faults.remove_after(0)
        with pytest.raises(CardRemovedError):
            card.read_address()
        other = virtual_card("1.8", seed="eidlib-other")
        transport.card = other
        second = card.read_identity()
        assert second.raw == other.image.files["3F00DF014031"]
        assert card.serial_number == other.image.chip_serial.hex().upper()
        assert second.chip_number != first.chip_number


def test_kids_card_has_no_signature_certificate() -> None:
    with session("1.8", kids=True) as (card, _vc):
        certs = card.read_certificates()
        assert certs.signature is None and certs.authentication is not None
        with pytest.raises(NotSupported):
            card.sign(b"x", key="signature", pin=PIN)


def test_card_not_activated() -> None:
    vc = VirtualCard("1.8", image=None, activated=False)
    with BeidCard(VirtualTransport(vc)).open() as card:
        assert not card.card_data().activated
        with pytest.raises(CardNotActivated):
            card.read_identity()


def test_open_card_virtual_and_transport() -> None:
    with open_card(virtual="1.8") as card:
        assert card.applet_version == "1.8"
        assert isinstance(card.read_identity(), Identity)
    transport = VirtualTransport(virtual_card("1.7"))
    with open_card(transport=transport) as card:
        assert card.applet_version == "1.7"
    assert transport.connected  # a caller's transport is left open
    with pytest.raises(ValueError, match="at most one"):
        open_card("reader", virtual="1.8")


def test_not_a_beid_card() -> None:
    from eidlib.token.errors import NotABeidCard

    vc = virtual_card("1.8")
    vc.faults.answer_sw(0xA4, 0x6A82)
    with pytest.raises(NotABeidCard):
        BeidCard(VirtualTransport(vc)).open()
