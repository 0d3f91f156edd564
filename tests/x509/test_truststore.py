"""TrustStore: the shipped Belgian roots, custom anchors, files and directories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eidlib.x509 import CertificateError, TrustStore, parse_certificate
from tests.support.vectors import VECTORS

UTC = dt.timezone.utc
ROOTS = VECTORS / "eid-mw" / "roots"


def test_belgium_ships_every_root() -> None:
    store = TrustStore.belgium()
    fingerprints = {a.sha256_fingerprint for a in store}
    assert fingerprints == {
        "7c7ed4240bb253bb35c376e12e00b027f1659df9d8267422a93eed75edc7adfb",  # Root CA
        "9f9744463be13714754e1a3becf98c08cc205e4ab32028f4e2830c4a1b2775b8",  # CA2
        "a8d14e945e3e5156bcae5e39737cf6a1b1f51028bbbf982f50ce5f4c05568b4d",  # CA3
        "c3fbf37259af0954eeea4282dd1c7226a54e7150f7c29a2c495ba34dbfe09ca0",  # CA4
        "702dd5c1a093cf0a9d71fadd9bf9a7c5857d89fb73b716e867228b3c2beb968f",  # CA4 re-issued
        "9c872bc979a7c09a58d4a274c199e5cb16cfa9b9618d98bc9a9988e984b8495c",  # CA6
    }
    assert len(store) == 6


def test_ca4_twice_with_one_key() -> None:
    ca4 = [a for a in TrustStore.belgium() if a.common_name == "Belgium Root CA4"]
    assert len(ca4) == 2
    assert ca4[0].serial_number == ca4[1].serial_number == 0x4F33208CC594BF38
    assert ca4[0].certificate.public_key() == ca4[1].certificate.public_key()
    assert {a.not_after.year for a in ca4} == {2028, 2032}


def test_valid_at_drops_expired_ca2() -> None:
    store = TrustStore.belgium()
    names = {a.common_name for a in store.valid_at(dt.datetime(2026, 1, 1, tzinfo=UTC))}
    assert "Belgium Root CA2" not in names and "Belgium Root CA" not in names
    assert {"Belgium Root CA3", "Belgium Root CA4", "Belgium Root CA6"} <= names
    assert "Belgium Root CA2" in {a.common_name for a in store.valid_at(dt.datetime(2015, 1, 1))}


def test_duplicates_dropped_and_membership() -> None:
    pem = (ROOTS / "belgiumrca6.pem").read_bytes()
    store = TrustStore([pem, pem, parse_certificate(pem)])
    assert len(store) == 1
    assert pem in store
    assert (ROOTS / "belgiumrca3.pem").read_bytes() not in store
    assert b"garbage" not in store
    assert 3 not in store


def test_from_directory_and_path(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_bytes((ROOTS / "belgiumrca3.pem").read_bytes())
    (tmp_path / "b.der").write_bytes((ROOTS / "belgiumrca.der").read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    store = TrustStore.from_directory(tmp_path)
    assert {a.common_name for a in store} == {"Belgium Root CA3", "Belgium Root CA"}
    assert len(TrustStore.from_path(tmp_path)) == 2
    bundle = tmp_path / "bundle.crt"
    bundle.write_bytes((ROOTS / "belgiumrca4.pem").read_bytes() + (ROOTS / "belgiumrca6.pem").read_bytes())
    assert {a.common_name for a in TrustStore.from_path(bundle)} == {"Belgium Root CA4", "Belgium Root CA6"}


def test_bad_directory_and_files(tmp_path: Path) -> None:
    with pytest.raises(CertificateError):
        TrustStore.from_directory(tmp_path / "missing")
    with pytest.raises(CertificateError, match="no certificates"):
        TrustStore.from_directory(tmp_path)
    (tmp_path / "bad.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(CertificateError, match=r"bad\.pem"):
        TrustStore.from_directory(tmp_path)
    cut = tmp_path / "cut.pem"
    cut.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    with pytest.raises(CertificateError, match="unterminated"):
        TrustStore.from_path(cut)
    with pytest.raises(CertificateError):
        TrustStore.from_path(tmp_path / "nope.pem")


def test_issuers_of() -> None:
    store = TrustStore.belgium()
    ca = (VECTORS / "eid-mw/applet18_samples/CitizenCA202002.pem").read_bytes()
    assert [a.common_name for a in store.issuers_of(ca)] == ["Belgium Root CA6"]
