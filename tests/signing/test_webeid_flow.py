"""The Web eID signing flow on the server, with the virtual card making the signature as the extension would."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from eidlib.emulator.persona import Persona
from eidlib.signing.pdf import Level, PdfSignatureOptions, WebEidSigningError, verify_pdf
from eidlib.signing.pdf.webeid import WebEidPdfSigning
from tests.signing.documents import contract_pdf
from tests.signing.independent import pdfsig
from tests.signing.world import PIN, SigningWorld

_HASH = {"SHA-256": "sha256", "SHA-384": "sha384"}


def _flow(world: SigningWorld, level: Level = Level.B_T, **settings: object) -> WebEidPdfSigning:
    return WebEidPdfSigning(intermediates=[world.pki.citizen_ca.cert_der()], trust_roots=[world.root_der],
                            options=PdfSignatureOptions(level=level), tsa=world.timestamper(),
                            revocation=world.fetcher(), **settings)  # type: ignore[arg-type]


def _card_signs(world: SigningWorld, digest: bytes, hash_function: str, key: str = "signature") -> bytes:
    """What webeid.sign does on the user's machine: the card signs the given digest (PIN for this signature)."""
    with world.open() as card:
        return card.sign(digest, key=key, hash=_HASH[hash_function], pin=PIN, prehashed=True)  # type: ignore[arg-type]


def _certificates(world: SigningWorld) -> tuple[bytes, bytes]:
    with world.open() as card:
        certs = card.read_certificates()
    assert certs.signature is not None and certs.authentication is not None
    return certs.signature, certs.authentication


@pytest.mark.parametrize("level", [Level.B_T, Level.B_LT])
def test_prepare_sign_finish(world: SigningWorld, level: Level, tmp_path: Path) -> None:
    signing, authenticated = _certificates(world)
    flow = _flow(world, level)
    request = flow.prepare(contract_pdf(), signing_certificate=signing, authenticated_certificate=authenticated)
    assert request.hash_function == ("SHA-384" if world.profile == "1.8" else "SHA-256")
    assert set(request.to_json()) == {"signingId", "hash", "hashFunction"}
    signature = _card_signs(world, request.digest, request.hash_function)
    signed = flow.finish(request.signing_id, signature=signature, signing_certificate=signing)

    report = verify_pdf(signed, trust_roots=[world.root_der])
    assert report.valid and report.signatures[0].level == level.value
    assert pdfsig(world, signed, tmp_path).valid_and_trusted(0)
    with pytest.raises(WebEidSigningError, match="unknown, used or expired"):
        flow.finish(request.signing_id, signature=signature, signing_certificate=signing)


def test_signing_certificate_must_be_the_authenticated_users(world18: SigningWorld) -> None:
    signing, _ = _certificates(world18)
    stranger = world18.pki.issue_card_certificates(Persona.default_kid(), "1.8").auth_cert
    with pytest.raises(WebEidSigningError, match="not the authenticated user's"):
        _flow(world18).prepare(contract_pdf(), signing_certificate=signing,
                               authenticated_certificate=stranger.public_bytes(serialization.Encoding.DER))


def test_finish_refuses_another_certificate_or_a_wrong_signature(world18: SigningWorld) -> None:
    signing, authenticated = _certificates(world18)
    flow = _flow(world18)
    request = flow.prepare(contract_pdf(), signing_certificate=signing, authenticated_certificate=authenticated)
    signature = _card_signs(world18, request.digest, request.hash_function)
    with pytest.raises(WebEidSigningError, match="differs"):
        flow.finish(request.signing_id, signature=signature, signing_certificate=authenticated)

    request = flow.prepare(contract_pdf(), signing_certificate=signing, authenticated_certificate=authenticated)
    with_auth_key = _card_signs(world18, request.digest, request.hash_function, key="authentication")
    with pytest.raises(WebEidSigningError, match="does not verify"):
        flow.finish(request.signing_id, signature=with_auth_key, signing_certificate=signing)


def test_prepared_signatures_expire(world17: SigningWorld) -> None:
    now = [0.0]
    signing, authenticated = _certificates(world17)
    flow = _flow(world17, Level.B_B, ttl=10.0, clock=lambda: now[0])
    request = flow.prepare(contract_pdf(), signing_certificate=signing, authenticated_certificate=authenticated)
    signature = _card_signs(world17, request.digest, request.hash_function)
    now[0] = 11.0
    with pytest.raises(WebEidSigningError, match="expired"):
        flow.finish(request.signing_id, signature=signature, signing_certificate=signing)
