"""``authenticate()`` over PKCS#11 with SoftHSM2 (RSA and P-384 tokens provisioned like an eID)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eidlib.auth import AuthTokenValidator, generate_nonce
from tests.auth.independent import webeid_token_ok
from tests.support.vectors import REPO_ROOT

ORIGIN = "https://portal.example.be"


@pytest.mark.softhsm
@pytest.mark.parametrize(("kind", "alg"), [("rsa", "RS256"), ("ec", "ES384")])
def test_through_softhsm(tmp_path: Path, kind: str, alg: str) -> None:
    nonce = generate_nonce()
    done = subprocess.run(
        [sys.executable, "-m", "tests.auth.softhsm_login", str(tmp_path), kind, ORIGIN, nonce],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    token = json.dumps(answer["token"])
    assert answer["token"]["algorithm"] == alg and answer["token"]["format"] == "web-eid:1.1"
    assert answer["tries_after"] in (3, None)
    assert webeid_token_ok(token, ORIGIN, nonce)
    validator = AuthTokenValidator(ORIGIN, [base64.b64decode(answer["root"])], check_revocation=False)
    user = validator.validate(token, nonce)
    assert user.algorithm == alg and user.certificate.subject
