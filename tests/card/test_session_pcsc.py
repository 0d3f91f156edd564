"""The card session through the real pcscd, with vpcd virtual cards (marker ``pcsc``)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib.apdu.errors import CardRemovedError, NoCardError
from eidlib.apdu.pcsc import wait_for_card
from eidlib.opener import open_card
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import PinRequired, WrongPin
from tests.card.virtual_cards import PIN, image
from tests.pcsc_harness import PcscStack

SLOTS = {"1.7": 0, "1.8": 1}


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_session_through_pcscd(pcsc_cards: PcscStack, profile: str) -> None:
    reader = pcsc_cards.reader(SLOTS[profile])
    with open_card(reader) as card:
        assert card.applet_version == profile
        identity = card.read_identity()
        assert identity.raw == image(profile).files["3F00DF014031"]
        result = card.verify_integrity()
        assert result.photo_verified and result.basic_key_verified == (profile == "1.8")
        certs = card.read_certificates()
        assert certs.authentication is not None
        signature = card.sign(b"through pcscd", pin=PIN)
        public = x509.load_der_x509_certificate(certs.authentication).public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, b"through pcscd", padding.PKCS1v15(), hashes.SHA256())
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(ecdsa_raw_to_der(signature), b"through pcscd", ec.ECDSA(hashes.SHA384()))
        before = card.channel.apdu_count
        card.sign(b"hot path")
        assert card.channel.apdu_count - before == 3
        assert len(card.sign(b"non-repudiation", key="signature", pin=PIN)) in (96, 256)
        if profile == "1.8":
            card.authenticate_card(bytes(48))
        assert card.pinpad() is None  # vpcd readers have no PIN pad
        card.log_off()
        with pytest.raises(PinRequired):
            card.sign(b"after log off")


def test_open_card_finds_a_beid_card(pcsc_cards: PcscStack) -> None:
    with open_card() as card:
        assert card.applet_version in ("1.7", "1.8")
        assert card.read_identity().card_number


def test_pin_counter_through_pcscd(pcsc_cards: PcscStack) -> None:
    with open_card(pcsc_cards.reader_18) as card:
        assert card.pin_tries_left() == 3
        with pytest.raises(WrongPin) as info:
            card.verify_pin("0000")
        assert info.value.tries_left == 2
        assert card.pin_tries_left() == 2
        card.verify_pin(PIN)
        assert card.pin_tries_left() == 3
    with open_card(pcsc_cards.reader_17) as card:
        with pytest.raises(WrongPin):
            card.verify_pin("0000")
        assert card.pin_tries_left() == 2
        card.verify_pin(PIN)
        assert card.pin_tries_left() == 3


def test_removal_mid_read_through_pcscd(pcsc_cards: PcscStack) -> None:
    slot = SLOTS["1.8"]
    with open_card(pcsc_cards.reader(slot)) as card:
        card.read_identity()
        pcsc_cards.inject(slot, "remove_after", 3)
        with pytest.raises(CardRemovedError):
            card.read_photo()
        with pytest.raises((CardRemovedError, NoCardError)):
            card.read_photo()
        pcsc_cards.insert_card(slot)
        wait_for_card(pcsc_cards.reader(slot), 10.0)
        assert card.read_photo() == image("1.8").files["3F00DF014035"]


def test_removal_mid_sign_through_pcscd(pcsc_cards: PcscStack) -> None:
    slot = SLOTS["1.7"]
    with open_card(pcsc_cards.reader(slot)) as card:
        card.verify_pin(PIN)
        card.sign(b"warm")
        pcsc_cards.inject(slot, "remove_after", 1)
        with pytest.raises(CardRemovedError):
            card.sign(b"interrupted")
        assert not card.pin_verified
        pcsc_cards.insert_card(slot)
        wait_for_card(pcsc_cards.reader(slot), 10.0)
        assert len(card.sign(b"again", pin=PIN)) == 256


def test_reset_by_another_application_keeps_the_file_cache(pcsc_cards: PcscStack) -> None:
    from eidlib.apdu.pcsc import CardResetError, PcscTransport

    reader = pcsc_cards.reader_18
    with open_card(reader) as card:
        identity = card.read_identity()
        card.verify_pin(PIN)
        other = PcscTransport(reader)
        other.connect()
        other.reconnect(reset=True)
        other.disconnect()
        with pytest.raises(CardResetError):
            card.sign(b"after reset")
        assert not card.pin_verified
        before = card.channel.apdu_count
        assert card.read_identity() == identity
        assert card.card_data().serial_hex == identity.chip_number_hex
        # Only SELECT applet + GET CARD DATA (twice: start and card_data()), no file read again.
        assert card.channel.apdu_count - before <= 3
        with pytest.raises(PinRequired):
            card.sign(b"needs the PIN again")
