"""Native messaging framing and command parsing: invariants over arbitrary input (in process)."""

from __future__ import annotations

import contextlib
import json
import os
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eidlib.webeid.errors import CommandError, MessageError
from eidlib.webeid.framing import MAX_REPLY_BYTES, encode_message, read_message
from eidlib.webeid.host import HostOptions, reply_for, run_host
from eidlib.webeid.protocol import Authenticate, Quit, parse_command

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def read_bytes(data: bytes) -> dict[str, Any]:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
        os.close(write_end)
        return read_message(read_end, timeout=5)
    finally:
        os.close(read_end)


@given(st.dictionaries(st.text(max_size=10), JSON, max_size=5))
def test_encode_then_read_round_trips(message: dict[str, Any]) -> None:
    frame = encode_message(message)
    assert struct.unpack("=I", frame[:4])[0] == len(frame) - 4
    if 5 <= len(frame) - 4 <= 8192:
        assert read_bytes(frame) == message


@settings(max_examples=200)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_a_message_or_message_error(data: bytes) -> None:
    with contextlib.suppress(MessageError):
        assert isinstance(read_bytes(data), dict)


def test_replies_over_one_mebibyte_are_refused() -> None:
    with pytest.raises(MessageError):
        encode_message({"x": "a" * MAX_REPLY_BYTES})


def test_a_silent_peer_times_out() -> None:
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(MessageError, match="timed out"):
            read_message(read_end, timeout=0.2)
    finally:
        os.close(read_end)
        os.close(write_end)


@given(st.dictionaries(st.text(max_size=16), JSON, max_size=6))
def test_parse_command_accepts_or_raises_command_error(message: dict[str, Any]) -> None:
    with contextlib.suppress(CommandError):
        parse_command(message)


@given(JSON)
def test_any_arguments_value_is_handled(arguments: Any) -> None:
    for name in ("authenticate", "get-signing-certificate", "sign", "quit", "other"):
        try:
            command = parse_command({"command": name, "arguments": arguments})
        except CommandError:
            continue
        assert isinstance(command, Quit)


def test_authenticate_keeps_lang_and_the_signing_flag() -> None:
    command = parse_command({"command": "authenticate", "arguments": {
        "challengeNonce": "A" * 44, "origin": "https://xn--pike-loa.ee", "lang": "ET", "getSigningCertificate": True}})
    assert command == Authenticate("A" * 44, "https://xn--pike-loa.ee", "et", True)


def test_unexpected_exceptions_become_fatal_replies_without_details() -> None:
    reply = reply_for(RuntimeError("secret internals"))
    assert reply["error"]["code"] == "ERR_WEBEID_NATIVE_FATAL" and "secret" not in json.dumps(reply)


def test_run_host_in_process_over_pipes() -> None:
    command_read, command_write = os.pipe()
    reply_read, reply_write = os.pipe()
    body = json.dumps({"command": "quit", "arguments": {}}).encode()
    os.write(command_write, struct.pack("=I", len(body)) + body)
    os.close(command_write)
    assert run_host(HostOptions(), stdin=command_read, stdout=reply_write) == 0
    os.close(reply_write)
    output = os.read(reply_read, 4096)
    os.close(command_read)
    os.close(reply_read)
    first = struct.unpack("=I", output[:4])[0]
    assert json.loads(output[4 : 4 + first]).keys() == {"version"}
    assert json.loads(output[8 + first :]) == {}
