"""``eid webeid-host`` driven over stdio like the extension drives it, virtual card in the host process."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

import eidlib
from eidlib.auth import AuthTokenValidator, generate_nonce
from tests.webeid.driver import EID, EXTENSION_ORIGIN, frame, host_env, pinentry_log, request, run_raw, unframe

ORIGIN = "https://portal.example.be"
FATAL = "ERR_WEBEID_NATIVE_FATAL"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")


def card_certificates(profile: str) -> eidlib.CardCertificates:
    with eidlib.open_card(virtual=profile) as card:  # type: ignore[arg-type]
        return card.read_certificates()


def validator(profile: str) -> AuthTokenValidator:
    certs = card_certificates(profile)
    assert certs.root and certs.ca
    return AuthTokenValidator(ORIGIN, [certs.root, certs.ca], check_revocation=False)


def virtual(profile: str) -> list[str]:
    return ["--host-virtual", profile]


def test_version_comes_first_unprompted_then_quit() -> None:
    process = subprocess.Popen(
        [EID, "webeid-host", EXTENSION_ORIGIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=host_env(),
    )
    assert process.stdout is not None and process.stdin is not None
    (length,) = struct.unpack("=I", process.stdout.read(4))
    version = json.loads(process.stdout.read(length))
    assert set(version) == {"version"} and SEMVER.match(version["version"])
    assert int(version["version"].split(".")[0]) >= 2  # the page library is major 2: no version mismatch
    process.stdin.write(frame({"command": "quit", "arguments": {}}))
    process.stdin.flush()
    assert unframe(process.stdout.read()) == [{}]
    assert process.wait(timeout=30) == 0


@pytest.mark.parametrize(("profile", "algorithm"), [("1.7", "RS256"), ("1.8", "ES384")])
def test_authenticate_token_validates_and_prompt_shows_origin_key_holder_tries(
    profile: str, algorithm: str, tmp_path: Path
) -> None:
    nonce = generate_nonce()
    log = tmp_path / "pinentry.log"
    exchange = request("authenticate", {"challengeNonce": nonce, "origin": ORIGIN, "lang": "en"},
                       args=virtual(profile), env=host_env(log=log))
    assert exchange.returncode == 0, exchange.stderr
    token = exchange.reply
    assert token is not None
    assert set(token) == {"unverifiedCertificate", "algorithm", "signature", "format", "appVersion"}
    assert token["algorithm"] == algorithm and token["format"] == "web-eid:1.0"
    assert token["appVersion"] == f"https://pypi.org/project/eidlib/{eidlib.__version__}/"
    user = validator(profile).validate(json.dumps(token), nonce)
    assert user.algorithm == algorithm
    commands = {entry["command"]: entry["argument"] for entry in pinentry_log(log)}
    assert "GETPIN" in commands
    description = commands["SETDESC"]
    assert ORIGIN in description and "authentication" in description and "Tries left: 3" in description
    holder = x509.load_der_x509_certificate(card_certificates(profile).authentication or b"").subject
    surname = holder.get_attributes_for_oid(x509.NameOID.SURNAME)[0].value
    assert str(surname) in description
    assert "SETERROR" not in commands  # no last-try warning with 3 tries
    assert "1234" not in log.read_text()


def test_authenticate_with_signing_certificate_gives_a_valid_1_1_token() -> None:
    nonce = generate_nonce()
    exchange = request("authenticate", {"challengeNonce": nonce, "origin": ORIGIN, "getSigningCertificate": True},
                       args=virtual("1.8"), env=host_env())
    token = exchange.reply
    assert token is not None and token["format"] == "web-eid:1.1"
    (entry,) = token["unverifiedSigningCertificates"]
    assert base64.b64decode(entry["certificate"]) == card_certificates("1.8").signature
    assert {"cryptoAlgorithm": "ECC", "hashFunction": "SHA-384", "paddingScheme": "NONE"} in entry[
        "supportedSignatureAlgorithms"
    ]
    assert validator("1.8").validate(json.dumps(token), nonce)


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_get_signing_certificate_asks_consent_and_returns_the_card_certificate(profile: str, tmp_path: Path) -> None:
    log = tmp_path / "pinentry.log"
    exchange = request("get-signing-certificate", {"origin": ORIGIN}, args=virtual(profile), env=host_env(log=log))
    reply = exchange.reply
    assert reply is not None and set(reply) == {"certificate", "supportedSignatureAlgorithms"}
    assert base64.b64decode(reply["certificate"]) == card_certificates(profile).signature
    expected = ("RSA", "PKCS1.5") if profile == "1.7" else ("ECC", "NONE")
    assert {(a["cryptoAlgorithm"], a["paddingScheme"]) for a in reply["supportedSignatureAlgorithms"]} == {expected}
    commands = [entry["command"] for entry in pinentry_log(log)]
    assert "CONFIRM" in commands and "GETPIN" not in commands


def verify_signature(certificate: bytes, signature: bytes, digest: bytes, algorithm: hashes.HashAlgorithm) -> None:
    key = x509.load_der_x509_certificate(certificate).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(algorithm))
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        half = len(signature) // 2
        r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        der = utils.encode_dss_signature(r, s)
        key.verify(der, digest, ec.ECDSA(utils.Prehashed(algorithm)))


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
@pytest.mark.parametrize(("name", "algorithm"), [("SHA-256", hashes.SHA256()), ("SHA-384", hashes.SHA384()),
                                                  ("SHA3-256", hashes.SHA3_256())])
def test_sign_signs_the_hash_with_the_signature_key(
    profile: str, name: str, algorithm: hashes.HashAlgorithm, tmp_path: Path
) -> None:
    certificate = card_certificates(profile).signature
    assert certificate
    digest = hashlib.new(algorithm.name, b"document").digest()
    log = tmp_path / "pinentry.log"
    exchange = request(
        "sign",
        {"hash": base64.b64encode(digest).decode(), "hashFunction": name,
         "certificate": base64.b64encode(certificate).decode(), "origin": ORIGIN},
        args=virtual(profile), env=host_env(log=log),
    )
    reply = exchange.reply
    assert reply is not None, exchange.stderr
    assert reply["signatureAlgorithm"]["hashFunction"] == name
    verify_signature(certificate, base64.b64decode(reply["signature"]), digest, algorithm)
    description = next(e["argument"] for e in pinentry_log(log) if e["command"] == "SETDESC")
    assert ORIGIN in description and "SIGN" in description and "Key: signature" in description


def test_sign_refuses_a_certificate_the_card_does_not_hold() -> None:
    other = card_certificates("1.7").signature
    assert other
    exchange = request(
        "sign",
        {"hash": base64.b64encode(b"\x01" * 48).decode(), "hashFunction": "SHA-384",
         "certificate": base64.b64encode(other).decode(), "origin": ORIGIN},
        args=virtual("1.8"), env=host_env(pinentry_action="garbage"),  # the PIN dialog must not even open
    )
    assert exchange.reply is not None
    assert exchange.reply["error"]["code"] == FATAL and exchange.reply["error"]["reason"] == "certificate-mismatch"


def test_cancel_gives_the_user_cancelled_reply() -> None:
    exchange = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN},
                       args=virtual("1.8"), env=host_env(pinentry_action="cancel"))
    assert exchange.reply == {"error": {"code": "ERR_WEBEID_USER_CANCELLED", "message": "User cancelled"}}


def test_pinentry_timeout_gives_the_user_timeout_reply() -> None:
    exchange = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN},
                       args=virtual("1.8"), env=host_env(pinentry_action="timeout"))
    assert exchange.reply is not None and exchange.reply["error"]["code"] == "ERR_WEBEID_USER_TIMEOUT"


@pytest.mark.parametrize(("env", "reason"), [
    ({"EIDLIB_PINENTRY": "/nonexistent/pinentry"}, "pinentry-failed"),
    ({"FAKE_PINENTRY_ACTION": "garbage"}, "pinentry-failed"),
    ({"FAKE_PINENTRY_PIN": "12"}, "pin-format"),
])
def test_pinentry_problems_are_fatal_replies(env: dict[str, str], reason: str) -> None:
    exchange = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN},
                       args=virtual("1.8"), env={**host_env(), **env})
    assert exchange.reply is not None and exchange.reply["error"]["reason"] == reason


def test_wrong_pin_is_one_error_with_tries_left() -> None:
    exchange = request("authenticate", {"challengeNonce": generate_nonce(), "origin": ORIGIN},
                       args=virtual("1.8"), env=host_env(pin="9999"))
    assert exchange.reply is not None
    error: dict[str, Any] = exchange.reply["error"]
    assert error["code"] == FATAL and error["reason"] == "wrong-pin" and error["triesLeft"] == 2


FATAL_REPLY = {
    "error": {"code": FATAL, "message": "Technical error, see application logs", "reason": "invalid-request"}
}


@pytest.mark.parametrize("stdin", [
    b"",  # the extension closed the port
    struct.pack("=I", 0),
    struct.pack("=I", 4) + b"{}  ",
    struct.pack("=I", 8193) + b"{" * 8193,  # over the 8 KiB command limit
    struct.pack("=I", 0xFFFFFFFF),
    struct.pack("=I", 100) + b'{"command":"quit"',  # shorter than announced
    struct.pack("=I", 6) + b"\xff\xfe{}{}",
    struct.pack("=I", 7) + b"[1,2,3]",
    struct.pack("=I", 9) + b"NaN      ",
    frame({"command": "quit"}),
    frame({"command": 1, "arguments": {}}),
    frame({"command": "quit", "arguments": []}),
    frame({"command": "quit", "arguments": {"extra": 1}}),
    frame({"command": "format-disk", "arguments": {}}),
    struct.pack("=I", 43) + b'{"command":"quit","command":"x","arguments":{}}'[:43],
], ids=lambda b: repr(b[:24]))
def test_malformed_input_gets_the_reference_fatal_reply(stdin: bytes) -> None:
    messages, code, stderr = run_raw(stdin, args=virtual("1.8"), env=host_env())
    assert "Traceback" not in stderr
    assert messages[0].keys() == {"version"}
    assert messages[1:] == [FATAL_REPLY]
    assert code == 0


@pytest.mark.parametrize("arguments", [
    {"challengeNonce": "short", "origin": ORIGIN},
    {"challengeNonce": "A" * 129, "origin": ORIGIN},
    {"challengeNonce": 44, "origin": ORIGIN},
    {"origin": ORIGIN},
    {"challengeNonce": "A" * 44, "origin": "http://portal.example.be"},
    {"challengeNonce": "A" * 44, "origin": ORIGIN + "/login"},
    {"challengeNonce": "A" * 44, "origin": ORIGIN + ":443"},
    {"challengeNonce": "A" * 44, "origin": "https://PORTAL.example.be"},
    {"challengeNonce": "A" * 44, "origin": "https://" + "a" * 250 + ".be"},
    {"challengeNonce": "A" * 44, "origin": "chrome-extension://abc"},
    {"challengeNonce": "A" * 44, "origin": ORIGIN, "lang": "english"},
    {"challengeNonce": "A" * 44, "origin": ORIGIN, "getSigningCertificate": "yes"},
    {"challengeNonce": "A" * 44, "origin": ORIGIN, "hash": "AAAA"},
])
def test_bad_authenticate_arguments_never_reach_the_card(arguments: dict[str, Any]) -> None:
    # pinentry "garbage" would fail differently: the request must be refused before any dialog.
    exchange = request("authenticate", arguments, args=virtual("1.8"), env=host_env(pinentry_action="garbage"))
    assert exchange.reply == FATAL_REPLY


@pytest.mark.parametrize("change", [
    {"hashFunction": "MD5"},
    {"hashFunction": "SHA-256"},  # a 48-byte hash is not SHA-256
    {"hash": "not base64!"},
    {"certificate": "%%%"},
    {"origin": "https://evil.example/"},
    {"origin": None},
])
def test_bad_sign_arguments(change: dict[str, Any]) -> None:
    certificate = card_certificates("1.8").signature or b""
    arguments = {"hash": base64.b64encode(b"\x01" * 48).decode(), "hashFunction": "SHA-384",
                 "certificate": base64.b64encode(certificate).decode(), "origin": ORIGIN, **change}
    exchange = request("sign", arguments, args=virtual("1.8"), env=host_env(pinentry_action="garbage"))
    assert exchange.reply == FATAL_REPLY


def test_sha224_is_refused_as_unsupported_by_the_card() -> None:
    certificate = card_certificates("1.8").signature or b""
    exchange = request("sign", {"hash": base64.b64encode(b"\x01" * 28).decode(), "hashFunction": "SHA-224",
                                "certificate": base64.b64encode(certificate).decode(), "origin": ORIGIN},
                       args=virtual("1.8"), env=host_env(pinentry_action="garbage"))
    assert exchange.reply == FATAL_REPLY
