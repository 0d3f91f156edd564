"""Algorithm references and PSO data per applet (spec §3.5-3.6), refused cases before any I/O."""

from __future__ import annotations

import hashlib

import pytest

from eidlib.belpic.applet import Applet, Version
from eidlib.belpic.hashes import HashAlgorithm
from eidlib.card.signing import plan_signature
from eidlib.token.errors import NotSupported

DATA = b"to be signed"


def applet_of(version: int) -> Applet:
    return Applet(Version(version), global_os_version=0)


@pytest.mark.parametrize(
    ("hash_name", "padding", "algo", "digest_info"),
    [("sha1", "pkcs1v15", 0x02, False), ("sha256", "pkcs1v15", 0x08, False),
     ("sha384", "pkcs1v15", 0x01, True), ("sha512", "pkcs1v15", 0x01, True),
     ("sha3_256", "pkcs1v15", 0x01, True), ("sha1", "pss", 0x10, False), ("sha256", "pss", 0x20, False)],
)
def test_applet_17(hash_name: str, padding: str, algo: int, digest_info: bool) -> None:
    plan = plan_signature(applet_of(0x17), DATA, key="authentication", hash=hash_name,  # type: ignore[arg-type]
                          prehashed=False, padding=padding)  # type: ignore[arg-type]
    digest = hashlib.new(hash_name, DATA).digest()
    assert plan.algorithm == algo and plan.key_reference == 0x82
    assert plan.payload == (HashAlgorithm(hash_name).digest_info + digest if digest_info else digest)


@pytest.mark.parametrize(
    ("hash_name", "algo"),
    [("sha256", 0x01), ("sha384", 0x02), ("sha512", 0x04), ("sha3_256", 0x08), ("sha3_384", 0x10),
     ("sha3_512", 0x20), ("sha1", 0x40)],
)
def test_applet_18(hash_name: str, algo: int) -> None:
    plan = plan_signature(applet_of(0x18), DATA, key="signature", hash=hash_name,  # type: ignore[arg-type]
                          prehashed=False, padding="pkcs1v15")
    assert plan.algorithm == algo and plan.key_reference == 0x83
    assert plan.payload == hashlib.new(hash_name, DATA).digest()


def test_defaults_and_prehashed() -> None:
    assert applet_of(0x17).default_hash == "sha256" and applet_of(0x18).default_hash == "sha384"
    digest = hashlib.sha384(DATA).digest()
    plan = plan_signature(applet_of(0x18), digest, key="authentication", hash=None, prehashed=True, padding="pkcs1v15")
    assert plan.payload == digest and plan.algorithm == 0x02


@pytest.mark.parametrize(
    ("applet", "kwargs"),
    [(0x18, {"padding": "pss"}), (0x17, {"padding": "pss", "hash": "sha384"}),
     (0x17, {"key": "basic"}), (0x17, {"hash": "md4"}), (0x17, {"padding": "oaep"}),
     (0x17, {"prehashed": True, "hash": "sha256"}), (0x19, {})],
)
def test_refused(applet: int, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"key": "authentication", "hash": None, "prehashed": False, "padding": "pkcs1v15"}
    args.update(kwargs)
    with pytest.raises(NotSupported):
        plan_signature(applet_of(applet), DATA, **args)  # type: ignore[arg-type]
