"""CAdES-T: a signature time stamp (RFC 3161, ETSI EN 319 122-1 §5.3) added to a detached CMS signature.

The TSA stamps the digest of the SignerInfo's signature value; the token goes into the SignerInfo's
unsigned attributes as ``id-aa-signatureTimeStampToken``. The signed part is not touched, so the
signature stays valid and ``openssl cms -verify`` still accepts it.
"""

from __future__ import annotations

import asyncio
import hashlib

from asn1crypto import cms

from eidlib.signing.pdf.errors import DocumentSigningError
from eidlib.signing.pdf.tsa import TsaClient


def _load(signature: bytes) -> cms.ContentInfo:
    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            raise DocumentSigningError("the CMS structure is not SignedData")
        len(info["content"]["signer_infos"])  # parse down to the signer infos now
    except (ValueError, TypeError, KeyError) as exc:
        raise DocumentSigningError(f"not a CMS signature: {exc}") from exc
    return info


def _stamped(signer_info: cms.SignerInfo, token: cms.ContentInfo) -> cms.SignerInfo:
    """A copy of ``signer_info`` with ``token`` as its signature time stamp (other unsigned attributes kept)."""
    attribute = cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})
    existing = signer_info["unsigned_attrs"]
    others = [a for a in existing if a["type"].native != "signature_time_stamp_token"] if existing else []
    # Build a new SignerInfo from the parsed fields: their encodings are reused as they are (editing
    # the parsed structure in place makes asn1crypto re-encode the whole SignedData, slowly).
    fields = {name: signer_info[name] for name in ("version", "sid", "digest_algorithm", "signed_attrs",
                                                    "signature_algorithm", "signature")}
    return cms.SignerInfo({**fields, "unsigned_attrs": cms.CMSAttributes([*others, attribute])})


def add_signature_timestamp(signature: bytes, tsa: TsaClient | str, *, hash: str = "sha256") -> bytes:
    """``signature`` (DER ContentInfo) with a signature time stamp on each SignerInfo (CAdES-T)."""
    client = TsaClient(tsa) if isinstance(tsa, str) else tsa
    signed_data = _load(signature)["content"]
    stamped = []
    for signer_info in signed_data["signer_infos"]:
        digest = hashlib.new(hash, signer_info["signature"].native).digest()
        stamped.append(_stamped(signer_info, asyncio.run(client.async_timestamp(digest, hash))))
    fields = {name: signed_data[name] for name in ("version", "digest_algorithms", "encap_content_info")}
    for optional in ("certificates", "crls"):
        if signed_data[optional]:
            fields[optional] = signed_data[optional]
    rebuilt = cms.SignedData({**fields, "signer_infos": cms.SignerInfos(stamped)})
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": rebuilt}).dump())
