"""The two Belgian Web eID tokens of ``shared/vectors/webeid`` and their parameters, as data."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from tests.support.vectors import VECTORS

WEBEID = VECTORS / "webeid"
EXPECTED = json.loads((WEBEID / "authtoken_be.expected.json").read_text(encoding="utf-8"))
ORIGIN: str = EXPECTED["origin"]
#: The upstream test mocks the clock to 2024-12-24 (midnight UTC).
VALIDATION_TIME = dt.datetime.fromisoformat(EXPECTED["validation_date"]).replace(tzinfo=dt.timezone.utc)
CITIZEN_CA = (WEBEID / "eID_TEST_EC_Citizen_CA.pem").read_bytes()
ROOT_CA = (WEBEID / "eID_TEST_EC_Root_CA.pem").read_bytes()


@dataclass(frozen=True)
class Vector:
    """One token with what the upstream test and the collector say about it."""

    algorithm: str
    text: str
    nonce: str
    signed_data: bytes
    user_cert: bytes
    signature_length: int
    not_before: dt.datetime
    not_after: dt.datetime

    @property
    def data(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.text)
        return parsed


def _load(entry: dict[str, object]) -> Vector:
    path = WEBEID / str(entry["file"])
    return Vector(
        algorithm=str(entry["algorithm"]),
        text=path.read_text(encoding="utf-8"),
        nonce=str(entry["challenge_nonce"]),
        signed_data=bytes.fromhex(str(entry["signed_data_hex"])),
        user_cert=(WEBEID / str(entry["user_cert_file"])).read_bytes(),
        signature_length=int(str(entry["signature_length_bytes"])),
        not_before=dt.datetime.fromisoformat(str(entry["user_cert_not_before"]).replace("Z", "+00:00")),
        not_after=dt.datetime.fromisoformat(str(entry["user_cert_not_after"]).replace("Z", "+00:00")),
    )


VECTORS_BY_ALG: dict[str, Vector] = {v.algorithm: v for v in (_load(e) for e in EXPECTED["tokens"])}
ES384 = VECTORS_BY_ALG["ES384"]
RS256 = VECTORS_BY_ALG["RS256"]
ALL = (ES384, RS256)


def path_of(name: str) -> Path:
    return WEBEID / name
