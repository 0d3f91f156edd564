"""The PKCS#15 files and EF(DIR): exact bytes from the spec (§2.2, §2.3) and DER structure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from asn1crypto import parser
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.belpic.files import CDF_FILE_SIZE, FileId
from eidlib.emulator import pkcs15
from eidlib.emulator.card import VirtualCard
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.filesystem import DF_BELPIC, MF
from tests.emulator.card_images import make_image

SPEC_EF_DIR = bytes.fromhex("6123 4F0C A000000177504B43532D3135 5006 42454C504943 5104 3F00DF00 7305 0603603802")
SPEC_ODF = bytes.fromhex(
    "A00A300804063F00DF005035 A40A300804063F00DF005037 A80A300804063F00DF005034")
SPEC_AODF = bytes.fromhex(
    "3033 300F 0C09" + b"Basic PIN".hex() + "030206C0 3003040101"
    "A11B 3019 0302020C 0A0100 020104 020108 800101 0401FF 3004 04023F00")
# CC4 §6.4 with the modulus length of a 2048-bit key (the manual shows the 1024-bit V1.1 value).
SPEC_PRKDF_17_AUTH = bytes.fromhex(
    "303A 3017 0C0E" + b"Authentication".hex() + "030206C0 040101"
    "300F 040102 03020520 030203B8 02020082"
    "A10E 300C 3006 04043F00DF00 02020800")
SPEC_PRKDF_17_SIGN = bytes.fromhex(
    "3039 3015 0C09" + b"Signature".hex() + "030206C0 040101 020101"
    "3010 040103 0303060040 030203B8 02020083"
    "A10E 300C 3006 04043F00DF00 02020800")
SPEC_CDF_17 = [
    bytes.fromhex("302C 3017 0C0E" + b"Authentication".hex() + "030206C0 040101 3003 040102"
                  "A10C 300A 3008 04063F00DF005038"),
    bytes.fromhex("3027 3012 0C09" + b"Signature".hex() + "030206C0 040101 3003 040103"
                  "A10C 300A 3008 04063F00DF005039"),
    bytes.fromhex("3023 300B 0C02" + b"CA".hex() + "030206C0 040101 3006 040104 0101FF"
                  "A10C 300A 3008 04063F00DF00503A"),
    bytes.fromhex("3025 300D 0C04" + b"Root".hex() + "030206C0 040101 3006 040106 0101FF"
                  "A10C 300A 3008 04063F00DF00503B"),
]


@dataclass(frozen=True)
class Node:
    """One decoded DER value (asn1crypto's parser knows no PKCS#15 schema, so the walk is generic)."""

    class_: int
    constructed: bool
    tag: int
    contents: bytes
    encoded: bytes


def decode_all(data: bytes) -> list[Node]:
    """Every top-level DER value of a file, stopping at the zero padding."""
    values = []
    while data and data[0] != 0:
        class_, method, tag, header, contents, trailer = parser.parse(data)
        size = len(header) + len(contents) + len(trailer)
        values.append(Node(class_, bool(method), tag, contents, data[:size]))
        data = data[size:]
    return values


def children(value: Node) -> list[Node]:
    assert value.constructed
    return decode_all(value.contents)


def card_file(card: VirtualCard, fid: int) -> bytes:
    return card.filesystem.content(DF_BELPIC, fid)


@pytest.fixture(scope="module", params=["1.7", "1.8"])
def card(request: Any) -> VirtualCard:
    return VirtualCard(image=make_image(request.param))


def test_ef_dir_matches_spec() -> None:
    assert pkcs15.ef_dir() == SPEC_EF_DIR
    assert len(SPEC_EF_DIR) == 37


def test_odf_and_aodf_match_spec() -> None:
    assert pkcs15.odf() == SPEC_ODF and len(SPEC_ODF) == 36
    assert pkcs15.aodf() == SPEC_AODF and len(SPEC_AODF) == 53


def test_card_carries_ef_dir_in_mf(card: VirtualCard) -> None:
    assert card.filesystem.content(MF, 0x2F00) == SPEC_EF_DIR


def test_token_info_layout(card: VirtualCard) -> None:
    data = card_file(card, FileId.TOKEN_INFO)
    assert data[:2] == b"\x30\x27" and len(data) == 41
    seq = decode_all(data)[0]
    version, serial, label, flags, versions = children(seq)
    assert version.tag == 2 and version.contents == b"\x00"
    assert serial.tag == 4 and serial.contents == card.image.chip_serial
    assert (label.class_, label.tag, label.contents) == (2, 0, b"BELPIC")
    assert flags.contents == b"\x04\x30"
    assert (versions.class_, versions.tag) == (2, 30)
    electrical = versions.contents[1]
    assert electrical == (0x03 if card.profile == "1.7" else 0x04)
    # eid-mw reads the perso versions as the last 4 bytes of the TLV
    assert data[data[1] + 2 - 4 : data[1] + 2] == versions.contents


def test_token_info_rejects_bad_serial() -> None:
    with pytest.raises(EmulatorError):
        pkcs15.token_info(b"\x01" * 15, b"\x00" * 4)


def test_prkdf_17_matches_spec_bytes() -> None:
    card = VirtualCard(image=make_image("1.7"))
    assert card_file(card, FileId.PRKDF) == SPEC_PRKDF_17_AUTH + SPEC_PRKDF_17_SIGN
    assert len(SPEC_PRKDF_17_AUTH + SPEC_PRKDF_17_SIGN) == 119


def test_prkdf_18_is_ec_keys_of_384_bits() -> None:
    card = VirtualCard(image=make_image("1.8"))
    entries = decode_all(card_file(card, FileId.PRKDF))
    assert [(e.class_, e.tag) for e in entries] == [(2, 0), (2, 0)]  # privateECKey [0]
    assert [len(e.contents) for e in entries] == [0x3A, 0x39]
    for entry, (key_id, key_ref) in zip(entries, [(2, 0x82), (3, 0x83)], strict=True):
        _common, key_common, type_attributes = children(entry)
        key_fields = children(key_common)
        assert key_fields[0].contents == bytes((key_id,))
        assert int.from_bytes(key_fields[-1].contents, "big") == key_ref
        (ec_attributes,) = children(type_attributes)
        path, size = children(ec_attributes)
        assert children(path)[0].contents == bytes.fromhex("3F00DF00")
        assert int.from_bytes(size.contents, "big") == 384


def test_cdf_17_matches_spec_bytes_and_padding() -> None:
    card = VirtualCard(image=make_image("1.7"))
    data = card_file(card, FileId.CDF)
    body = b"".join(SPEC_CDF_17)
    assert data[: len(body)] == body
    assert len(data) == CDF_FILE_SIZE and not any(data[len(body):])


def test_cdf_18_entries() -> None:
    card = VirtualCard(image=make_image("1.8"))
    entries = decode_all(card_file(card, FileId.CDF))
    labels = []
    for entry, fid, authority in zip(entries, (0x5038, 0x5039, 0x503A, 0x503B),
                                     (False, False, True, True), strict=True):
        common, cert_common, value = children(entry)
        label, flags, _auth_id = children(common)
        labels.append(label.contents.decode())
        assert flags.contents == b"\x06\x40"
        fields = children(cert_common)
        assert fields[-1].encoded == b"\x83\x01\x00"  # implicitTrust FALSE
        assert (fields[1].encoded == b"\x01\x01\xff") is authority
        (path,) = children(children(children(value)[0])[0])
        assert path.contents == bytes.fromhex("3F00DF00") + fid.to_bytes(2, "big")
    assert labels == ["Authentication", "Signature", "CA", "Root"]


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_kids_card_shrinks_cdf_and_prkdf(profile: str) -> None:
    card = VirtualCard(image=make_image(profile, kids=True))  # type: ignore[arg-type]
    cdf_labels = [children(children(e)[0])[0].contents for e in decode_all(card_file(card, FileId.CDF))]
    assert cdf_labels == [b"Authentication", b"CA", b"Root"]
    prkdf = decode_all(card_file(card, FileId.PRKDF))
    assert len(prkdf) == 1
    assert children(children(prkdf[0])[0])[0].contents == b"Authentication"
    # the signature EF is all zeros, as on a card whose citizen has no signature certificate
    assert not any(card_file(card, FileId.SIGNATURE_CERTIFICATE))


def test_paths_in_odf_point_at_existing_files(card: VirtualCard) -> None:
    for entry in decode_all(card_file(card, FileId.ODF)):
        path = children(children(entry)[0])[0].contents
        assert path[:4] == bytes.fromhex("3F00DF00")
        assert card_file(card, int.from_bytes(path[4:], "big"))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 0xFF))
def test_tlv_round_trips_through_a_der_parser(value: bytes, tag_number: int) -> None:
    tag = 0x80 | (tag_number % 31)  # context-specific, primitive, low tag number
    encoded = pkcs15.tlv(tag, value)
    class_, method, number, header, contents, trailer = parser.parse(encoded, strict=True)
    assert (class_, method, number, contents) == (2, 0, tag & 0x1F, value)
    assert header + contents + trailer == encoded
