"""An independent Web eID token check written from the spec (auth-protocol.md §1.2–1.3), sharing no
code with ``eidlib.auth``: its own base64 handling, hashing and hand-made DER for ECDSA."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

_HASH = {"256": ("sha256", hashes.SHA256), "384": ("sha384", hashes.SHA384), "512": ("sha512", hashes.SHA512)}


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if body[0] & 0x80:
        body = b"\x00" + body
    return b"\x02" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_signature(raw: bytes) -> bytes:
    half = len(raw) // 2
    body = _der_integer(int.from_bytes(raw[:half], "big")) + _der_integer(int.from_bytes(raw[half:], "big"))
    return b"\x30" + _der_length(len(body)) + body


def webeid_token_ok(token_json: str, origin: str, nonce: str) -> bool:
    """True when the token's signature verifies over SHA(origin) || SHA(nonce) per the spec."""
    token = json.loads(token_json)
    if not str(token["format"]).startswith("web-eid:1."):
        return False
    cert = x509.load_der_x509_certificate(base64.b64decode(token["unverifiedCertificate"]))
    alg = token["algorithm"]
    name, hash_cls = _HASH[alg[2:]]
    data = hashlib.new(name, origin.encode()).digest() + hashlib.new(name, nonce.encode()).digest()
    signature = base64.b64decode(token["signature"])
    key = cert.public_key()
    try:
        if alg.startswith("ES"):
            assert isinstance(key, ec.EllipticCurvePublicKey)
            if len(signature) != 2 * ((key.curve.key_size + 7) // 8):
                return False
            key.verify(_der_signature(signature), data, ec.ECDSA(hash_cls()))
        elif alg.startswith("RS"):
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, data, padding.PKCS1v15(), hash_cls())
        else:
            return False
    except InvalidSignature:
        return False
    return True
