"""eidlib's TLS client with the virtual cards against Python's ssl server (OpenSSL) requesting a certificate."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

import eidlib
from eidlib.tls import ServerCertificateError, ServerTrust, TlsClient, TlsError, TranscriptSigner
from eidlib.tls.adapter import DIGEST_INFO_PREFIXES
from eidlib.tls.errors import NoCommonSignatureScheme
from eidlib.tls.keys import split_digest_info
from eidlib.token.errors import WrongPin
from examples.portal.serverpki import ServerFiles, make_server_pki
from tests.tls.pyserver import TlsTestServer

VERSIONS = {"1.2": (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2),
            "1.3": (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)}


@pytest.fixture(scope="module")
def server_files(tmp_path_factory: pytest.TempPathFactory) -> ServerFiles:
    return make_server_pki(tmp_path_factory.mktemp("server"))


@pytest.fixture(params=["1.7", "1.8"])
def card(request: pytest.FixtureRequest) -> Iterator[eidlib.BeidCard]:
    with eidlib.open_card(virtual=request.param) as opened:
        yield opened


def _client_cas(card: eidlib.BeidCard) -> list[bytes]:
    certificates = card.read_certificates()
    assert certificates.root and certificates.ca
    return [certificates.root]


def _ping(client: TlsClient, port: int, host: str = "localhost") -> None:
    connection = client.connect(host, port)
    connection.write(b"ping")
    assert bytes(connection.read(4)) == b"pong"
    connection.close()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_card_signs_the_handshake(card: eidlib.BeidCard, server_files: ServerFiles, version: str) -> None:
    pin = bytearray(b"1234")
    signer = TranscriptSigner(card, pin)
    client = TlsClient(signer, ServerTrust.from_pem_file(server_files.ca), versions=[version])
    with TlsTestServer(server_files, _client_cas(card), versions=VERSIONS[version]) as server:
        _ping(client, server.port)
    assert server.seen[0].error is None, server.seen[0].error
    # OpenSSL verified the CertificateVerify with the card's certificate: the card signed this handshake.
    assert server.seen[0].certificate == card.read_certificates().authentication
    assert server.seen[0].version == f"TLSv{version}"
    assert client.handshakes == [("localhost", version, True)]
    assert signer.signatures == 1
    assert pin == bytearray(4)  # wiped
    assert card.pin_tries_left() == 3


def test_untrusted_server_never_reaches_the_card(card: eidlib.BeidCard, server_files: ServerFiles,
                                                 tmp_path: Path) -> None:
    asked: list[int] = []
    other = make_server_pki(tmp_path, ca_name="another CA")
    signer = TranscriptSigner(card, lambda: asked.append(1) or bytearray(b"1234"))
    client = TlsClient(signer, ServerTrust.from_pem_file(other.ca))
    with TlsTestServer(server_files, _client_cas(card)) as server, pytest.raises(ServerCertificateError):
        client.connect("localhost", server.port)
    assert asked == [] and signer.signatures == 0


def test_host_name_is_checked(card: eidlib.BeidCard, tmp_path: Path) -> None:
    files = make_server_pki(tmp_path, names=("elsewhere.test",))
    client = TlsClient(TranscriptSigner(card, bytearray(b"1234")), ServerTrust.from_pem_file(files.ca))
    with TlsTestServer(files, _client_cas(card)) as server, pytest.raises(ServerCertificateError, match="localhost"):
        client.connect("localhost", server.port)


def test_wrong_pin_is_tried_once(card: eidlib.BeidCard, server_files: ServerFiles) -> None:
    client = TlsClient(TranscriptSigner(card, bytearray(b"9999")), ServerTrust.from_pem_file(server_files.ca))
    with TlsTestServer(server_files, _client_cas(card)) as server, pytest.raises(WrongPin):
        client.connect("localhost", server.port)
    assert card.pin_tries_left() == 2


def test_pin_is_not_asked_when_no_certificate_is_requested(card: eidlib.BeidCard, server_files: ServerFiles) -> None:
    asked: list[int] = []
    signer = TranscriptSigner(card, lambda: asked.append(1) or bytearray(b"1234"))
    client = TlsClient(signer, ServerTrust.from_pem_file(server_files.ca))
    with TlsTestServer(server_files, (), request_certificate=False) as server:
        _ping(client, server.port)
    assert asked == [] and client.handshakes[0][2] is False


def test_one_login_signs_one_handshake(card: eidlib.BeidCard, server_files: ServerFiles) -> None:
    client = TlsClient(TranscriptSigner(card, bytearray(b"1234")), ServerTrust.from_pem_file(server_files.ca))
    with TlsTestServer(server_files, _client_cas(card)) as server:
        _ping(client, server.port)
        with pytest.raises(TlsError, match="already signed"):
            client.connect("localhost", server.port)


def test_signer_signs_only_transcript_sized_digests(card: eidlib.BeidCard) -> None:
    signer = TranscriptSigner(card, bytearray(b"1234"))
    with pytest.raises(TlsError, match="transcript hash"):
        signer.sign_digest(b"login challenge chosen by a server", "sha256", "pkcs1v15")
    assert signer.signatures == 0


def test_system_trust_refuses_the_test_server(card: eidlib.BeidCard, server_files: ServerFiles) -> None:
    client = TlsClient(TranscriptSigner(card, bytearray(b"1234")))
    with TlsTestServer(server_files, _client_cas(card)) as server, pytest.raises(ServerCertificateError):
        client.connect("localhost", server.port)


@given(st.sampled_from(["sha256", "sha384", "sha512"]), st.binary(min_size=0, max_size=80))
def test_digest_info_split(name: str, tail: bytes) -> None:
    size = {"sha256": 32, "sha384": 48, "sha512": 64}[name]
    data = DIGEST_INFO_PREFIXES[name] + tail
    if len(tail) == size:
        assert split_digest_info(data) == (name, tail)
    else:
        with pytest.raises(NoCommonSignatureScheme):
            split_digest_info(data)


def test_certificate_is_the_cards(card: eidlib.BeidCard, server_files: ServerFiles) -> None:
    client = TlsClient(TranscriptSigner(card, bytearray(b"1234")), ServerTrust.from_pem_file(server_files.ca))
    with TlsTestServer(server_files, _client_cas(card)) as server:
        _ping(client, server.port)
    assert client.certificate == x509.load_der_x509_certificate(card.read_certificates().authentication)


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_pin_pad_reader_collects_the_pin(server_files: ServerFiles, profile: str) -> None:
    from eidlib.card.pinpad import verify_structure
    from eidlib.card.session import BeidCard
    from tests.card.virtual_cards import PinPadTransport, virtual_card

    reader = PinPadTransport(virtual_card(profile))
    with BeidCard(reader).open() as card:
        client = TlsClient(TranscriptSigner(card, None), ServerTrust.from_pem_file(server_files.ca))
        with TlsTestServer(server_files, _client_cas(card)) as server:
            _ping(client, server.port)
        assert server.seen[0].certificate == card.read_certificates().authentication
    assert reader.structures == [verify_structure()]  # the PIN came from the reader's keypad, once


def test_session_logs_the_card_off_after_the_login(server_files: ServerFiles) -> None:
    from eidlib.tls import EidSession

    with eidlib.open_card(virtual="1.8") as card:
        with EidSession(card, pin=bytearray(b"1234"), ca_file=server_files.ca) as session:
            assert session.signer is not None
            session.signer.unlock()  # what a token hiding its certificates before login needs
            assert card.pin_verified
        assert not card.pin_verified  # LOG OFF on exit, even without any handshake
