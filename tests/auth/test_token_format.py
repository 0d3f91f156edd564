"""``AuthToken`` JSON: strict parsing, round trips, format versions."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import AuthToken, TokenParseError, UnsupportedTokenFormat, parse_format
from eidlib.auth.errors import AuthError
from tests.auth.webeid_vectors import ES384, RS256


@pytest.mark.parametrize(
    ("value", "expected"),
    [("web-eid:1", (1, 0)), ("web-eid:1.0", (1, 0)), ("web-eid:1.1", (1, 1)), ("web-eid:1.2", (1, 2)),
     ("web-eid:1.01", (1, 1))],
)
def test_parse_format(value: str, expected: tuple[int, int]) -> None:
    assert parse_format(value) == expected


@pytest.mark.parametrize(
    "value",
    ["web-eid:10", "web-eid:1.x", "web-eid:2.0", "web-eid:0.9", "web-eid:01.0", "web-eid:1.-1", "web-eid:1.",
     "web-eid:", "WEB-EID:1.0", "web-eid:1.0.0", " web-eid:1.0", "", None, 1, "web-eid:1.1\n"],
)
def test_parse_format_rejects(value: object) -> None:
    with pytest.raises(UnsupportedTokenFormat):
        parse_format(value)


@pytest.mark.parametrize("vector", [ES384, RS256], ids=["ES384", "RS256"])
def test_vectors_parse_and_round_trip(vector: object) -> None:
    token = AuthToken.from_json(vector.text)  # type: ignore[attr-defined]
    assert token.algorithm == vector.algorithm  # type: ignore[attr-defined]
    assert token.unverified_certificate == vector.user_cert  # type: ignore[attr-defined]
    assert token.app_version == "https://web-eid.eu/web-eid-app/releases/2.7.0+965"
    again = AuthToken.from_json(token.to_json())
    assert again == token
    data = json.loads(vector.text)  # type: ignore[attr-defined]
    for key in ("unverifiedCertificate", "algorithm", "signature", "format", "appVersion"):
        assert token.to_dict()[key] == data[key]


def test_intermediates_need_format_1_1() -> None:
    data = ES384.data
    data["unverifiedIntermediateCertificates"] = [data["unverifiedCertificate"]]
    with pytest.raises(TokenParseError):
        AuthToken.from_dict(data)
    data["format"] = "web-eid:1.1"
    assert len(AuthToken.from_dict(data).unverified_intermediate_certificates) == 1
    for bad in ([], "x", [""], [1], ["a"] * 5, None):
        data["unverifiedIntermediateCertificates"] = bad
        with pytest.raises(TokenParseError):
            AuthToken.from_dict(data)


def test_non_canonical_base64_is_refused() -> None:
    sig = str(RS256.data["signature"])
    assert sig.endswith("==")
    for bad in (sig + "\n", sig[:-2], sig[:-1], " " + sig, sig + "=", sig[:-3] + "B==", sig.replace("+", "-")):
        data = RS256.data
        data["signature"] = bad
        with pytest.raises(TokenParseError):
            AuthToken.from_dict(data)


def test_app_version_must_be_a_string_when_present() -> None:
    data = ES384.data
    data["appVersion"] = 5
    with pytest.raises(TokenParseError):
        AuthToken.from_dict(data)
    del data["appVersion"]
    assert AuthToken.from_dict(data).app_version == ""


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_arbitrary_text_raises_only_parse_errors(text: str | bytes) -> None:
    with contextlib.suppress(TokenParseError):
        AuthToken.from_json(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["unverifiedCertificate", "algorithm", "signature", "format", "appVersion",
                     "unverifiedIntermediateCertificates", "other"]),
    json_values, max_size=7,
))
def test_arbitrary_objects_raise_only_parse_errors(data: dict[str, object]) -> None:
    merged = {**ES384.data, **data}
    try:
        AuthToken.from_dict(merged)
    except AuthError as exc:
        assert isinstance(exc, TokenParseError)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.binary(min_size=1, max_size=300),
       st.sampled_from(["ES384", "RS256", "PS512"]),
       st.lists(st.binary(min_size=1, max_size=100), max_size=4))
def test_round_trip_property(cert: bytes, sig: bytes, alg: str, intermediates: list[bytes]) -> None:
    token = AuthToken(cert, alg, sig, "web-eid:1.1" if intermediates else "web-eid:1.0",
                      unverified_intermediate_certificates=tuple(intermediates))
    assert AuthToken.from_dict(token.to_dict()) == token
    text = token.to_json()
    if len(text) >= 100:
        assert AuthToken.from_json(text) == token
