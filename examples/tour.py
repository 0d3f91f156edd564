"""A tour of eidlib on the built-in virtual card (``make demo``).

Card data, identity and address with the National Register integrity verdict, the
photo saved to a file, and a signature with each card key checked against its
certificate. Runs without a reader: ``open_card(virtual=...)`` uses the in-process card.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eidlib import open_card
from eidlib.carddata.errors import IntegrityError
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.protocol import KeyName

PIN = "1234"  # the virtual card's PIN
MESSAGE = b"eidlib tour: I agree with the terms."


def check_signature(certificate: bytes, signature: bytes) -> str:
    """Verify a raw card signature over MESSAGE with the certificate's public key."""
    key = x509.load_der_x509_certificate(certificate).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
            return "valid (RSA PKCS#1 v1.5, SHA-256)"
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(ecdsa_raw_to_der(signature), MESSAGE, ec.ECDSA(hashes.SHA384()))
            return "valid (ECDSA P-384, SHA-384)"
    except InvalidSignature:
        return "INVALID"
    return "unknown key type"


def tour(profile: Literal["1.7", "1.8"], output: Path) -> bool:
    print(f"== Virtual card, applet {profile} ==")
    with open_card(virtual=profile) as card:
        data = card.card_data()
        print(f"applet {data.applet_version_text}, serial {data.serial_hex}, "
              f"{'activated' if data.activated else 'not activated'}, PIN tries left {card.pin_tries_left()}")

        identity = card.read_identity()
        address = card.read_address()
        print(f"{identity.given_names} {identity.surname}, born {identity.date_of_birth} "
              f"in {identity.location_of_birth}, national number {identity.national_number}")
        print(f"card {identity.card_number}, valid {identity.validity_begin_date} to "
              f"{identity.validity_end_date}; lives at {address.street_and_number}, "
              f"{address.zip} {address.municipality}")
        try:
            result = card.verify_integrity()
            extra = ", basic key hash checked" if result.basic_key_verified else ""
            print(f"integrity: valid (RRN signature {result.hash_algorithm}, photo hash checked{extra})")
            ok = True
        except IntegrityError as exc:
            print(f"integrity: INVALID ({exc})")
            ok = False

        photo_path = output / f"photo-{profile}.jpg"
        photo_path.write_bytes(card.read_photo())
        print(f"photo: {photo_path} ({photo_path.stat().st_size} bytes)")

        certificates = card.read_certificates()
        keys: tuple[tuple[KeyName, bytes | None], ...] = (
            ("authentication", certificates.authentication), ("signature", certificates.signature))
        for key, certificate in keys:
            if certificate is None:
                print(f"{key} key: no certificate on this card")
                continue
            signature = card.sign(MESSAGE, key=key, pin=PIN)
            verdict = check_signature(certificate, signature)
            ok = ok and verdict.startswith("valid")
            print(f"{key} key: {len(signature)}-byte signature, {verdict}")
        if profile == "1.8":
            card.authenticate_card(b"tour challenge")
            print("card authentication (basic key, EF 4040 linked to the identity file): valid")
        print(f"APDUs exchanged: {card.channel.apdu_count}")
    print()
    return ok


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="eidlib-tour-"))
    output.mkdir(parents=True, exist_ok=True)
    profiles: tuple[Literal["1.7", "1.8"], ...] = ("1.8", "1.7")
    results = [tour(profile, output) for profile in profiles]
    print("summary: " + ("everything verified" if all(results) else "SOMETHING FAILED"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
