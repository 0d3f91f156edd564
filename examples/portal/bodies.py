"""JSON request bodies within bounds: the size is capped by Flask (``MAX_CONTENT_LENGTH``) and the
nesting depth is measured on the raw bytes *before* ``json.loads`` runs, so a body of 60,000 ``[``
cannot reach the parser's recursion limit (issue 12, item 6)."""

from __future__ import annotations

import json
import re
from typing import Any

from examples.portal.errors import BadBody

#: A login body is ``{"authToken": {...}, "lang": "nl"}``: three levels; 1.1 tokens add two more.
MAX_DEPTH = 16

# A JSON string with its escapes; its content never opens or closes a level.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(data: bytes) -> int:
    """The deepest ``[``/``{`` nesting of ``data`` outside strings (an unterminated string ends it)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_object(data: bytes, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """``data`` as a JSON object: :class:`BadBody` if it nests deeper than ``max_depth``, is not
    UTF-8 JSON, or is not an object."""
    if nesting_depth(data) > max_depth:
        raise BadBody(f"JSON nested deeper than {max_depth}")
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: belt and braces behind the depth check
        raise BadBody("body is not JSON") from exc
    if not isinstance(value, dict):
        raise BadBody("body is not a JSON object")
    return value
