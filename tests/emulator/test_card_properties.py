"""Property tests of protocol invariants: selection, GET RESPONSE chaining, READ RECORD, personalisation."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from eidlib.emulator import VirtualCard
from eidlib.emulator.filesystem import DF_BELPIC, DF_ID, MF
from tests.emulator.card_images import make_image

_SUPPRESS = [HealthCheck.function_scoped_fixture]


def sw(answer: bytes) -> int:
    return int.from_bytes(answer[-2:], "big")


@pytest.fixture(scope="module")
def card17() -> VirtualCard:
    return VirtualCard(image=make_image("1.7"))


# -- GET RESPONSE chaining ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=_SUPPRESS)
@given(sizes=st.lists(st.integers(1, 256), min_size=1, max_size=8))
def test_get_response_parts_join_to_the_signature(card17: VirtualCard, sizes: list[int]) -> None:
    """Whatever Le values the host uses, the parts it collects are exactly the signature."""
    card17.power_on()
    card17.process(bytes.fromhex("0020000108241234FFFFFFFFFF"))
    card17.process(bytes.fromhex("002241B6050480028482"))
    digest = bytes(range(20))
    answer = card17.process(b"\x00\x2a\x9e\x9a\x14" + digest)
    assert answer == b"\x61\x00"
    key = card17.image.authentication_key
    assert isinstance(key, rsa.RSAPrivateKey)
    expected = key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))  # deterministic
    collected = b""
    remaining = 256
    for size in [*sizes, 256]:
        answer = card17.process(bytes((0x00, 0xC0, 0x00, 0x00, size & 0xFF)))
        if size > remaining:
            assert answer == bytes((0x6C, remaining))
            continue
        collected += answer[:-2]
        remaining -= size
        if remaining == 0:
            assert sw(answer) == 0x9000
            break
        assert answer[-2:] == bytes((0x61, remaining & 0xFF))
    else:
        answer = card17.process(bytes((0x00, 0xC0, 0x00, 0x00, remaining)))
        collected += answer[:-2]
        assert sw(answer) == 0x9000
    assert collected == expected
    assert sw(card17.process(b"\x00\xc0\x00\x00\x01")) == 0x6985


# -- selection against a model ------------------------------------------------------------------

FIDS = [0x3F00, 0xDF00, 0xDF01, 0x2F00, 0x5031, 0x5038, 0x503C, 0x4031, 0x4035, 0x4040, 0x1234, 0x5015]
TREE = {
    MF: {0x2F00},
    DF_BELPIC: {0x5031, 0x5032, 0x5034, 0x5035, 0x5037, 0x5038, 0x5039, 0x503A, 0x503B, 0x503C},
    DF_ID: {0x4031, 0x4032, 0x4033, 0x4034, 0x4035, 0x4040},
}


class SelectionModel(RuleBasedStateMachine):
    """SELECT by FID / path / AID on a 1.8 card against a two-level tree model (spec §3.1)."""

    def __init__(self) -> None:
        super().__init__()
        self.card = VirtualCard(image=make_image("1.8"))
        self.card.power_on()
        self.df = MF
        self.ef: int | None = None

    @rule(fid=st.sampled_from(FIDS), p1=st.sampled_from([0x00, 0x02]))
    def select_fid(self, fid: int, p1: int) -> None:
        answer = self.card.process(bytes((0x00, 0xA4, p1, 0x0C, 0x02)) + fid.to_bytes(2, "big"))
        if fid == MF:
            expected, self.df, self.ef = 0x9000, MF, None
        elif self.df == MF and fid in (DF_BELPIC, DF_ID):
            expected, self.df, self.ef = 0x9000, fid, None
        elif fid in TREE[self.df]:
            expected, self.ef = 0x9000, fid
        else:
            expected = 0x6A82
        assert sw(answer) == expected

    @rule(path=st.lists(st.sampled_from(FIDS), min_size=1, max_size=4))
    def select_path(self, path: list[int]) -> None:
        raw = b"".join(fid.to_bytes(2, "big") for fid in path)
        answer = self.card.process(bytes((0x00, 0xA4, 0x08, 0x0C, len(raw))) + raw)
        walk = path[1:] if path[0] == MF else path
        df, ef, ok = MF, None, True
        for index, fid in enumerate(walk):
            if df == MF and fid in (DF_BELPIC, DF_ID):
                df = fid
            elif index == len(walk) - 1 and fid in TREE[df]:
                ef = fid
            else:
                ok = False
                break
        if ok:
            self.df, self.ef = df, ef
        assert sw(answer) == (0x9000 if ok else 0x6A82)

    @rule()
    def reset(self) -> None:
        self.card.reset()
        self.df, self.ef = MF, None

    @invariant()
    def same_selection(self) -> None:
        assert (self.card.filesystem.current_df, self.card.filesystem.current_ef) == (self.df, self.ef)
        answer = self.card.process(b"\x00\xb0\x00\x00\x01")
        assert sw(answer) == (0x6986 if self.ef is None else 0x9000)


TestSelectionModel = SelectionModel.TestCase
TestSelectionModel.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


# -- READ RECORD over the personalised identity file --------------------------------------------


def fedict_records(data: bytes) -> list[tuple[int, bytes]]:
    """A reference TLV walk (spec §5.1): (tag, whole record) with FF-continued lengths, to the padding."""
    out, i = [], 0
    while i < len(data) and not (data[i] == 0 and i):
        start, tag = i, data[i]
        i += 1
        length = 0
        while data[i] == 0xFF:
            length, i = length + 0xFF, i + 1
        length, i = length + data[i], i + 1
        i += length
        out.append((tag, data[start:i]))
    return out


@settings(max_examples=30, deadline=None)
@given(first=st.integers(0, 0x30), span=st.integers(0, 0x30))
def test_read_record_is_the_concatenation_of_the_tagged_fields(first: int, span: int) -> None:
    card = _identity_card()
    card.process(bytes.fromhex("00A4080C063F00DF014031"))
    last = first + span
    records = b"".join(raw for tag, raw in fedict_records(card.image.files["3F00DF014031"])
                       if first <= tag <= last)
    answer = card.process(bytes((0x80, 0xB2, first, last, 0x00)))
    if not records:
        assert sw(answer) == 0x6A83
        return
    data, status = answer[:-2], sw(answer)
    while status >> 8 == 0x61:
        more = card.process(bytes((0x00, 0xC0, 0x00, 0x00, status & 0xFF)))
        data, status = data + more[:-2], sw(more)
    assert status == 0x9000 and data == records


_CARDS: dict[str, VirtualCard] = {}


def _identity_card() -> VirtualCard:
    if "1.8" not in _CARDS:
        _CARDS["1.8"] = VirtualCard(image=make_image("1.8"))
    return _CARDS["1.8"]


# -- the default constructor personalises lazily -------------------------------------------------


@pytest.mark.parametrize("profile", ["1.7", "1.8"])
def test_default_card_is_personalised(profile: Any) -> None:
    card = VirtualCard(profile)
    assert card.profile == profile
    answer = card.process(bytes.fromhex("80E400001C"))
    assert answer[21] == (0x17 if profile == "1.7" else 0x18) and answer[-2:] == b"\x90\x00"
    assert card.process(bytes.fromhex("0020000108241234FFFFFFFFFF")) == b"\x90\x00"


def test_constructor_options_reach_the_card() -> None:
    card = VirtualCard("1.8", pin="56789", kids=True, activated=False)
    assert not card.activated and card.image.signature_key is None
    assert card.process(bytes.fromhex("80E400001C"))[27] == 0x07
    active = VirtualCard("1.8", pin="56789")
    assert active.process(bytes.fromhex("0020000108255678 9FFFFFFFFF".replace(" ", ""))) == b"\x90\x00"
