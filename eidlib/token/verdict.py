"""The integrity verdict of a token's identity files, as a typed result front ends render.

``eid read`` shows it; the portal, a viewer or a PDF verifier can reuse it. The check itself is
:func:`eidlib.carddata.integrity.verify_integrity` (through the token's ``verify_integrity``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eidlib.carddata.errors import IntegrityError
from eidlib.carddata.integrity import IntegrityResult
from eidlib.token.errors import NotSupported


@dataclass(frozen=True)
class IntegrityVerdict:
    """``valid``: ``True`` (the National Register signatures hold), ``False`` (``file`` failed for
    ``reason``) or ``None`` (not checked: ``reason`` says why). ``result`` is set when valid."""

    valid: bool | None
    reason: str | None = None
    file: str | None = None
    result: IntegrityResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (the ``integrity`` member of ``eid read --json``)."""
        if self.result is not None:
            return {
                "valid": True,
                "hash": self.result.hash_algorithm,
                "photo": self.result.photo_verified,
                "basic_key": self.result.basic_key_verified,
                "rrn_certificate": self.result.certificate().subject.rfc4514_string(),
            }
        if self.valid is False:
            return {"valid": False, "file": self.file, "reason": self.reason}
        return {"valid": None, "reason": self.reason}


def integrity_verdict(check: Callable[[], IntegrityResult] | None) -> IntegrityVerdict:
    """Run ``check`` (a token's ``verify_integrity``; ``None`` when the token has none) into a verdict.

    A token that cannot read the signed files (a PKCS#11 module without the eID data objects)
    gives "not checked", a failed check gives "invalid"; other errors propagate.
    """
    if check is None:
        return IntegrityVerdict(None, "this token cannot read the signed files")
    try:
        result = check()
    except IntegrityError as exc:
        return IntegrityVerdict(False, exc.reason, exc.file)
    except NotSupported as exc:
        return IntegrityVerdict(None, str(exc))
    return IntegrityVerdict(True, result=result)
