"""The virtual BELPIC applet, command by command, on both profiles (spec §1-§3)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eidlib.apdu import CardChannel, CommandAPDU
from eidlib.emulator import APPLET_AID, ATR, IDFILES_AID, PKCS15_AID, VirtualCard
from eidlib.emulator.filesystem import DF_BELPIC, DF_ID, MF
from tests.emulator.card_images import make_image

PIN_BLOCK = bytes.fromhex("241234FFFFFFFFFF")
WRONG_PIN_BLOCK = bytes.fromhex("249999FFFFFFFFFF")


def send(card: VirtualCard, apdu: str | bytes) -> tuple[bytes, int]:
    raw = bytes.fromhex(apdu.replace(" ", "")) if isinstance(apdu, str) else apdu
    answer = card.process(raw)
    assert len(answer) >= 2
    return answer[:-2], int.from_bytes(answer[-2:], "big")


def sw_of(card: VirtualCard, apdu: str | bytes) -> int:
    return send(card, apdu)[1]


def fetch(card: VirtualCard, sw: int) -> bytes:
    """GET RESPONSE until 9000, as a T=0 host does."""
    out = b""
    while sw >> 8 == 0x61:
        data, sw = send(card, bytes((0x00, 0xC0, 0x00, 0x00, sw & 0xFF)))
        out += data
    assert sw == 0x9000
    return out


def read_file(card: VirtualCard, path: str, chunk: int = 0xFC) -> bytes:
    assert sw_of(card, f"00A4080C{len(path) // 2:02X}{path}") == 0x9000
    out = b""
    while True:
        data, sw = send(card, bytes((0x00, 0xB0, len(out) >> 8, len(out) & 0xFF, chunk)))
        if sw >> 8 == 0x6C:
            data, sw = send(card, bytes((0x00, 0xB0, len(out) >> 8, len(out) & 0xFF, sw & 0xFF)))
        if sw == 0x6B00:
            return out
        assert sw == 0x9000
        out += data
        if len(data) < chunk:
            return out


def mse(card: VirtualCard, algorithm: int, key: int) -> int:
    return sw_of(card, bytes((0x00, 0x22, 0x41, 0xB6, 0x05, 0x04, 0x80, algorithm, 0x84, key)))


def pso(card: VirtualCard, data: bytes) -> tuple[bytes, int]:
    answer = send(card, bytes((0x00, 0x2A, 0x9E, 0x9A, len(data))) + data)
    if answer[1] >> 8 == 0x61:
        return fetch(card, answer[1]), 0x9000
    return answer


def verify(card: VirtualCard, block: bytes = PIN_BLOCK) -> int:
    return sw_of(card, bytes((0x00, 0x20, 0x00, 0x01, len(block))) + block)


def selection(card: VirtualCard) -> tuple[int, int | None]:
    return card.filesystem.current_df, card.filesystem.current_ef


def public_key(card: VirtualCard, path: str) -> Any:
    der = card.image.files[path]
    return x509.load_der_x509_certificate(der[: int.from_bytes(der[2:4], "big") + 4]).public_key()


@pytest.fixture(scope="module", params=["1.7", "1.8"])
def profile(request: Any) -> str:
    return str(request.param)


@pytest.fixture
def card(profile: str) -> VirtualCard:
    c = VirtualCard(image=make_image(profile))  # type: ignore[arg-type]
    c.power_on()
    return c


@pytest.fixture
def card17() -> VirtualCard:
    c = VirtualCard(image=make_image("1.7"))
    c.power_on()
    return c


@pytest.fixture
def card18() -> VirtualCard:
    c = VirtualCard(image=make_image("1.8"))
    c.power_on()
    return c


# -- identification ------------------------------------------------------------------------


def test_atr_and_power(card: VirtualCard) -> None:
    expected = {"1.7": "3B9813400AA503010101AD1311", "1.8": "3B7F96000080318065B085040120120FFF829000"}
    assert card.atr == bytes.fromhex(expected[card.profile]) == ATR[card.profile]
    assert card.power_on() == card.atr and card.reset() == card.atr
    card.power_off()
    assert not card.powered


def test_get_card_data(card: VirtualCard) -> None:
    data, sw = send(card, "80E400001C")
    assert sw == 0x9000 and len(data) == 28
    assert data[:16] == card.image.chip_serial and len(card.image.chip_serial) == 16
    assert data[21] == (0x17 if card.profile == "1.7" else 0x18)
    assert data[27] == 0x0F
    assert data[22:24] == (b"\x00\x03" if card.profile == "1.7" else b"\x00\x01")


def test_get_card_data_wrong_le_gives_6cxx(card: VirtualCard) -> None:
    assert sw_of(card, "80E40000FF") == 0x6C1C
    assert sw_of(card, "80E4000000") == 0x6C1C
    assert sw_of(card, "80E40000") == 0x6C1C
    assert sw_of(card, "80E400021C") == 0x6B00
    assert sw_of(card, "80E401001C") == 0x6B00


def test_get_card_data_extended_on_18(card18: VirtualCard) -> None:
    data, sw = send(card18, "80E400011F")
    assert sw == 0x9000 and len(data) == 31
    assert data[28] == 3 and data[29:] == b"\xff\xff"
    verify(card18, WRONG_PIN_BLOCK)
    assert send(card18, "80E400011F")[0][28] == 2
    assert sw_of(card18, "80E400011C") == 0x6C1F


def test_get_card_data_p2_01_unknown_on_17(card17: VirtualCard) -> None:
    assert sw_of(card17, "80E400011F") == 0x6B00


def test_not_activated_card_answers_6d00() -> None:
    card = VirtualCard(image=make_image("1.8", activated=False))
    data, sw = send(card, "80E400001C")
    assert sw == 0x9000 and data[27] == 0x07
    assert sw_of(card, "00A4080C063F00DF014031") == 0x9000
    for apdu in ("00B0000010", "00200001", "80E60000", "0022 41B6 05 0480028482"):
        assert sw_of(card, apdu) == 0x6D00
    assert verify(card) == 0x6D00 and card.pin_tries_left == 3


# -- SELECT ------------------------------------------------------------------------------


@pytest.mark.parametrize("p2", ["00", "0C"])
def test_select_applet_answers_bare_9000(card: VirtualCard, p2: str) -> None:
    answer = card.process(bytes.fromhex(f"00A404{p2}0F") + APPLET_AID)
    assert answer == b"\x90\x00"
    assert (card.filesystem.current_df, card.filesystem.current_ef) == (MF, None)


def test_select_by_aid(card: VirtualCard) -> None:
    assert sw_of(card, b"\x00\xa4\x04\x0c\x0c" + PKCS15_AID) == 0x9000
    assert card.filesystem.current_df == DF_BELPIC
    assert sw_of(card, "00A4020C025031") == 0x9000
    assert sw_of(card, b"\x00\xa4\x04\x0c\x0c" + IDFILES_AID) == 0x9000
    assert card.filesystem.current_df == DF_ID
    assert sw_of(card, "00A4040C05A000000063") == 0x6A82
    assert sw_of(card, b"\x00\xa4\x04\x01\x0c" + PKCS15_AID) == 0x6A86


def test_select_by_fid_walks_like_eid_mw(card: VirtualCard) -> None:
    fs = card.filesystem
    assert sw_of(card, "00A4020C024031") == 0x6A82  # EF not in the MF
    assert sw_of(card, "00A4020C02DF01") == 0x9000 and fs.current_df == DF_ID
    assert sw_of(card, "00A4020C024031") == 0x9000 and fs.current_ef == 0x4031
    assert sw_of(card, "00A4020C02DF00") == 0x6A82  # a DF only from the MF
    assert sw_of(card, "00A4020C025038") == 0x6A82  # EF of another DF
    assert sw_of(card, "00A4020C023F00") == 0x9000 and selection(card) == (MF, None)
    assert sw_of(card, "00A4000C022F00") == 0x9000 and fs.current_ef == 0x2F00
    assert sw_of(card, "00A4020C0140") == 0x6A87
    assert sw_of(card, "00A4020C03401122") == 0x6A87


@pytest.mark.parametrize("path", ["3F00DF014031", "DF014031"])
def test_select_by_path_with_and_without_mf(card: VirtualCard, path: str) -> None:
    assert sw_of(card, f"00A4080C{len(path) // 2:02X}{path}") == 0x9000
    assert (card.filesystem.current_df, card.filesystem.current_ef) == (DF_ID, 0x4031)


@pytest.mark.parametrize("path", ["3F00DF015038", "3F004031", "3F00DF00DF01", "3F0050155031", "DF02"])
def test_select_by_path_not_found(card: VirtualCard, path: str) -> None:
    sw_of(card, "00A4080C043F00DF00")
    assert sw_of(card, f"00A4080C{len(path) // 2:02X}{path}") == 0x6A82
    assert card.filesystem.current_df == DF_BELPIC  # a failed SELECT keeps the selection


def test_select_bad_parameters(card: VirtualCard) -> None:
    assert sw_of(card, "00A4080C033F00DF") == 0x6A87
    assert sw_of(card, "00A40900023F00") == 0x6A86
    assert sw_of(card, "00A4080D023F00") == 0x6A86


# -- READ BINARY -----------------------------------------------------------------------------


def test_read_binary_rules(card: VirtualCard) -> None:
    content = card.image.files["3F00DF014032"]  # 256 bytes
    sw_of(card, "00A4080C063F00DF014032")
    assert send(card, "00B0000000") == (content, 0x9000)
    assert send(card, "00B0000010") == (content[:16], 0x9000)
    assert send(card, "00B000F010") == (content[0xF0:], 0x9000)
    assert sw_of(card, "00B000F020") == 0x6C10
    assert sw_of(card, "00B000F000") == 0x6C10  # Le=00 with fewer than 256 bytes left
    assert sw_of(card, "00B0010001") == 0x6B00  # offset == size
    assert sw_of(card, "00B07FFF01") == 0x6B00
    assert sw_of(card, "00B0800001") == 0x6B00  # short EF identifier: not supported


def test_read_binary_without_ef(card: VirtualCard) -> None:
    assert sw_of(card, "00B0000010") == 0x6986
    sw_of(card, "00A4080C043F00DF00")
    assert sw_of(card, "00B0000010") == 0x6986


@pytest.mark.parametrize("path", ["3F00DF014031", "3F00DF014035", "3F00DF005038", "3F00DF00503C"])
def test_whole_files_read_back_in_chunks(card: VirtualCard, path: str) -> None:
    for chunk in (0xFC, 0x80, 0xFF):
        assert read_file(card, path, chunk) == card.image.files[path]


def test_cert_files_are_padded_and_parse(card: VirtualCard) -> None:
    data = read_file(card, "3F00DF005038")
    size = int.from_bytes(data[2:4], "big") + 4
    x509.load_der_x509_certificate(data[:size])
    assert not any(data[size:]) and len(data) - size == (50 if card.profile == "1.7" else 1100)


def test_basic_public_key_file_on_18(card18: VirtualCard) -> None:
    data = read_file(card18, "3F00DF014040")
    assert len(data) == 120 and data.startswith(bytes.fromhex("3076301006072A8648CE3D020106052B81040022"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(0, 0x7FFF), le=st.integers(0, 255))
def test_read_binary_property(card18: VirtualCard, offset: int, le: int) -> None:
    content = card18.image.files["3F00DF014035"]
    sw_of(card18, "00A4080C063F00DF014035")
    data, sw = send(card18, bytes((0x00, 0xB0, offset >> 8, offset & 0xFF, le)))
    wanted = le or 256
    if offset >= len(content):
        assert (data, sw) == (b"", 0x6B00)
    elif offset + wanted > len(content):
        assert (data, sw) == (b"", 0x6C00 | (len(content) - offset))
    else:
        assert (data, sw) == (content[offset : offset + wanted], 0x9000)


# -- GET RESPONSE ------------------------------------------------------------------------------


def test_get_response_without_data(card: VirtualCard) -> None:
    assert sw_of(card, "00C0000010") == 0x6985


def test_get_response_in_parts_and_wrong_le(card17: VirtualCard) -> None:
    verify(card17)
    mse(card17, 0x08, 0x82)
    _, sw = send(card17, b"\x00\x2a\x9e\x9a\x20" + bytes(32))
    assert sw == 0x6100
    first, sw = send(card17, "00C0000080")
    assert sw == 0x6180 and len(first) == 0x80
    assert sw_of(card17, "00C0000000") == 0x6C80  # Le too long: the chain is kept
    second, sw = send(card17, "00C0000080")
    assert sw == 0x9000
    public_key(card17, "3F00DF005038").verify(first + second, bytes(32), padding.PKCS1v15(),
                                               utils.Prehashed(hashes.SHA256()))
    assert sw_of(card17, "00C0000010") == 0x6985


def test_other_command_discards_pending_response(card18: VirtualCard) -> None:
    verify(card18)
    mse(card18, 0x02, 0x82)
    assert send(card18, b"\x00\x2a\x9e\x9a\x30" + bytes(48))[1] == 0x6160
    send(card18, "80E400001C")
    assert sw_of(card18, "00C0000060") == 0x6985


def test_case4_pso_with_le_still_answers_61xx(card18: VirtualCard) -> None:
    verify(card18)
    mse(card18, 0x02, 0x82)
    assert send(card18, b"\x00\x2a\x9e\x9a\x30" + bytes(48) + b"\x00")[1] == 0x6160


# -- MSE / PSO -----------------------------------------------------------------------------------

RSA_CASES = {
    0x02: (hashes.SHA1(), "pkcs1"),
    0x04: (hashes.MD5(), "pkcs1"),
    0x08: (hashes.SHA256(), "pkcs1"),
    0x10: (hashes.SHA1(), "pss"),
    0x20: (hashes.SHA256(), "pss"),
}


@pytest.mark.parametrize("key_ref,cert", [(0x82, "3F00DF005038"), (0x83, "3F00DF005039")])
@pytest.mark.parametrize("algorithm", sorted(RSA_CASES))
def test_rsa_signatures_verify(card17: VirtualCard, algorithm: int, key_ref: int, cert: str) -> None:
    algo, scheme = RSA_CASES[algorithm]
    digest = hashlib.new(algo.name, b"message").digest()
    assert mse(card17, algorithm, key_ref) == 0x9000
    assert verify(card17) == 0x9000
    signature, sw = pso(card17, digest)
    assert sw == 0x9000 and len(signature) == 256
    key = public_key(card17, cert)
    pad = (padding.PKCS1v15() if scheme == "pkcs1"
           else padding.PSS(mgf=padding.MGF1(algo), salt_length=algo.digest_size))
    key.verify(signature, digest, pad, utils.Prehashed(algo))
    with pytest.raises(InvalidSignature):
        key.verify(signature, bytes(len(digest)), pad, utils.Prehashed(algo))


@pytest.mark.parametrize("hash_algorithm", [hashes.SHA1(), hashes.SHA256(), hashes.SHA384(), hashes.SHA512(),
                                            hashes.MD5(), hashes.SHA224()])
def test_rsa_algorithm_01_signs_a_digest_info(card17: VirtualCard, hash_algorithm: Any) -> None:
    digest = hashlib.new(hash_algorithm.name, b"hello").digest()
    verify(card17)
    mse(card17, 0x01, 0x82)
    prefix = {
        "md5": "3020300c06082a864886f70d020505000410", "sha1": "3021300906052b0e03021a05000414",
        "sha224": "302d300d06096086480165030402040500041c",
        "sha256": "3031300d060960864801650304020105000420", "sha384": "3041300d060960864801650304020205000430",
        "sha512": "3051300d060960864801650304020305000440",
    }[hash_algorithm.name]
    signature, sw = pso(card17, bytes.fromhex(prefix) + digest)
    assert sw == 0x9000
    public_key(card17, "3F00DF005038").verify(signature, digest, padding.PKCS1v15(),
                                               utils.Prehashed(hash_algorithm))


def test_rsa_algorithm_01_pads_arbitrary_data(card17: VirtualCard) -> None:
    verify(card17)
    mse(card17, 0x01, 0x82)
    key = public_key(card17, "3F00DF005038")
    assert isinstance(key, rsa.RSAPublicKey)
    numbers = key.public_numbers()
    for data in (b"\x01", b"raw data of the host", bytes(range(245))):
        signature, sw = pso(card17, data)
        assert sw == 0x9000
        recovered = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(256, "big")
        assert recovered == b"\x00\x01" + b"\xff" * (253 - len(data)) + b"\x00" + data


def test_raw_path_equals_library_path_for_digest_info(card17: VirtualCard) -> None:
    signer = card17._signers[0x82]
    data = bytes.fromhex("3031300d060960864801650304020105000420") + bytes(range(32))
    assert signer.sign(0x01, data)[1] == signer.raw_pkcs1(data)  # type: ignore[union-attr]


@pytest.mark.parametrize("algorithm,length", [(0x01, 0), (0x01, 246), (0x02, 32), (0x04, 20), (0x08, 20),
                                              (0x10, 32), (0x20, 20)])
def test_rsa_wrong_data_length(card17: VirtualCard, algorithm: int, length: int) -> None:
    verify(card17)
    mse(card17, algorithm, 0x82)
    data = bytes(length)
    answer = send(card17, bytes((0x00, 0x2A, 0x9E, 0x9A, length)) + data if length else "002A9E9A")
    assert answer[1] == 0x6700


EC_CASES = {0x01: 32, 0x02: 48, 0x04: 64, 0x08: 32, 0x10: 48, 0x20: 64}


@pytest.mark.parametrize("key_ref,cert", [(0x82, "3F00DF005038"), (0x83, "3F00DF005039")])
@pytest.mark.parametrize("algorithm,length",
                         [*EC_CASES.items(), (0x40, 20), (0x40, 28), (0x40, 32), (0x40, 48), (0x40, 64)])
def test_ec_signatures_verify(card18: VirtualCard, algorithm: int, length: int, key_ref: int, cert: str) -> None:
    digest = hashlib.sha512(b"message").digest()[:length]
    assert mse(card18, algorithm, key_ref) == 0x9000
    assert verify(card18) == 0x9000
    signature, sw = pso(card18, digest)
    assert sw == 0x9000 and len(signature) == 96
    der = utils.encode_dss_signature(int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big"))
    by_length = {20: hashes.SHA1(), 28: hashes.SHA224(), 32: hashes.SHA256(), 48: hashes.SHA384(),
                 64: hashes.SHA512()}
    key = public_key(card18, cert)
    key.verify(der, digest, ec.ECDSA(utils.Prehashed(by_length[length])))
    with pytest.raises(InvalidSignature):
        key.verify(der, bytes(length), ec.ECDSA(utils.Prehashed(by_length[length])))


@pytest.mark.parametrize("algorithm,length", [(0x01, 48), (0x02, 32), (0x04, 48), (0x40, 47), (0x40, 16)])
def test_ec_wrong_data_length(card18: VirtualCard, algorithm: int, length: int) -> None:
    verify(card18)
    mse(card18, algorithm, 0x82)
    assert pso(card18, bytes(length))[1] == 0x6700


@pytest.mark.parametrize("algorithm", [0x00, 0x03, 0x40, 0x80, 0xFF])
def test_mse_unknown_algorithm_on_17(card17: VirtualCard, algorithm: int) -> None:
    assert mse(card17, algorithm, 0x82) == 0x6A80


@pytest.mark.parametrize("algorithm", [0x00, 0x03, 0x80, 0xFF])
def test_mse_unknown_algorithm_on_18(card18: VirtualCard, algorithm: int) -> None:
    assert mse(card18, algorithm, 0x82) == 0x6A80


def test_mse_errors(card: VirtualCard) -> None:
    assert mse(card, 0x02, 0x84) == 0x6A88
    assert sw_of(card, "002241B604048002 84") == 0x6700
    assert sw_of(card, "002241B6050580028482") == 0x6A80
    assert sw_of(card, "002241B6050480028582") == 0x6A80
    assert sw_of(card, "002241A4050480028482") == 0x6B00


def test_mse_failure_clears_environment(card: VirtualCard) -> None:
    verify(card)
    assert mse(card, 0x02, 0x82) == 0x9000
    assert mse(card, 0x02, 0x99) == 0x6A88
    assert pso(card, bytes(20 if card.profile == "1.7" else 48))[1] == 0x6985


def test_pso_without_environment(card: VirtualCard) -> None:
    verify(card)
    assert pso(card, bytes(32))[1] == 0x6985


def test_pso_wrong_p1p2(card18: VirtualCard) -> None:
    verify(card18)
    mse(card18, 0x02, 0x82)
    assert sw_of(card18, b"\x00\x2a\x9e\x9b\x30" + bytes(48)) == 0x6B00


def test_basic_key_is_refused_for_pso(card18: VirtualCard) -> None:
    verify(card18)
    assert mse(card18, 0x02, 0x81) == 0x9000  # commons-eid sends this before INTERNAL AUTHENTICATE
    assert pso(card18, bytes(48))[1] == 0x6985


def test_kids_card_has_no_non_repudiation_key() -> None:
    card = VirtualCard(image=make_image("1.8", kids=True))
    assert mse(card, 0x02, 0x83) == 0x6A88
    assert mse(card, 0x02, 0x82) == 0x9000


# -- INTERNAL AUTHENTICATE (1.8) ---------------------------------------------------------------


def test_internal_authenticate_signs_the_challenge(card18: VirtualCard) -> None:
    challenge = hashlib.sha384(b"challenge").digest()
    _, sw = send(card18, b"\x00\x88\x02\x81\x32\x94\x30" + challenge)
    assert sw == 0x6160
    signature = fetch(card18, sw)
    spki = card18.image.files["3F00DF014040"]
    key = serialization.load_der_public_key(spki)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    der = utils.encode_dss_signature(int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big"))
    key.verify(der, challenge, ec.ECDSA(utils.Prehashed(hashes.SHA384())))
    # with Le the card still behaves like a T=0 card
    assert send(card18, b"\x00\x88\x02\x81\x32\x94\x30" + challenge + b"\x00")[1] == 0x6160


def test_internal_authenticate_clears_the_environment(card18: VirtualCard) -> None:
    verify(card18)
    mse(card18, 0x02, 0x82)
    assert fetch(card18, send(card18, b"\x00\x88\x02\x81\x32\x94\x30" + bytes(48))[1])
    assert pso(card18, bytes(48))[1] == 0x6985


@pytest.mark.parametrize("apdu,sw", [
    ("00880281319430" + "00" * 47, 0x6A80),
    ("00880281329530" + "00" * 48, 0x6A80),
    ("00880281329431" + "00" * 48, 0x6A80),
    ("00880282329430" + "00" * 48, 0x6A88),
    ("00880381329430" + "00" * 48, 0x6A80),
])
def test_internal_authenticate_errors(card18: VirtualCard, apdu: str, sw: int) -> None:
    assert sw_of(card18, apdu) == sw


def test_internal_authenticate_limit(card18: VirtualCard) -> None:
    card18.security.internal_auth_count = 5000
    apdu = b"\x00\x88\x02\x81\x32\x94\x30" + bytes(48)
    assert sw_of(card18, apdu) == 0x6985
    verify(card18)
    assert sw_of(card18, apdu) == 0x6160


def test_internal_authenticate_on_17_uses_the_rsa_basic_key(card17: VirtualCard) -> None:
    key = card17.image.basic_key
    assert isinstance(key, rsa.RSAPrivateKey)
    challenge = bytes(range(20))
    _, sw = send(card17, b"\x00\x88\x02\x81\x16\x94\x14" + challenge)
    assert sw == 0x6100
    signature = fetch(card17, sw)
    numbers = key.public_key().public_numbers()
    recovered = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(256, "big")
    assert recovered == b"\x00\x01" + b"\xff" * (253 - 20) + b"\x00" + challenge
    assert sw_of(card17, "00880081029400") == 0x6A80
    assert sw_of(card17, b"\x00\x88\x02\x81\xf8\x94\xf6" + bytes(246)) == 0x6A80


# -- READ RECORD (1.8) -------------------------------------------------------------------------


def tlv_image() -> Any:
    image = make_image("1.8")
    identity = b"\x01\x0c000001241600" + b"\x02\x10" + bytes(range(16)) + b"\x0d\xff\x01" + b"x" * 256
    image.files["3F00DF014031"] = identity + bytes(20)
    return image, identity


def test_read_record_returns_tlv_records() -> None:
    image, identity = tlv_image()
    card = VirtualCard(image=image)
    assert sw_of(card, "80B2010100") == 0x6986
    sw_of(card, "00A4080C063F00DF014031")
    assert send(card, "80B2010100") == (identity[:14], 0x9000)
    assert send(card, "80B2010200") == (identity[:32], 0x9000)
    assert sw_of(card, "80B2010105") == 0x6C0E
    assert sw_of(card, "80B2030300") == 0x6A83
    assert sw_of(card, "80B2020100") == 0x6A83
    data, sw = send(card, "80B20D0D00")
    assert sw == 0x6103 and data == identity[32 : 32 + 256]
    assert fetch(card, sw) == identity[32 + 256 :]
    sw_of(card, "00A4080C063F00DF014035")
    assert sw_of(card, "80B2010100") == 0x6981


def test_read_record_unknown_on_17(card17: VirtualCard) -> None:
    assert sw_of(card17, "80B2010100") == 0x6D00


# -- other commands -------------------------------------------------------------------------


def test_get_challenge(card: VirtualCard) -> None:
    a, sw = send(card, "0084000008")
    b, _ = send(card, "0084000008")
    assert sw == 0x9000 and len(a) == 8 and a != b
    assert sw_of(card, "00840000") == 0x6700


def test_log_off(card: VirtualCard) -> None:
    verify(card)
    assert sw_of(card, "00200001") == 0x9000
    assert sw_of(card, "80E60000") == 0x9000
    assert sw_of(card, "00200001") == 0x63C3
    assert sw_of(card, "80E60100") == 0x6B00


@pytest.mark.parametrize("ins", [0x00, 0x0E, 0x44, 0x70, 0xCA, 0xD6, 0xFE])
def test_unknown_instruction(card: VirtualCard, ins: int) -> None:
    assert sw_of(card, bytes((0x00, ins, 0x00, 0x00))) == 0x6D00


def test_wrong_class(card: VirtualCard) -> None:
    assert sw_of(card, "80A4080C023F00") == 0x6E00  # ISO command with the proprietary class
    assert sw_of(card, "00E400001C") == 0x6E00
    assert sw_of(card, "A0B0000010") == 0x6E00
    channel = sw_of(card, "01B0000010")
    assert channel == (0x6881 if card.profile == "1.7" else 0x6E00)


@pytest.mark.parametrize("apdu", ["", "00", "00A4", "00A408", "00A4080C05DF00", "00A4080C0000", "00B0000000000100"])
def test_malformed_apdus_get_6700(card: VirtualCard, apdu: str) -> None:
    assert sw_of(card, apdu) == 0x6700


def test_apdu_count(card: VirtualCard) -> None:
    before = card.apdu_count
    send(card, "80E400001C")
    send(card, "00")
    assert card.apdu_count == before + 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_process_never_raises_on_arbitrary_bytes(card: VirtualCard, apdu: bytes) -> None:
    answer = card.process(apdu)
    assert len(answer) >= 2
    assert card.internal_errors == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cla=st.sampled_from([0x00, 0x80, 0x01]), ins=st.sampled_from([0xA4, 0xB0, 0xB2, 0xC0, 0x20, 0x24, 0x22,
                                                                     0x2A, 0x88, 0x84, 0xE4, 0xE6]),
       p1=st.integers(0, 255), p2=st.integers(0, 255), body=st.binary(max_size=260))
def test_process_never_raises_on_known_instructions(card: VirtualCard, cla: int, ins: int, p1: int, p2: int,
                                                    body: bytes) -> None:
    answer = card.process(bytes((cla, ins, p1, p2)) + body)
    assert len(answer) >= 2
    assert card.internal_errors == 0


# -- through the host's T=0 channel ------------------------------------------------------------


def test_full_signature_through_card_channel(card: VirtualCard) -> None:
    from eidlib.emulator import VirtualTransport

    transport = VirtualTransport(card)
    transport.connect()
    channel = CardChannel(transport)
    channel.send(CommandAPDU(0x00, 0xA4, 0x08, 0x0C, bytes.fromhex("3F00DF00")))
    algorithm, digest = (0x08, bytes(32)) if card.profile == "1.7" else (0x02, bytes(48))
    channel.send(CommandAPDU(0x00, 0x22, 0x41, 0xB6, bytes((0x04, 0x80, algorithm, 0x84, 0x82))))
    channel.send(CommandAPDU(0x00, 0x20, 0x00, 0x01, PIN_BLOCK))
    signature = channel.send(CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, digest))
    assert len(signature) == (256 if card.profile == "1.7" else 96)
    card_data = channel.send(CommandAPDU(0x80, 0xE4, 0x00, 0x00, le=0xFF))  # commons-eid's 6Cxx retry
    assert len(card_data) == 28
