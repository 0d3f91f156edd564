"""Key references and MSE algorithm references of the BELPIC applet (spec §2.4, §3.5, §3.6).

The host picks a reference from these tables and the virtual card accepts exactly them,
so both read the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from eidlib.belpic.hashes import HashAlgorithm


class KeyReference(IntEnum):
    """Private key references."""

    BASIC = 0x81
    AUTHENTICATION = 0x82
    NON_REPUDIATION = 0x83


class RsaAlgorithm(IntEnum):
    """Applet 1.7 RSA algorithm references (RM17 §6.2 table 11)."""

    #: PKCS#1 v1.5 type 1 over whatever the host sends (a DigestInfo, usually).
    PKCS1 = 0x01
    PKCS1_SHA1 = 0x02
    PKCS1_MD5 = 0x04
    PKCS1_SHA256 = 0x08
    PSS_SHA1 = 0x10
    PSS_SHA256 = 0x20


class EcdsaAlgorithm(IntEnum):
    """Applet 1.8 ECDSA algorithm references (RM18 §6.3 table 14): the host always sends the hash."""

    SHA256 = 0x01
    SHA384 = 0x02
    SHA512 = 0x04
    SHA3_256 = 0x08
    SHA3_384 = 0x10
    SHA3_512 = 0x20
    #: "Hash not specified": any digest of :data:`ECDSA_ANY_HASH_SIZES` bytes.
    ANY_HASH = 0x40


#: RSA references where the card adds the DigestInfo itself (the host sends the bare hash).
RSA_PKCS1_BARE: Mapping[HashAlgorithm, RsaAlgorithm] = {
    HashAlgorithm.SHA1: RsaAlgorithm.PKCS1_SHA1,
    HashAlgorithm.MD5: RsaAlgorithm.PKCS1_MD5,
    HashAlgorithm.SHA256: RsaAlgorithm.PKCS1_SHA256,
}
#: RSASSA-PSS references (salt as long as the hash).
RSA_PSS: Mapping[HashAlgorithm, RsaAlgorithm] = {
    HashAlgorithm.SHA1: RsaAlgorithm.PSS_SHA1,
    HashAlgorithm.SHA256: RsaAlgorithm.PSS_SHA256,
}
#: ECDSA references bound to one hash.
ECDSA: Mapping[HashAlgorithm, EcdsaAlgorithm] = {
    HashAlgorithm.SHA256: EcdsaAlgorithm.SHA256,
    HashAlgorithm.SHA384: EcdsaAlgorithm.SHA384,
    HashAlgorithm.SHA512: EcdsaAlgorithm.SHA512,
    HashAlgorithm.SHA3_256: EcdsaAlgorithm.SHA3_256,
    HashAlgorithm.SHA3_384: EcdsaAlgorithm.SHA3_384,
    HashAlgorithm.SHA3_512: EcdsaAlgorithm.SHA3_512,
}
ECDSA_ANY_HASH_SIZES = frozenset((20, 28, 32, 48, 64))


class ChallengeAlgorithm(IntEnum):
    """INTERNAL AUTHENTICATE P1 with the 1.8 basic key (RM18 §6.11); the challenge is a digest."""

    SHA256 = 0x01
    SHA384 = 0x02
    SHA512 = 0x04


#: INTERNAL AUTHENTICATE P1 → the challenge length the card wants.
CHALLENGE_SIZES: Mapping[int, int] = {
    ChallengeAlgorithm.SHA256: 32, ChallengeAlgorithm.SHA384: 48, ChallengeAlgorithm.SHA512: 64,
}  # fmt: skip


#: Tag of the challenge in INTERNAL AUTHENTICATE data.
CHALLENGE_TAG = 0x94
#: MSE:SET DST data template: ``04 80 <algorithm> 84 <key>``.
MSE_DATA_TAG = 0x04
MSE_ALGORITHM_TAG = 0x80
MSE_KEY_TAG = 0x84
