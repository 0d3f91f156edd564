"""OpenSC 0.23 reads and uses the virtual card through the real stack: pcscd + vpcd + ``eid emulate``.

OpenSC knows nothing of this project: it binds the card with its own ``belpic`` driver and
generic PKCS#15 layer, so a token here shows that the card's ATR, GET CARD DATA, SELECT by
path, READ BINARY end-of-file handling, PKCS#15 bytes, VERIFY, MSE, PSO and the T=0
``61xx`` answers are what a real client expects.

On applet 1.7 the CDF marks the certificates private (flags ``06 C0``, spec §2.2), and
OpenSC's default ``private_certificate = protect`` then shows them only after login; the
1.8 CDF marks them public (``06 40``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from eidlib.apdu.pcsc import PcscTransport
from tests.pcsc_harness import PcscStack

pytestmark = pytest.mark.opensc

MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
PIN = "1234"


def pkcs11_tool(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["pkcs11-tool", "--module", MODULE, *args], capture_output=True, text=True,
                            timeout=60, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def slot_args(reader: str) -> list[str]:
    return ["--slot-description", reader]


def object_labels(listing: str, kind: str) -> list[tuple[str, str]]:
    """(label, ID) of every object of one kind in a ``pkcs11-tool -O`` listing."""
    found = []
    for block in re.split(r"\n(?=\S)", listing):
        if block.startswith(kind):
            label = re.search(r"label:\s+(.*)", block)
            ident = re.search(r"ID:\s+(\S+)", block)
            assert label and ident, block
            found.append((label.group(1).strip(), ident.group(1)))
    return found


def chip_serial(reader: str) -> bytes:
    transport = PcscTransport(reader)
    transport.connect()
    try:
        answer = transport.transmit(bytes.fromhex("80E400001C"))
    finally:
        transport.disconnect()
    assert answer[-2:] == b"\x90\x00"
    return answer[:16]


def test_token_is_listed_as_belpic(pcsc_cards: PcscStack) -> None:
    listing = pkcs11_tool("-L").stdout
    slot = listing.split(pcsc_cards.reader_17, 1)[1].split("\nSlot ", 1)[0]
    label = re.search(r"token label\s*:\s*(.*)", slot)
    assert label and label.group(1).startswith("BELPIC"), listing
    serial = re.search(r"serial num\s*:\s*(\S+)", slot)
    # OpenSC shows the last 8 bytes of TokenInfo's serial number, i.e. of the chip serial
    assert serial and serial.group(1) == chip_serial(pcsc_cards.reader_17).hex()[-16:]
    assert re.search(r"pin min/max\s*:\s*4/12", slot)


def test_mechanisms_are_rsa_2048(pcsc_cards: PcscStack) -> None:
    listing = pkcs11_tool("-M", *slot_args(pcsc_cards.reader_17)).stdout
    assert "SHA256-RSA-PKCS, keySize={2048,2048}" in listing


def test_objects_of_the_17_card(pcsc_cards: PcscStack) -> None:
    public = pkcs11_tool("-O", *slot_args(pcsc_cards.reader_17)).stdout
    assert object_labels(public, "Certificate Object") == []  # private on 1.7: protected by the PIN
    listing = pkcs11_tool("-O", "--login", "--pin", PIN, *slot_args(pcsc_cards.reader_17)).stdout
    assert object_labels(listing, "Certificate Object") == [
        ("Authentication", "02"), ("Signature", "03"), ("CA", "04"), ("Root", "06")]
    assert object_labels(listing, "Private Key Object") == [("Authentication", "02"), ("Signature", "03")]
    assert listing.count("RSA 2048 bits") == 4


def test_objects_of_the_18_card_are_public(pcsc_cards: PcscStack) -> None:
    listing = pkcs11_tool("-O", *slot_args(pcsc_cards.reader_18)).stdout
    labels = sorted(object_labels(listing, "Certificate Object"))
    assert labels == [("Authentication", "02"), ("CA", "04"), ("Root", "06"), ("Signature", "03")]
    assert "EC_PARAMS:  06052b81040022" in listing  # P-384


def read_certificate(reader: str, cert_id: str, tmp_path: Path) -> x509.Certificate:
    out = tmp_path / f"cert{cert_id}.der"
    pkcs11_tool("--read-object", "--type", "cert", "--id", cert_id, "--login", "--pin", PIN,
                *slot_args(reader), "-o", str(out))
    return x509.load_der_x509_certificate(out.read_bytes())


@pytest.mark.parametrize("mechanism,hash_algorithm", [("SHA256-RSA-PKCS", hashes.SHA256()),
                                                      ("SHA1-RSA-PKCS", hashes.SHA1()),
                                                      ("SHA512-RSA-PKCS", hashes.SHA512())])
def test_sign_with_authentication_key(pcsc_cards: PcscStack, tmp_path: Path, mechanism: str,
                                      hash_algorithm: hashes.HashAlgorithm) -> None:
    reader = pcsc_cards.reader_17
    certificate = read_certificate(reader, "02", tmp_path)
    assert "(Authentication)" in certificate.subject.rfc4514_string()
    message = tmp_path / "message.bin"
    message.write_bytes(b"signed by the virtual card through OpenSC " + mechanism.encode())
    signature_file = tmp_path / "signature.bin"
    pkcs11_tool("--sign", "--id", "02", "-m", mechanism, "--pin", PIN, *slot_args(reader),
                "-i", str(message), "-o", str(signature_file))
    signature = signature_file.read_bytes()
    assert len(signature) == 256
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, message.read_bytes(), padding.PKCS1v15(), hash_algorithm)
    with pytest.raises(InvalidSignature):
        key.verify(signature, b"another message", padding.PKCS1v15(), hash_algorithm)


def test_wrong_pin_is_reported_and_counted(pcsc_cards: PcscStack) -> None:
    reader = pcsc_cards.reader_17
    pkcs11_tool("--login", "--pin", PIN, "-O", *slot_args(reader))  # start from a full counter
    wrong = pkcs11_tool("--login", "--pin", "9999", "-O", *slot_args(reader), check=False)
    assert wrong.returncode != 0
    assert "CKR_PIN_INCORRECT" in wrong.stdout + wrong.stderr
    transport = PcscTransport(reader)
    transport.connect()
    try:
        assert transport.transmit(bytes.fromhex("00200001")) == b"\x63\xc2"
    finally:
        transport.disconnect()
    pkcs11_tool("--login", "--pin", PIN, "-O", *slot_args(reader))  # a right PIN resets the counter
    transport.connect()
    try:
        answer = transport.transmit(bytes.fromhex("00200001"))
    finally:
        transport.disconnect()
    assert answer in (b"\x63\xc3", b"\x90\x00")


@pytest.mark.parametrize("profile,kind,size", [("1.7", "Private RSA Key", "ModLength      : 2048"),
                                               ("1.8", "Private EC Key", "FieldLength    : 384")])
def test_pkcs15_layer_parses_the_private_keys(pcsc_cards: PcscStack, profile: str, kind: str, size: str) -> None:
    reader = pcsc_cards.reader_17 if profile == "1.7" else pcsc_cards.reader_18
    result = subprocess.run(["pkcs15-tool", "--list-keys", "--reader", reader], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert f"{kind} [Authentication]" in result.stdout and f"{kind} [Signature]" in result.stdout
    assert result.stdout.count(size) == 2
    assert "Key ref        : 130 (0x82)" in result.stdout and "Key ref        : 131 (0x83)" in result.stdout
