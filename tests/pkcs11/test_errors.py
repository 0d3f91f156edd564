"""The CKR_* → typed error table, checked for every return value PyKCS11 knows and some it does not."""

from __future__ import annotations

import PyKCS11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.apdu.errors import CardRemovedError
from eidlib.errors import EidError
from eidlib.pkcs11.errors import CKR_TABLE, ErrorKind, PinExpired, Pkcs11Error, ckr_name, error_for, raise_for
from eidlib.token.errors import (
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinFormatError,
    PinRequired,
    SecurityStatusNotSatisfied,
    WrongPin,
)

ALL_CKR = sorted(v for v in PyKCS11.CKR if isinstance(v, int) and v > 0)

EXPECTED: dict[ErrorKind, type[EidError]] = {
    ErrorKind.WRONG_PIN: WrongPin,
    ErrorKind.PIN_BLOCKED: PinBlocked,
    ErrorKind.PIN_FORMAT: PinFormatError,
    ErrorKind.PIN_EXPIRED: PinExpired,
    ErrorKind.CANCELLED: PinCancelled,
    ErrorKind.REMOVED: CardRemovedError,
    ErrorKind.NOT_LOGGED_IN: PinRequired,
    ErrorKind.NOT_SUPPORTED: NotSupported,
    ErrorKind.NOT_RECOGNIZED: NotABeidCard,
    ErrorKind.FAILURE: Pkcs11Error,
}

NAMED = {
    "CKR_PIN_INCORRECT": WrongPin,
    "CKR_PIN_LOCKED": PinBlocked,
    "CKR_PIN_LEN_RANGE": PinFormatError,
    "CKR_DEVICE_REMOVED": CardRemovedError,
    "CKR_TOKEN_NOT_PRESENT": CardRemovedError,
    "CKR_FUNCTION_NOT_SUPPORTED": NotSupported,
    "CKR_KEY_FUNCTION_NOT_PERMITTED": NotSupported,
    "CKR_MECHANISM_INVALID": NotSupported,
    "CKR_USER_NOT_LOGGED_IN": PinRequired,
    "CKR_FUNCTION_CANCELED": PinCancelled,
    "CKR_GENERAL_ERROR": Pkcs11Error,
    "CKR_DEVICE_ERROR": Pkcs11Error,
}


def test_every_table_row_is_a_known_code() -> None:
    assert set(CKR_TABLE) <= set(ALL_CKR)
    assert ErrorKind.FAILURE not in CKR_TABLE.values()


@pytest.mark.parametrize("rv", ALL_CKR, ids=[str(PyKCS11.CKR[v]) for v in ALL_CKR])
def test_every_known_code_maps_to_its_kind(rv: int) -> None:
    error = error_for(rv, "C_Test")
    kind = CKR_TABLE.get(rv, ErrorKind.FAILURE)
    assert type(error) is EXPECTED[kind]
    assert isinstance(error, EidError)
    raw = error if isinstance(error, Pkcs11Error) else error.__cause__
    assert isinstance(raw, Pkcs11Error)
    assert raw.rv == rv and raw.function == "C_Test"
    assert PyKCS11.CKR[rv] in str(raw)


@pytest.mark.parametrize(("name", "expected"), sorted(NAMED.items()))
def test_named_mappings(name: str, expected: type[EidError]) -> None:
    assert type(error_for(getattr(PyKCS11, name), "C_Login")) is expected


def test_wrong_pin_asks_for_tries_left() -> None:
    error = error_for(PyKCS11.CKR_PIN_INCORRECT, "C_Login", tries_left=lambda: 1)
    assert isinstance(error, WrongPin) and error.tries_left == 1
    assert isinstance(error_for(PyKCS11.CKR_PIN_INCORRECT, "C_Login", tries_left=lambda: 0), PinBlocked)
    unknown = error_for(PyKCS11.CKR_PIN_INCORRECT, "C_Login")
    assert isinstance(unknown, WrongPin) and unknown.tries_left is None


def test_tries_left_is_only_asked_for_wrong_pin() -> None:
    def boom() -> int | None:
        raise AssertionError("must not be called")

    assert isinstance(error_for(PyKCS11.CKR_PIN_LOCKED, "C_Login", tries_left=boom), PinBlocked)


def test_pin_required_is_a_security_status_error() -> None:
    assert isinstance(error_for(PyKCS11.CKR_USER_NOT_LOGGED_IN, "C_Sign"), SecurityStatusNotSatisfied)


def test_raise_for_ok_is_silent() -> None:
    raise_for(PyKCS11.CKR_OK, "C_Sign")
    with pytest.raises(CardRemovedError):
        raise_for(PyKCS11.CKR_DEVICE_REMOVED, "C_Sign")


@settings(max_examples=200)
@given(st.integers(min_value=-5, max_value=2**32 - 1))
def test_any_value_gives_a_typed_error(rv: int) -> None:
    if rv == PyKCS11.CKR_OK:
        return
    error = error_for(rv, "C_Sign")
    assert isinstance(error, EidError)
    assert str(error)
    assert ckr_name(rv).startswith("CKR_")


def test_vendor_codes_are_named() -> None:
    assert ckr_name(PyKCS11.CKR_VENDOR_DEFINED + 5) == "CKR_VENDOR_DEFINED+0x5"
    assert ckr_name(0x7777) == "CKR_0x00007777"
