"""Typed verdicts of :func:`eidlib.signing.verify_pdf` and :func:`eidlib.signing.verify_cms`.

The same objects feed the CLI's JSON (:meth:`VerificationReport.to_json`), so what a program
reads and what ``eid verify --json`` prints cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any


class DocumentKind(str, Enum):
    """What was verified."""

    PDF = "pdf"
    CMS = "cms"


class Coverage(str, Enum):
    """How much of the file the signature covers."""

    ENTIRE_FILE = "entire-file"
    #: The signed revision is whole; later incremental updates follow (allowed or not: see modifications).
    ENTIRE_REVISION = "entire-revision"
    PARTIAL = "partial"
    #: A detached CMS signature covers the content given next to it.
    DETACHED_CONTENT = "detached-content"


class Modifications(str, Enum):
    """What changed after the signature (PDF incremental updates)."""

    NONE = "none"
    #: Validation data and document time stamps only (what B-LT/B-LTA add).
    LTV_UPDATES = "ltv-updates"
    FORM_FILLING = "form-filling"
    ANNOTATIONS = "annotations"
    #: Anything else, e.g. page content: the signed document is not what is shown.
    OTHER = "other"


@dataclass(frozen=True)
class TimestampReport:
    """An RFC 3161 time stamp: when, whether its signature holds and its TSA is trusted."""

    time: dt.datetime
    intact: bool
    trusted: bool
    tsa: str


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature.

    ``valid`` sums it up: intact, trusted, and nothing but validation data or time stamps
    changed after it. ``level`` is the PAdES/CAdES baseline level the signature reaches.
    """

    field_name: str | None
    signer: str
    intact: bool
    coverage: Coverage
    modifications: Modifications
    trusted: bool
    trust_root: str | None
    signing_time: dt.datetime | None
    timestamp: TimestampReport | None
    revocation_data_embedded: bool
    ltv_enabled: bool
    non_repudiation: bool
    level: str | None
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """Intact, trusted, and not modified beyond validation data / time stamps."""
        return (
            self.intact
            and self.trusted
            and self.coverage is not Coverage.PARTIAL
            and self.modifications in (Modifications.NONE, Modifications.LTV_UPDATES)
        )


@dataclass(frozen=True)
class VerificationReport:
    """The verdict on a file: each signature, and the document time stamps (PDF, B-LTA)."""

    kind: DocumentKind
    signatures: tuple[SignatureReport, ...]
    document_timestamps: tuple[TimestampReport, ...] = ()

    @property
    def valid(self) -> bool:
        """At least one signature, every signature valid, every document time stamp intact and trusted."""
        return (
            bool(self.signatures)
            and all(s.valid for s in self.signatures)
            and all(t.intact and t.trusted for t in self.document_timestamps)
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view (ISO 8601 times, enum values) for ``eid verify --json``."""
        return {
            "kind": self.kind.value,
            "valid": self.valid,
            "signatures": [_signature_json(s) for s in self.signatures],
            "document_timestamps": [_timestamp_json(t) for t in self.document_timestamps],
        }


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


def _timestamp_json(stamp: TimestampReport) -> dict[str, Any]:
    return {"time": _time(stamp.time), "intact": stamp.intact, "trusted": stamp.trusted, "tsa": stamp.tsa}


def _signature_json(report: SignatureReport) -> dict[str, Any]:
    return {
        "field": report.field_name,
        "signer": report.signer,
        "valid": report.valid,
        "intact": report.intact,
        "coverage": report.coverage.value,
        "modifications": report.modifications.value,
        "trusted": report.trusted,
        "trust_root": report.trust_root,
        "signing_time": _time(report.signing_time),
        "timestamp": _timestamp_json(report.timestamp) if report.timestamp else None,
        "revocation_data_embedded": report.revocation_data_embedded,
        "ltv_enabled": report.ltv_enabled,
        "non_repudiation": report.non_repudiation,
        "level": report.level,
        "problems": list(report.problems),
    }
