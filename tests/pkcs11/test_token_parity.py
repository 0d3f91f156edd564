"""One high-level test, run over every Token kind: the direct card session (in-process virtual card and
the virtual card behind the real pcscd) and PKCS#11 tokens (OpenSC against that same card, SoftHSM2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from eidlib.opener import open_card
from eidlib.pkcs11 import open_token
from eidlib.signing import sign_file_cms
from eidlib.token.ecdsa import ecdsa_der_to_raw, ecdsa_raw_to_der
from eidlib.token.errors import (
    InvalidDigest,
    NotSupported,
    PinRequired,
    SecurityStatusNotSatisfied,
    TokenClosed,
    WrongPin,
)
from eidlib.token.protocol import CardCertificates, KeyName, KeyRole, Padding, PinEntry, Token
from tests.pcsc_harness import PcscStack
from tests.pkcs11.cards import reset_card
from tests.pkcs11.fixtures import EC_TOKEN, RSA_TOKEN
from tests.pkcs11.openssl import openssl_verify
from tests.pkcs11.softhsm import SoftHsm
from tests.support.signatures import verify_signature

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
PIN = "1234"
DATA = b"identical behaviour, whatever the token"


@dataclass(frozen=True)
class Source:
    """How to open one kind of token, and what differs by design."""

    name: str
    opener: Callable[[pytest.FixtureRequest], AbstractContextManager[Token]]
    signature_key_usable: bool


def _virtual(profile: str) -> Callable[[pytest.FixtureRequest], AbstractContextManager[Token]]:
    return lambda request: open_card(virtual=profile)  # type: ignore[arg-type]


def _pcsc_card(profile: str) -> Callable[[pytest.FixtureRequest], AbstractContextManager[Token]]:
    def opener(request: pytest.FixtureRequest) -> AbstractContextManager[Token]:
        stack: PcscStack = request.getfixturevalue("pcsc_cards")
        return open_card(reader=stack.reader_17 if profile == "1.7" else stack.reader_18)

    return opener


def _opensc(request: pytest.FixtureRequest) -> AbstractContextManager[Token]:
    stack: PcscStack = request.getfixturevalue("pcsc_cards")
    return open_token(OPENSC, reader=stack.reader_17)


def _softhsm(label: str) -> Callable[[pytest.FixtureRequest], AbstractContextManager[Token]]:
    def opener(request: pytest.FixtureRequest) -> AbstractContextManager[Token]:
        softhsm: SoftHsm = request.getfixturevalue("softhsm")
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("SOFTHSM2_CONF", str(softhsm.conf))
        return open_token(softhsm.module, token_label=label)

    return opener


SOURCES = [
    pytest.param(Source("virtual 1.7", _virtual("1.7"), True), id="card-virtual-1.7"),
    pytest.param(Source("virtual 1.8", _virtual("1.8"), True), id="card-virtual-1.8"),
    pytest.param(Source("pcsc 1.7", _pcsc_card("1.7"), True), id="card-pcscd-1.7", marks=pytest.mark.pcsc),
    pytest.param(Source("pcsc 1.8", _pcsc_card("1.8"), True), id="card-pcscd-1.8", marks=pytest.mark.pcsc),
    pytest.param(Source("opensc 1.7", _opensc, False), id="pkcs11-opensc-1.7", marks=pytest.mark.opensc),
    pytest.param(Source("softhsm rsa", _softhsm(RSA_TOKEN), True), id="pkcs11-softhsm-rsa",
                 marks=pytest.mark.softhsm),
    pytest.param(Source("softhsm ec", _softhsm(EC_TOKEN), True), id="pkcs11-softhsm-p384",
                 marks=pytest.mark.softhsm),
]


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest) -> Source:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def token(request: pytest.FixtureRequest, source: Source) -> Iterator[Token]:
    with source.opener(request) as opened:
        yield opened


def token_reader(request: pytest.FixtureRequest) -> str:
    stack: PcscStack = request.getfixturevalue("pcsc_cards")
    return stack.reader_17


def test_token_surface(token: Token, source: Source, request: pytest.FixtureRequest) -> None:
    assert isinstance(token, Token)
    with pytest.raises(WrongPin) as caught:
        token.verify_pin("9999")
    assert caught.value.tries_left in (None, 2)
    token.verify_pin(PIN)
    certificates = token.read_certificates()
    assert isinstance(certificates, CardCertificates)
    assert certificates.authentication and certificates.signature and certificates.ca and certificates.root
    verify_signature(certificates.authentication, token.sign(DATA), DATA)
    if source.signature_key_usable:
        verify_signature(certificates.signature, token.sign(DATA, key="signature", pin=PIN), DATA)
    else:
        with pytest.raises(NotSupported):
            token.sign(DATA, key="signature", pin=PIN)
        request.addfinalizer(lambda: reset_card(request.getfixturevalue("pcsc_cards"), token_reader(request)))
    token.log_off()
    with pytest.raises(SecurityStatusNotSatisfied):
        token.sign(DATA)


def test_cms_through_every_token(token: Token, source: Source, tmp_path: Path) -> None:
    key: KeyName = "signature" if source.signature_key_usable else "authentication"
    token.verify_pin(PIN)
    der = sign_file_cms(token, DATA, key=key, pin=PIN)  # verified against the certificate inside
    root = token.read_certificates().root
    assert root is not None
    content = tmp_path / "data.bin"
    content.write_bytes(DATA)
    pem = x509.load_der_x509_certificate(root).public_bytes(serialization.Encoding.PEM)
    # "-purpose any": the authentication certificate is for TLS client authentication
    result = openssl_verify(tmp_path, der, content, pem, "-purpose", "any")
    assert result.returncode == 0, result.stderr


def test_opensc_and_card_agree(pcsc_cards: PcscStack) -> None:
    with open_card(reader=pcsc_cards.reader_17) as card:
        direct = card.read_certificates()
    with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
        token.verify_pin(PIN)
        through_pkcs11 = token.read_certificates()
    assert (through_pkcs11.authentication, through_pkcs11.signature, through_pkcs11.ca, through_pkcs11.root) == (
        direct.authentication, direct.signature, direct.ca, direct.root
    )


def test_same_failure_same_error(token: Token) -> None:
    """What the issue found raising differently on the two token kinds now raises one class on both."""
    assert token.pin_entry is PinEntry.KEYBOARD
    token.log_off()  # a card keeps a verification made by an earlier session until LOG OFF or reset
    # a digest of the wrong length is refused before the PIN is used
    with pytest.raises(InvalidDigest):
        token.sign(b"\x00" * 31, hash="sha256", prehashed=True, pin=PIN)
    # pin=None, no PIN pad, no earlier verification
    with pytest.raises(PinRequired):
        token.verify_pin(None)
    with pytest.raises(PinRequired):
        token.sign(DATA)
    with pytest.raises(PinRequired):
        token.sign(DATA, key=KeyRole.SIGNATURE)
    token.close()
    token.close()
    for call in (
        token.read_certificates,
        token.pin_tries_left,
        token.log_off,
        lambda: token.verify_pin(PIN),
        lambda: token.sign(DATA, pin=PIN),
        lambda: token.pin_entry,
    ):
        with pytest.raises(TokenClosed):
            call()


def test_pins_enums_and_der_on_every_token(token: Token, source: Source) -> None:
    """bytes/bytearray PINs, enum members, transaction() and sign_der behave alike on every kind."""
    given = bytearray(PIN.encode())
    with token.transaction():
        token.verify_pin(given)
        assert given == PIN.encode()  # the token wiped its own copy, not the caller's buffer
        certificates = token.read_certificates()
        der = token.sign_der(DATA, key=KeyRole.AUTHENTICATION, padding=Padding.PKCS1V15)
    assert certificates.authentication is not None
    public = x509.load_der_x509_certificate(certificates.authentication).public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        raw = ecdsa_der_to_raw(der, (public.curve.key_size + 7) // 8)
        assert ecdsa_raw_to_der(raw) == der
        verify_signature(certificates.authentication, raw, DATA)
    else:
        verify_signature(certificates.authentication, der, DATA)
    if source.signature_key_usable:
        signature = token.sign(DATA, key=KeyRole.SIGNATURE, pin=PIN.encode())
        verify_signature(certificates.signature, signature, DATA)
    token.log_off()
