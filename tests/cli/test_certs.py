"""``eid certs`` with the eid-mw test card's certificates behind a stand-in token."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.resources
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from eidlib.cli import certs as certs_cli
from eidlib.errors import EidError
from eidlib.token.protocol import CardCertificates
from eidlib.x509 import TrustStore
from eidlib.x509.verdict import certificate_verdicts
from tests.support.vectors import VECTORS

TESTCARD = VECTORS / "eid-mw" / "testcard_67063029659"
IN_LIFE = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)


def _card() -> CardCertificates:
    def read(name: str) -> bytes:
        return (TESTCARD / f"cert_{name}.der").read_bytes()

    return CardCertificates(read("authentication"), read("signing"), read("citizenca"), read("root"), read("rrn"))


class _Token:
    def __init__(self, certs: CardCertificates) -> None:
        self.certs = certs

    def read_certificates(self) -> CardCertificates:
        return self.certs


@pytest.fixture
def card(monkeypatch: pytest.MonkeyPatch) -> CardCertificates:
    certificates = _card()

    @contextlib.contextmanager
    def fake_source(args: argparse.Namespace) -> Iterator[_Token]:
        yield _Token(certificates)

    monkeypatch.setattr(certs_cli, "_open_source", fake_source)
    return certificates


def _args(**options: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    sub = parser.add_subparsers()
    certs_cli.register(sub)
    argv = ["certs"]
    for key, value in options.items():
        if key == "json":
            argv.insert(0, "--json")
        else:
            argv += [f"--{key}", str(value)]
    return parser.parse_args(argv)


def test_text_output_with_test_root(card: CardCertificates, capsys: pytest.CaptureFixture[str]) -> None:
    code = certs_cli.run(_args(trust=TESTCARD / "cert_root.der", at="2015-01-01"))
    out = capsys.readouterr().out
    assert code == 0
    assert "[authentication]" in out and "[rrn]" in out
    assert "Martine Lampaert (Authentication) (national number 67063029659)" in out
    assert "valid (Martine Lampaert (Authentication) -> Citizen CT -> Belgium Root CT3)" in out
    assert "NOT VALID" not in out


def test_json_output_against_belgian_roots(card: CardCertificates, capsys: pytest.CaptureFixture[str]) -> None:
    code = certs_cli.run(_args(json=True, at="2015-01-01T00:00:00Z"))
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    rows = {row["slot"]: row for row in data["certificates"]}
    assert set(rows) == {"authentication", "signature", "ca", "root", "rrn"}
    assert rows["authentication"]["valid"] is False
    assert rows["authentication"]["error"].startswith("CertificateNotTrusted")
    assert rows["signature"]["qualified"] is True
    assert rows["signature"]["role"] == "signature"
    assert rows["rrn"]["role"] == "rrn"
    assert rows["authentication"]["national_number"] == "67063029659"
    assert data["validated_at"] == "2015-01-01T00:00:00+00:00"


def test_expired_today(card: CardCertificates, capsys: pytest.CaptureFixture[str]) -> None:
    code = certs_cli.run(_args(json=True, trust=TESTCARD / "cert_root.der"))
    rows = {row["slot"]: row for row in json.loads(capsys.readouterr().out)["certificates"]}
    assert code == 1
    assert rows["authentication"]["error"].startswith("CertificateExpired")
    assert rows["root"]["valid"] is True  # Belgium Root CT3 runs to 2041


def test_out_writes_der(card: CardCertificates, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certs_cli.run(_args(out=tmp_path / "out", trust=TESTCARD / "cert_root.der", at="2015-01-01"))
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["authentication.der", "ca.der", "root.der", "rrn.der", "signature.der"]
    assert (tmp_path / "out" / "signature.der").read_bytes() == card.signature
    assert "wrote" in capsys.readouterr().out


def test_missing_and_unreadable_slots() -> None:
    certs = CardCertificates(b"garbage", None, None, (TESTCARD / "cert_root.der").read_bytes())
    rows = [v.to_dict() for v in certificate_verdicts(certs, trust=TrustStore([certs.root or b""]), at=IN_LIFE)]
    assert [r["slot"] for r in rows] == ["authentication", "root"]
    assert rows[0]["valid"] is False and "unreadable" in rows[0]["error"]
    assert rows[1]["valid"] is True


def test_bad_trust_path(card: CardCertificates, tmp_path: Path) -> None:
    with pytest.raises(EidError, match="trust anchors"):
        certs_cli.run(_args(trust=tmp_path / "none.pem"))


def test_bad_time_argument() -> None:
    with pytest.raises(SystemExit):
        _args(at="yesterday")


@pytest.mark.parametrize("profile", ["1.8", "1.7"])
def test_virtual_card_through_main(
    profile: Literal["1.7", "1.8"], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from eidlib.cli.main import main
    from eidlib.emulator.pki import TestPki

    anchor = TestPki.load(profile=profile).write_trust_anchors(tmp_path / "trust")
    out = tmp_path / "der"
    code = main(["--virtual", profile, "certs", "--json", "--trust", str(anchor.parent), "--out", str(out)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = {row["slot"]: row for row in data["certificates"]}
    assert set(rows) == {"authentication", "signature", "ca", "root", "rrn"}
    assert all(row["valid"] for row in rows.values())
    assert rows["authentication"]["key"] == ("EC secp384r1" if profile == "1.8" else "RSA 2048")
    assert rows["authentication"]["national_number"].isdigit()
    assert len(list(out.iterdir())) == 5
    # Without --trust the virtual card is checked against its own test root ...
    assert main(["--virtual", profile, "--json", "certs"]) == 0
    capsys.readouterr()
    # ... and against the real Belgian roots it is not trusted.
    belgian_roots = Path(str(importlib.resources.files("eidlib.x509") / "roots"))
    assert main(["--virtual", profile, "--json", "certs", "--trust", str(belgian_roots)]) == 1
    rows = {row["slot"]: row for row in json.loads(capsys.readouterr().out)["certificates"]}
    assert rows["authentication"]["error"].startswith("CertificateNotTrusted")


@pytest.mark.ocsp
def test_virtual_card_ocsp_with_openssl_responder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography import x509

    from eidlib.cli.main import main
    from eidlib.emulator.pki import TestPki
    from tests.support.ocsp import IndexEntry, OpensslOcspResponder

    pki = TestPki.load(profile="1.8")
    anchor = pki.write_trust_anchors(tmp_path / "trust")
    main(["--virtual", "1.8", "certs", "--trust", str(anchor), "--out", str(tmp_path / "der")])
    capsys.readouterr()
    auth = x509.load_der_x509_certificate((tmp_path / "der" / "authentication.der").read_bytes())
    sign = x509.load_der_x509_certificate((tmp_path / "der" / "signature.der").read_bytes())
    entries = [IndexEntry.for_certificate(auth), IndexEntry.for_certificate(sign, "R")]
    with OpensslOcspResponder(pki.citizen_ca.certificate, pki.ocsp_responder.certificate,
                              pki.ocsp_responder.private_key, entries) as responder:
        argv = ["--virtual", "1.8", "--json", "certs", "--trust", str(anchor), "--ocsp",
                "--ocsp-url", responder.url, "--allow-host", "127.0.0.1"]
        code = main(argv)
        rows = {row["slot"]: row for row in json.loads(capsys.readouterr().out)["certificates"]}
        assert code == 1
        assert rows["authentication"]["ocsp"] == "good" and rows["authentication"]["valid"]
        assert rows["signature"]["ocsp"].startswith("CertificateRevoked")
        assert not rows["signature"]["valid"]
        assert "ocsp" not in rows["ca"]
        # Without allowing the loopback host the check fails closed.
        main(["--virtual", "1.8", "certs", "--trust", str(anchor), "--ocsp", "--ocsp-url", responder.url])
        assert "ocsp:      OcspUrlNotAllowed" in capsys.readouterr().out


def test_help_through_main(capsys: pytest.CaptureFixture[str]) -> None:
    from eidlib.cli.main import main

    with pytest.raises(SystemExit) as info:
        main(["certs", "--help"])
    assert info.value.code == 0
    assert "--trust" in capsys.readouterr().out


def test_test_root_is_trusted_only_for_the_virtual_card() -> None:
    import argparse

    from eidlib.cli.certs import _trust_store
    from eidlib.emulator.pki import TestPki
    from eidlib.x509 import TrustStore

    test_root = TestPki.load(profile="1.8").root.cert_der()
    virtual = _trust_store(argparse.Namespace(trust=None, virtual="1.8", reader=None, pkcs11=None))
    assert [a.der for a in virtual.anchors] == [test_root]
    real = _trust_store(argparse.Namespace(trust=None, virtual=None, reader="Some Reader", pkcs11=None))
    assert test_root not in [a.der for a in real.anchors]
    assert {a.der for a in real.anchors} == {a.der for a in TrustStore.belgium().anchors}
