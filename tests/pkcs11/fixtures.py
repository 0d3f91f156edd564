"""SoftHSM2 tokens provisioned like Belgian eID cards, once per test session.

``tests/conftest.py`` registers these fixtures, so the PKCS#11, CLI and signing tests share one set of tokens.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import PyKCS11
import pytest

from tests.pkcs11.softhsm import (
    EID_LABELS,
    OTHER_LABELS,
    SOFTHSM_MODULE,
    SoftHsm,
    eid_ids,
    provision_eid,
    provision_plain,
    write_conf,
)
from tests.support.pki import make_pki
from tests.support.vectors import VECTORS

CONSUMER = VECTORS / "commons-eid" / "consumer"

#: Labels of the provisioned tokens.
RSA_TOKEN = "BELPIC"
EC_TOKEN = "BELPIC-EC"
NATIVE_ID_TOKEN = "BELPIC-NATIVE"
PLAIN_TOKEN = "PLAIN"
PLAIN_PIN = "pass-word"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """Four SoftHSM2 tokens in a private token directory (tests using this fixture get ``SOFTHSM2_CONF``):

    * ``BELPIC``: RSA-2048, labels and one-byte CKA_IDs like OpenSC shows a card, the signature key with
      CKA_ALWAYS_AUTHENTICATE, and the official module's data objects (identity, address, photo, their
      National Register signatures and the RRN certificate: the commons-eid "Alice" integrity set);
    * ``BELPIC-EC``: EC P-384 keys, same labels;
    * ``BELPIC-NATIVE``: EC P-384, unhelpful labels and 8-byte little-endian CKA_IDs (official module);
    * ``PLAIN``: no objects, a non-numeric user PIN.
    """
    directory = tmp_path_factory.mktemp("softhsm")
    conf = write_conf(directory)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pki = make_pki()
    lib = PyKCS11.PyKCS11Lib()
    lib.load(SOFTHSM_MODULE)
    try:
        tokens = {
            RSA_TOKEN: provision_eid(
                lib, pki, RSA_TOKEN, "rsa", ids=eid_ids(False), labels=EID_LABELS,
                signature_always_authenticate=True,
                data_objects={
                    "DATA_FILE": (CONSUMER / "test-identity.tlv").read_bytes(),
                    "SIGN_DATA_FILE": (CONSUMER / "test-identity-sign.der").read_bytes(),
                    "ADDRESS_FILE": (CONSUMER / "test-address.tlv").read_bytes(),
                    "SIGN_ADDRESS_FILE": (CONSUMER / "test-address-sign.der").read_bytes(),
                    "PHOTO_FILE": (CONSUMER / "test-photo.jpg").read_bytes(),
                    "CERT_RN_FILE": (CONSUMER / "test-rrn-cert.der").read_bytes(),
                },
            ),
            EC_TOKEN: provision_eid(lib, pki, EC_TOKEN, "ec", ids=eid_ids(False), labels=EID_LABELS),
            NATIVE_ID_TOKEN: provision_eid(
                lib, pki, NATIVE_ID_TOKEN, "ec", ids=eid_ids(True), labels=OTHER_LABELS
            ),
        }
        provision_plain(lib, PLAIN_TOKEN, PLAIN_PIN)
    finally:
        lib.unload()
        _restore(previous)
    yield SoftHsm(SOFTHSM_MODULE, conf, pki, tokens)


def _restore(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(autouse=True)
def _softhsm_conf(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point SoftHSM2 at the session's token directory for the tests that use it, and only those.

    SoftHSM2 reads ``SOFTHSM2_CONF`` at ``C_Initialize``, which happens again whenever a token is
    opened after the last one was closed (``Pkcs11Token.close`` releases the module).
    """
    if "softhsm" in request.fixturenames:
        setup: SoftHsm = request.getfixturevalue("softhsm")
        monkeypatch.setenv("SOFTHSM2_CONF", str(setup.conf))
