"""GET CARD DATA parsing against recorded answers (spec §3.7)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.belpic.atr import atr_generation, is_beid_atr
from eidlib.carddata.carddata import CardData
from eidlib.carddata.errors import CardDataError
from tests.support.vectors import VECTORS

DATA = json.loads((VECTORS / "card" / "card_data_and_atrs.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", DATA["responses"], ids=lambda e: e["id"][:30])
def test_recorded_answers(entry: dict[str, object]) -> None:
    raw_hex = entry.get("response_hex_without_sw") or str(entry["response_hex_with_sw"])[:-4]
    data = CardData.parse(bytes.fromhex(str(raw_hex)))
    decoded = entry["decoded_by_collector"]
    assert isinstance(decoded, dict)
    assert data.serial_number.hex() == decoded["serialNumber"]
    assert data.component_code == decoded["componentCode"]
    assert data.os_number == decoded["osNumber"]
    assert data.os_version == decoded["osVersion"]
    assert data.softmask_number == decoded["softmaskNumber"]
    assert data.softmask_version == decoded["softmaskVersion"]
    assert data.applet_version == decoded["applicationVersion"]
    assert data.global_os_version == decoded["globalOSVersion"]
    assert data.applet_interface_version == decoded["applicationInterfaceVersion"]
    assert data.pkcs1_support == decoded["pkcs1Support"]
    assert data.key_exchange_version == decoded["keyExchangeVersion"]
    assert data.applet_life_cycle == decoded["applicationLifeCycle"]
    assert data.chip_manufacturer == decoded["chipManufacturer"]
    assert data.activated
    assert data.pin_tries_left is None
    assert data.token_serial == data.serial_hex[-16:]


def test_opensc_card_is_applet_17() -> None:
    raw = bytes.fromhex("534c47904043000038e977a912924251f3360125011700030021010f")
    data = CardData.parse(raw)
    assert data.applet_version_text == "1.7"
    assert data.to_dict()["carddata_appl_version"] == "1.7"


def test_extended_answer_carries_pin_tries() -> None:
    base = bytes.fromhex("534c47904043000038e977a912924251f3360125011800010000020f")
    assert CardData.parse(base + b"\x02\xff\xff").pin_tries_left == 2
    assert CardData.parse(base + b"\xff\xff\xff").pin_tries_left is None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=40))
def test_wrong_lengths(raw: bytes) -> None:
    if len(raw) in (28, 31):
        assert CardData.parse(raw).raw == raw
    else:
        with pytest.raises(CardDataError):
            CardData.parse(raw)


ATRS = [e for e in DATA["atrs"] if "atr" in e]
MASKS = [e for e in DATA["atrs"] if "atr_mask" in e]


@pytest.mark.parametrize("entry", ATRS, ids=lambda e: e["atr"])
def test_atrs(entry: dict[str, str]) -> None:
    atr = bytes.fromhex(entry["atr"])
    assert atr_generation(atr) == ("1.8" if "1.8" in entry["card"] else "1.7")
    assert is_beid_atr(atr)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=13, max_size=13))
def test_masked_rsa_family(atr: bytes) -> None:
    (entry,) = MASKS
    pattern, mask = bytes.fromhex(entry["atr_pattern"]), bytes.fromhex(entry["atr_mask"])
    matches = all((a & m) == p for a, m, p in zip(atr, mask, pattern, strict=True))
    assert (atr_generation(atr) == "1.7") == matches
    forced = bytes((a & ~m & 0xFF) | p for a, m, p in zip(atr, mask, pattern, strict=True))
    assert atr_generation(forced) == "1.7"


def test_foreign_atr() -> None:
    assert atr_generation(bytes.fromhex("3BF81300008131FE15597562696B657934D4")) is None
    assert atr_generation(bytes.fromhex("3B9894400AA503010101AD1310")) == "1.7"
    assert atr_generation(bytes.fromhex("3B9894400AA503010101AD13")) is None
