"""Detached CMS (PKCS#7) SignedData over a file, made with any :class:`~eidlib.token.protocol.Token`.

The signed attributes are content-type, message-digest, signing-time and ESS signing-certificate-v2
(RFC 5035, binding the signer's certificate); the signer certificate and, by default, the CA and root
certificates are embedded. RSA signatures are PKCS#1 v1.5 (or RSASSA-PSS on request); ECDSA signatures
are stored DER-encoded, as CMS requires (the token returns raw ``r || s``). Every signature is verified
against the embedded certificate before it is returned. The result verifies with
``openssl cms -verify -binary -inform DER -content FILE -CAfile root.pem``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import get_args

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

from eidlib.belpic.hashes import HashAlgorithm
from eidlib.carddata.certificate import load_der_certificate
from eidlib.errors import EidError
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import NotSupported, PinRequired
from eidlib.token.pin import PinInput
from eidlib.token.protocol import HashName, KeyName, PaddingName, Token


class CmsError(EidError):
    """The CMS signature could not be made (no certificate, unreadable certificate, bad token output)."""


def _content(source: str | os.PathLike[str] | bytes) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CmsError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _load_certificate(der: bytes, what: str) -> x509.Certificate:
    try:
        certificate = x509.Certificate.load(der)
        certificate.native  # noqa: B018 - parse the whole structure now, not lazily later
    except (ValueError, TypeError) as exc:
        raise CmsError(f"the {what} certificate is not valid DER: {exc}") from exc
    return certificate


def _signing_certificate_v2(certificate: x509.Certificate, hash: str) -> tsp.SigningCertificateV2:
    ess_id: dict[str, object] = {"cert_hash": hashlib.new(hash, certificate.dump()).digest()}
    if hash != "sha256":  # the default, which DER leaves out
        ess_id["hash_algorithm"] = {"algorithm": hash}
    ess_id["issuer_serial"] = {
        "issuer": [x509.GeneralName(name="directory_name", value=certificate.issuer)],
        "serial_number": certificate.serial_number,
    }
    return tsp.SigningCertificateV2({"certs": [ess_id]})


def _time(when: dt.datetime) -> cms.Time:
    # RFC 5652 §11.3: UTCTime for 1950 to 2049, GeneralizedTime otherwise
    if 1950 <= when.year < 2050:
        return cms.Time({"utc_time": core.UTCTime(when)})
    return cms.Time({"generalized_time": core.GeneralizedTime(when)})


def _signature_algorithm(key_algorithm: str, hash: str, padding_name: PaddingName) -> algos.SignedDigestAlgorithm:
    if key_algorithm == "rsa" and padding_name == "pss":
        # RFC 4056: MGF1 with the same hash, salt as long as the digest, trailer 0xBC
        return algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": {"algorithm": hash},
                        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash}},
                        "salt_length": HashAlgorithm(hash).digest_size,
                    }
                ),
            }
        )
    if key_algorithm == "rsa":
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    if key_algorithm == "ec" and padding_name == "pkcs1v15":
        return algos.SignedDigestAlgorithm({"algorithm": f"{hash}_ecdsa"})
    raise NotSupported(f"CMS signing with a {key_algorithm} key and {padding_name} padding is not supported")


def _self_check(certificate_der: bytes, signature: bytes, signed: bytes, hash: str, padding_name: PaddingName) -> None:
    """Fail closed: a signature that does not verify with the embedded certificate is never returned."""
    public = load_der_certificate(certificate_der).public_key()
    algorithm = HashAlgorithm(hash).algorithm()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            pad: rsa_padding.AsymmetricPadding = (
                rsa_padding.PSS(rsa_padding.MGF1(algorithm), algorithm.digest_size)
                if padding_name == "pss"
                else rsa_padding.PKCS1v15()
            )
            public.verify(signature, signed, pad, algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, signed, ec.ECDSA(algorithm))
        else:
            raise NotSupported("unsupported public key type in the signing certificate")
    except InvalidSignature:
        raise CmsError("the token's signature does not verify with its certificate (wrong key?)") from None


def sign_file_cms(
    token: Token,
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    key: KeyName = "signature",
    pin: PinInput = None,
    hash: HashName = "sha256",
    include_chain: bool = True,
    signing_time: dt.datetime | None = None,
    padding: PaddingName = "pkcs1v15",
) -> bytes:
    """A DER ``ContentInfo`` holding a detached CMS SignedData over the file (or bytes).

    ``key`` picks the token key (the non-repudiation "signature" key by default) and its certificate;
    ``include_chain`` embeds the CA and root certificates too. ``signing_time`` defaults to now (UTC).
    ``padding="pss"`` makes an RSASSA-PSS signature (RSA keys only).
    """
    if hash not in get_args(HashName):
        raise NotSupported(f"unknown hash {hash!r}")
    content = _content(path_or_bytes)
    try:
        certificates = token.read_certificates()
    except PinRequired:
        if pin is None:
            raise
        # Some modules (OpenSC on applet 1.7) show the certificates only after a login; that login
        # serves the authentication key, while the signature key still gets its own PIN below.
        token.verify_pin(pin)
        certificates = token.read_certificates()
        if key == "authentication":
            pin = None
    signer_der = certificates.signature if key == "signature" else certificates.authentication
    if signer_der is None:
        raise CmsError(f"the token has no {key} certificate")
    signer = _load_certificate(signer_der, key)
    key_algorithm = signer.public_key.algorithm

    when = (signing_time or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [_time(when)]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.new(hash, content).digest()]}
            ),
            cms.CMSAttribute(
                {"type": "signing_certificate_v2", "values": [_signing_certificate_v2(signer, hash)]}
            ),
        ]
    )
    # the signature covers the attributes' DER as a SET OF (tag 0x31), not as the [0] field
    to_sign = signed_attrs.dump()
    algorithm = _signature_algorithm(key_algorithm, hash, padding)
    signature = token.sign(to_sign, key=key, hash=hash, pin=pin, padding=padding)
    if key_algorithm == "ec":
        signature = ecdsa_raw_to_der(signature)
    _self_check(signer_der, signature, to_sign, hash, padding)

    embedded = [signer]
    if include_chain:
        for extra, what in ((certificates.ca, "CA"), (certificates.root, "root")):
            if extra is not None:
                embedded.append(_load_certificate(extra, what))

    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": signer.issuer, "serial_number": signer.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": hash}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algorithm,
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": hash})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices(name="certificate", value=c) for c in embedded],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())
