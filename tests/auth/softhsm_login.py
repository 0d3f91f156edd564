"""Run ``authenticate()`` over a SoftHSM2 token in a process of its own.

SoftHSM2 reads its configuration once per process, and the PKCS#11 tests keep their own SoftHSM
session open, so this login runs in a child process (``python -m tests.auth.softhsm_login DIR KIND
ORIGIN NONCE``) that provisions a fresh eID-like token in ``DIR`` and prints one JSON line:
``{"token": <Web eID token>, "root": <base64 DER of the anchor>}``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import PyKCS11


def main(argv: list[str]) -> int:
    directory, kind, origin, nonce = Path(argv[0]), argv[1], argv[2], argv[3]
    from tests.pkcs11.softhsm import EID_LABELS, SOFTHSM_MODULE, eid_ids, provision_eid, write_conf
    from tests.support.pki import make_pki

    os.environ["SOFTHSM2_CONF"] = str(write_conf(directory))
    pki = make_pki()
    lib = PyKCS11.PyKCS11Lib()
    lib.load(SOFTHSM_MODULE)
    try:
        provision_eid(lib, pki, "BELPIC", kind, ids=eid_ids(False), labels=EID_LABELS)
    finally:
        lib.unload()

    from eidlib.auth import authenticate
    from eidlib.pkcs11 import open_token

    with open_token(SOFTHSM_MODULE, token_label="BELPIC") as token:
        result = authenticate(bytearray(b"1234"), challenge=nonce, origin=origin, token=token, format="web-eid:1.1")
        tries_after = token.pin_tries_left()
    root = base64.b64encode(pki.root.der).decode()
    print(json.dumps({"token": result.to_dict(), "root": root, "tries_after": tries_after}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
