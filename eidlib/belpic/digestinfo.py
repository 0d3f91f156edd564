"""DER DigestInfo prefixes: what precedes the hash in a PKCS#1 v1.5 algorithm-``01`` request (spec §3.5).

The host prepends them (card layer, PKCS#11 ``CKM_RSA_PKCS``); the virtual card recognises them.
SHA-224 and SHA-3 come from RFC 8017's hash OIDs.
"""

from __future__ import annotations

DIGEST_INFO_PREFIXES: dict[str, bytes] = {
    "md5": bytes.fromhex("3020300c06082a864886f70d020505000410"),
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha224": bytes.fromhex("302d300d06096086480165030402040500041c"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
    "sha3_256": bytes.fromhex("3031300d060960864801650304020805000420"),
    "sha3_384": bytes.fromhex("3041300d060960864801650304020905000430"),
    "sha3_512": bytes.fromhex("3051300d060960864801650304020a05000440"),
}
