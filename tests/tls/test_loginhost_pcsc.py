"""Through the real pcscd: ``eid login`` (both virtual cards), eidlib over OpenSC's PKCS#11 module, and an
independent client — curl with OpenSC via OpenSSL's pkcs11 engine — against the nginx login host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eidlib.pkcs11 import open_token
from examples.portal.serverpki import LOGIN_HOST, PORTAL_HOST
from examples.portal.tlsdemo import Demo
from tests.pcsc_harness import PcscStack
from tests.tls.stack import RESOLVE, curl_login, pem, portal_stack

pytestmark = [pytest.mark.ocsp, pytest.mark.opensc]

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
EID = str(Path(sys.executable).with_name("eid"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with portal_stack(tmp_path_factory.mktemp("nginx")) as running:
        yield running


@pytest.fixture(scope="module")
def demo12(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The login host as shipped: TLS 1.2 only (what RSA cards manage through PKCS#11 modules)."""
    with portal_stack(tmp_path_factory.mktemp("nginx12"), login_protocols="TLSv1.2") as running:
        yield running


def _eid_login(demo: Demo, reader: str, version: str) -> subprocess.CompletedProcess[str]:
    command = [EID, "--reader", reader, "--json", "login", "--ca-file", str(demo.server_ca), "--tls", version,
               "--resolve", f"{PORTAL_HOST}:127.0.0.1", "--resolve", f"{LOGIN_HOST}:127.0.0.1", "--pin-stdin",
               demo.start_url]
    return subprocess.run(command, input="1234\n", capture_output=True, text=True, timeout=90, check=False)


@pytest.mark.parametrize(("slot", "version"), [(0, "1.2"), (0, "1.3"), (1, "1.2"), (1, "1.3")])
def test_eid_login_through_pcscd(demo: Demo, pcsc_cards: PcscStack, slot: int, version: str) -> None:
    done = _eid_login(demo, pcsc_cards.reader(slot), version)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["tls_version"] == version
    assert result["user"]["surname"] == "Specimen" and result["user"]["level"] == 500
    assert result["session"]["authMethod"] == "eid" and result["session"]["level"] == 500
    assert "1234" not in done.stdout + done.stderr


def test_eid_login_text_output_and_wrong_pin(demo: Demo, pcsc_cards: PcscStack) -> None:
    command = [EID, "--reader", pcsc_cards.reader_18, "login", "--ca-file", str(demo.server_ca),
               "--resolve", f"{PORTAL_HOST}:127.0.0.1", "--resolve", f"{LOGIN_HOST}:127.0.0.1", "--pin-stdin",
               demo.start_url]
    done = subprocess.run(command, input="1234\n", capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("Logged in as Emma Louise Specimen (national number ")
    wrong = subprocess.run(command, input="9999\n", capture_output=True, text=True, timeout=90, check=False)
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert pcsc_cards.card_attribute(1, "pin_tries_left") == 2  # one VERIFY, never retried


def test_eidlib_over_opensc_pkcs11(demo: Demo, pcsc_cards: PcscStack) -> None:
    from eidlib.tls import login

    # OpenSC offers no raw RSA-PSS, so a PKCS#11 1.7 card logs in over TLS 1.2 (PKCS#1 v1.5).
    with open_token(OPENSC, reader=pcsc_cards.reader_17) as token:
        result = login(demo.start_url, token=token, pin=bytearray(b"1234"), ca_file=demo.server_ca,
                       versions=["1.2"], resolve=RESOLVE)
    assert result.user["surname"] == "Specimen" and result.tls_version == "1.2"


def _engine_environment(workdir: Path) -> dict[str, str]:
    """OpenSSL loads libp11's engine with OpenSC's module; OpenSC sees only the 1.7 card's reader."""
    openssl_conf = workdir / "openssl.cnf"
    openssl_conf.write_text(
        "openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n"
        "[engine_section]\npkcs11 = pkcs11_section\n"
        f"[pkcs11_section]\nengine_id = pkcs11\ndynamic_path = {ENGINE}\nMODULE_PATH = {OPENSC}\ninit = 0\n"
    )
    opensc_conf = workdir / "opensc.conf"
    opensc_conf.write_text('app default {\n    ignored_readers = "Virtual PCD 00 01";\n}\n')
    return dict(os.environ, OPENSSL_CONF=str(openssl_conf), OPENSC_CONF=str(opensc_conf))


def test_curl_with_opensc_logs_in(demo12: Demo, pcsc_cards: PcscStack, tmp_path: Path) -> None:
    import eidlib

    with eidlib.open_card(pcsc_cards.reader_17) as card:
        certificates = card.read_certificates()
    assert certificates.authentication and certificates.ca
    chain = tmp_path / "auth-chain.pem"
    chain.write_text(pem(certificates.authentication) + pem(certificates.ca))
    status, body = curl_login(
        demo12, tmp_path, "--engine", "pkcs11", "--cert", str(chain),
        "--key-type", "ENG", "--key", "pkcs11:id=%02;type=private;pin-value=1234",
        env=_engine_environment(tmp_path),
    )
    assert status == 200, body
    answer = json.loads(body)
    assert answer["user"]["surname"] == "Specimen" and answer["user"]["national_number"]
    assert answer["session"]["authMethod"] == "eid" and answer["session"]["level"] == 500


def test_shipped_login_host_speaks_tls12_only(demo12: Demo) -> None:
    def handshake(version: str) -> str:
        command = ["openssl", "s_client", "-connect", f"127.0.0.1:{demo12.login_port}", "-servername", LOGIN_HOST,
                   "-CAfile", str(demo12.server_ca), f"-tls1_{version[-1]}"]
        return subprocess.run(command, input="", capture_output=True, text=True, timeout=30, check=False).stdout

    assert "New, TLSv1.2" in handshake("1.2")
    assert "New, TLSv1.3" not in handshake("1.3") and "Cipher is (NONE)" in handshake("1.3")
