"""Origin normalisation and nonce format rules (auth-protocol spec §1.3, §1.4, §6.3)."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.auth import InvalidChallenge, InvalidOrigin, check_nonce, generate_nonce, normalize_origin


@pytest.mark.parametrize(
    ("given_origin", "expected"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("https://päike.ee", "https://xn--pike-loa.ee"),
        ("https://xn--pike-loa.ee", "https://xn--pike-loa.ee"),
        ("https://47f0-46-131-86-189.ngrok-free.app", "https://47f0-46-131-86-189.ngrok-free.app"),
        ("https://127.0.0.1:9443", "https://127.0.0.1:9443"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://[0:0::1]", "https://[::1]"),
    ],
)
def test_normalize(given_origin: str, expected: str) -> None:
    assert normalize_origin(given_origin) == expected
    assert normalize_origin(expected) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "", "example.com", "//example.com", "http://example.com", "wss://example.com", "ftp://example.com",
        "https://example.com/", "https://example.com/path", "https://example.com?q", "https://example.com#f",
        "https://user@example.com", "https://user:pw@example.com", "https://example.com:0",
        "https://example.com:65536", "https://example.com:-1", "https://example.com:", "https://example.com:8a",
        "https://", "https://exa mple.com", "https://example..com", "https://-example.com", "https://example.com.",
        "https://ex_ample.com", "https://[::1", "https://::1", "https://1.2.3.256", "https://a\\b.com",
        "https://example.com\n", "https://" + "a" * 64 + ".com", "https://" + ".".join(["a" * 60] * 5),
        "javascript://example.com",
    ],
)
def test_reject(bad: str) -> None:
    with pytest.raises(InvalidOrigin):
        normalize_origin(bad)


def test_http_localhost_only_when_allowed() -> None:
    for origin in ("http://localhost:5000", "http://127.0.0.1:8080", "http://[::1]"):
        with pytest.raises(InvalidOrigin):
            normalize_origin(origin)
        assert normalize_origin(origin, allow_http_localhost=True) == origin
    with pytest.raises(InvalidOrigin):
        normalize_origin("http://example.com", allow_http_localhost=True)
    assert normalize_origin("http://localhost:80", allow_http_localhost=True) == "http://localhost"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_normalize_never_raises_anything_else(text: str) -> None:
    try:
        result = normalize_origin(text)
    except InvalidOrigin:
        return
    assert result.startswith("https://") and result.isascii()
    assert normalize_origin(result) == result  # idempotent


hostnames = st.lists(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True), min_size=1, max_size=4
).map(".".join)


@settings(max_examples=200, deadline=None)
@given(hostnames, st.one_of(st.none(), st.integers(1, 65535)))
def test_valid_hosts_round_trip(host: str, port: int | None) -> None:
    origin = f"https://{host.upper()}" + (f":{port}" if port else "")
    try:
        result = normalize_origin(origin)
    except InvalidOrigin:
        assert all(p.isdigit() for p in host.split("."))  # looks like a bad IPv4 address
        return
    expected_port = "" if port in (None, 443) else f":{port}"
    assert result == f"https://{host}{expected_port}"


def test_generated_nonces() -> None:
    nonces = {generate_nonce() for _ in range(200)}
    assert len(nonces) == 200
    for nonce in nonces:
        assert len(nonce) == 44
        assert len(base64.b64decode(nonce, validate=True)) == 32
        assert check_nonce(nonce) == nonce


@pytest.mark.parametrize(
    "bad", ["", "A" * 43, "A" * 129, "A" * 43 + " ", "A" * 43 + "-", "A" * 43 + "_", "=" + "A" * 43,
            "A" * 40 + "====", "Ä" * 44, None, 12345],
)
def test_bad_nonces(bad: object) -> None:
    with pytest.raises(InvalidChallenge):
        check_nonce(bad)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + "+/", min_size=44, max_size=128))
def test_base64_alphabet_nonces_accepted(nonce: str) -> None:
    assert check_nonce(nonce) == nonce


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://straße.de", "https://xn--strae-oqa.de"),  # IDNA 2008: ß is kept, not mapped to "ss"
        ("https://Bücher.EXAMPLE:443", "https://xn--bcher-kva.example"),
        ("https://ελλάδα.gr", "https://xn--hxakic4aa.gr"),
    ],
)
def test_idna_2008_origins(origin: str, expected: str) -> None:
    assert normalize_origin(origin) == expected
