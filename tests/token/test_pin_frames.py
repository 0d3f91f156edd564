"""No traceback frame of a failed verify, sign or login holds the PIN (issue 12.8).

Error reporters (Sentry and the like) record the local variables of every frame of a traceback. The PIN
enters eidlib as the caller's ``str``/``bytes``/``bytearray``; after a failure, no eidlib frame may still
refer to it, to a copy of it, or to a PIN block built from it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

import pytest

from eidlib.auth.client import authenticate
from eidlib.card.session import BeidCard
from eidlib.errors import EidError
from eidlib.opener import open_card

WRONG = "9876"
CHALLENGE = "q2SzyXT0hqF1pP6+o7WZ9bYRJ9Ct9kn5XBEWJcNtBts="
#: The BELPIC PIN block of WRONG (spec §3.4): 2N 98 76 FF FF FF FF FF.
BLOCK = bytes.fromhex("249876FFFFFFFFFF")


def _holds_pin(value: object) -> bool:
    if isinstance(value, str):
        return WRONG in value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        return WRONG.encode() in raw or BLOCK in raw or bytes.fromhex("9876") in raw
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_pin(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_pin(k) or _holds_pin(v) for k, v in value.items())
    return False


def _frames_holding_the_pin(traceback: TracebackType | None) -> list[str]:
    found = []
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_filename != __file__:  # the caller's own frame holds its PIN, of course
            for name, value in frame.f_locals.items():
                if _holds_pin(value):
                    found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name} local {name!r}")
        traceback = traceback.tb_next
    return found


def _verify(card: BeidCard, pin: object) -> None:
    card.verify_pin(pin)  # type: ignore[arg-type]


def _sign(card: BeidCard, pin: object) -> None:
    card.sign(b"frames", key="signature", pin=pin)  # type: ignore[arg-type]


def _login(card: BeidCard, pin: object) -> None:
    authenticate(pin, challenge=CHALLENGE, origin="https://portal.example", token=card)  # type: ignore[arg-type]


@pytest.mark.parametrize("form", [str, lambda p: p.encode(), lambda p: bytearray(p.encode())])
@pytest.mark.parametrize("operation", [_verify, _sign, _login])
@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_no_frame_of_a_failed_operation_holds_the_pin(
    profile: str, operation: Callable[[BeidCard, object], None], form: Callable[[str], object]
) -> None:
    with open_card(virtual=profile) as card, pytest.raises(EidError) as failure:
        operation(card, form(WRONG))
    assert _frames_holding_the_pin(failure.value.__traceback__) == []
