"""CAdES-T on the detached CMS: openssl cms/ts verify it, verify_cms reports it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from asn1crypto import cms

from eidlib.signing import sign_file_cms
from eidlib.signing.cades import add_signature_timestamp
from eidlib.signing.pdf import TimestampError, TsaClient
from eidlib.signing.verify import verify_cms, verify_file
from tests.signing.independent import openssl_cms_verify, openssl_ts_verify
from tests.signing.world import PIN, SigningWorld


def test_cades_t_verifies_with_openssl_and_eidlib(world: SigningWorld, tmp_path: Path) -> None:
    content = tmp_path / "contract.txt"
    content.write_bytes(b"contract terms\n" * 100)
    with world.open() as card:
        plain = sign_file_cms(card, content, pin=PIN)
    stamped = add_signature_timestamp(plain, world.timestamper())
    signature = tmp_path / "contract.txt.p7s"
    signature.write_bytes(stamped)

    checked = openssl_cms_verify(world, signature, content)
    assert checked.returncode == 0, checked.stderr

    signer_info = cms.ContentInfo.load(stamped)["content"]["signer_infos"][0]
    (attribute,) = [a for a in signer_info["unsigned_attrs"] if a["type"].native == "signature_time_stamp_token"]
    token = tmp_path / "token.der"
    token.write_bytes(attribute["values"][0].dump())
    digest = hashlib.sha256(signer_info["signature"].native).digest()
    stamped_ok = openssl_ts_verify(world, token, digest)
    assert stamped_ok.returncode == 0 and "Verification: OK" in stamped_ok.stdout, stamped_ok.stderr
    assert openssl_ts_verify(world, token, hashlib.sha256(b"other").digest()).returncode != 0

    report = verify_cms(stamped, content.read_bytes(), trust_roots=[world.root_der])
    (sig,) = report.signatures
    assert report.valid and sig.level == "B-T" and sig.non_repudiation
    assert sig.timestamp is not None and sig.timestamp.trusted
    assert sig.signing_time is not None and sig.timestamp.time >= sig.signing_time.replace(microsecond=0)

    plain_report = verify_cms(plain, content.read_bytes(), trust_roots=[world.root_der])
    assert plain_report.valid and plain_report.signatures[0].level == "B-B"

    altered = verify_file(stamped, content=content.read_bytes() + b"x", trust_roots=[world.root_der])
    assert not altered.valid and not altered.signatures[0].intact


def test_cades_tsa_garbage_is_typed(world18: SigningWorld, tmp_path: Path) -> None:
    with world18.open() as card:
        plain = sign_file_cms(card, b"data", pin=PIN)
    world18.tsa.mode = "garbage"
    with pytest.raises(TimestampError):
        add_signature_timestamp(plain, TsaClient(world18.tsa.url, timeout=2.0))
