"""Recordings of real card sessions: record (with timing), anonymise, replay through the card layer.

A recording is the replay format of :mod:`eidlib.apdu.replay` (``eidlib-apdu-trace/1``: the ATR
and every command/response, PIN blocks redacted) plus, per exchange, ``ms`` — the time the card
and reader took — and a ``session`` object: which steps ran (:data:`STEPS`), the applet, the
reader name, whether the personal data was anonymised. Replaying runs the same steps over a
:class:`~eidlib.apdu.replay.ReplayTransport`, so every command eidlib sends must match.

:func:`anonymise` replaces the holder's data consistently (one replacement per original value,
wherever it appears: identity file, address file, card serial in GET CARD DATA, the names and
national number inside the user certificates) keeping every length, so the protocol replays while
the National Register signatures no longer apply. The photo becomes a blank JPEG of the same size
and the identity's photo hash is recomputed. What is unique to the card without naming anyone is
replaced too, since a public directory of certificates would name its holder: the user
certificates' serial numbers, public keys and CA signatures, and the signatures the card made.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eidlib.apdu.replay import FORMAT, ReplayTransport
from eidlib.apdu.trace import redact_command
from eidlib.apdu.transport import ForwardingTransport, Transport
from eidlib.belpic.der import trim_der
from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.files import CardFile
from eidlib.belpic.hashes import PHOTO_HASHES
from eidlib.belpic.ins import Ins
from eidlib.belpic.tags import AddressTag, IdentityTag
from eidlib.belpic.tlv import tlv_spans
from eidlib.card.session import BeidCard
from eidlib.errors import EidError

#: What a recording may hold, in the order they run.
STEPS = ("identity", "address", "photo", "certificates", "pin_status", "verify", "sign")
#: What the recording signs with the authentication key (the same bytes on replay).
SIGNED_MESSAGE = b"eidlib recording: a fixed message, not a login"
#: Any PIN fits a replay: the recorded VERIFY is redacted and compared on its header and length.
_REPLAY_PIN = "0000"


class RecordingError(EidError):
    """A recording cannot be made, read or anonymised (malformed, unknown step, ...)."""


class TimedRecorder(ForwardingTransport):
    """Remembers every exchange (PIN blocks redacted) with the milliseconds it took."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner)
        self.exchanges: list[tuple[bytes, bytes, float]] = []

    def transmit(self, raw: bytes) -> bytes:
        start = time.perf_counter()
        answer = self.inner.transmit(raw)
        elapsed = (time.perf_counter() - start) * 1000
        self.exchanges.append((redact_command(raw), bytes(answer), elapsed))
        return answer


def run_steps(card: BeidCard, steps: Iterable[str], pin: str | bytearray | None) -> dict[str, Any]:
    """Run ``steps`` on ``card`` in :data:`STEPS` order; return what each gave (for checks)."""
    wanted = set(steps)
    unknown = wanted - set(STEPS)
    if unknown:
        raise RecordingError(f"unknown recording steps: {', '.join(sorted(unknown))}")
    if wanted & {"verify", "sign"} and pin is None:
        raise RecordingError("the verify and sign steps need the PIN")
    results: dict[str, Any] = {"applet": card.card_data(fresh=False).applet_version}
    for step in STEPS:
        if step not in wanted:
            continue
        if step == "identity":
            results[step] = card.read_identity()
        elif step == "address":
            results[step] = card.read_address()
        elif step == "photo":
            results[step] = card.read_photo()
        elif step == "certificates":
            results[step] = card.read_certificates()
        elif step == "pin_status":
            results[step] = card.pin_tries_left()
        elif step == "verify":
            card.verify_pin(pin)
            results[step] = True
        else:
            results[step] = card.sign(SIGNED_MESSAGE, pin=pin)
    return results


def record_session(transport: Transport, steps: Iterable[str], *, pin: str | bytearray | None = None,
                   reader: str = "", software: str = "") -> dict[str, Any]:
    """Run ``steps`` on the card behind ``transport`` and return the recording (not anonymised).

    ``reader`` and ``software`` (e.g. ``"eidlib 1.2"``) are noted in the recording's ``session``.
    """
    chosen = [s for s in STEPS if s in set(steps)]
    recorder = TimedRecorder(transport)
    with BeidCard(recorder, owns_transport=False) as card:
        results = run_steps(card, chosen, pin)
    return {
        "format": FORMAT,
        "atr": recorder.atr.hex(),
        "session": {"steps": chosen, "applet": str(results["applet"]), "reader": reader,
                    "software": software, "anonymised": False},
        "exchanges": [{"command": c.hex(), "response": r.hex(), "ms": round(ms, 3)}
                      for c, r, ms in recorder.exchanges],
    }


def steps_of(recording: Mapping[str, Any]) -> list[str]:
    """The steps a recording holds (:class:`RecordingError` if it says none or unknown ones)."""
    session = recording.get("session")
    steps = session.get("steps") if isinstance(session, Mapping) else None
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps) or set(steps) - set(STEPS):
        raise RecordingError("the recording does not list its steps (session.steps)")
    return steps


def replay_session(recording: Mapping[str, Any]) -> dict[str, Any]:
    """Run the recording's steps through the card layer over a replay; every command must match."""
    transport = ReplayTransport(dict(recording))
    steps = steps_of(recording)
    with BeidCard(transport) as card:
        results = run_steps(card, steps, _REPLAY_PIN if {"verify", "sign"} & set(steps) else None)
    if not transport.finished:
        raise RecordingError(f"the replay stopped at exchange {transport.position} of {len(recording['exchanges'])}")
    return results


def latencies(recording: Mapping[str, Any]) -> list[tuple[int, int, float]]:
    """``(command bytes, response bytes, milliseconds)`` of every timed exchange (for the latency model)."""
    out: list[tuple[int, int, float]] = []
    for exchange in recording.get("exchanges", []):
        ms = exchange.get("ms") if isinstance(exchange, Mapping) else None
        if isinstance(ms, (int, float)):
            out.append((len(exchange["command"]) // 2, len(exchange["response"]) // 2, float(ms)))
    return out


# -- anonymising ---------------------------------------------------------------------------------

_IDENTITY_TEXT = (IdentityTag.CARD_NUMBER, IdentityTag.ISSUING_MUNICIPALITY, IdentityTag.NATIONAL_NUMBER,
                  IdentityTag.SURNAME, IdentityTag.FIRSTNAMES, IdentityTag.THIRD_INITIAL, IdentityTag.BIRTH_PLACE,
                  IdentityTag.NOBILITY, IdentityTag.EMPLOYER_VAT_1, IdentityTag.EMPLOYER_VAT_2,
                  IdentityTag.REGIONAL_FILE_NUMBER)
_ADDRESS_TEXT = (AddressTag.STREET_AND_NUMBER, AddressTag.ZIP, AddressTag.MUNICIPALITY)
_USER_CERTIFICATES = (CardFile.AUTHENTICATION_CERTIFICATE, CardFile.SIGNATURE_CERTIFICATE)
#: Shorter values are not searched for inside certificates (they could match unrelated bytes).
_MIN_CERTIFICATE_TOKEN = 3
_SERIAL_LENGTH = 16
_JPEG_START, _JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"
#: Commands whose answer (directly or through GET RESPONSE) is a signature made by the card's keys.
_SIGNING = (Ins.PSO, Ins.INTERNAL_AUTHENTICATE)
#: New keys tried for one of the same encoded length (an RSA modulus is a byte shorter now and then).
_KEY_ATTEMPTS = 20


class _Replacer:
    """One random replacement per original value, the same length in bytes."""

    def __init__(self) -> None:
        self.done: dict[bytes, bytes] = {}

    def text(self, value: bytes) -> bytes:
        if value not in self.done:
            out = bytearray()
            for byte in value:
                if 0x30 <= byte <= 0x39:
                    out.append(0x30 + secrets.randbelow(10))
                elif 0x41 <= byte <= 0x5A or byte >= 0x80:  # a multi-byte character becomes letters
                    out.append(0x41 + secrets.randbelow(26))
                elif 0x61 <= byte <= 0x7A:
                    out.append(0x61 + secrets.randbelow(26))
                else:
                    out.append(byte)
            self.done[value] = bytes(out)
        return self.done[value]

    def words(self, value: bytes) -> bytes:
        # Word by word, so that "Emma" gets one replacement in the first names and in a certificate CN.
        return b" ".join(self.text(word) if word else word for word in value.split(b" "))

    def binary(self, value: bytes) -> bytes:
        if value not in self.done:
            self.done[value] = secrets.token_bytes(len(value))
        return self.done[value]


def _birth_date(value: bytes) -> bytes:
    # Keep the card's format (so it still parses): day 01, year 1970; the month token stays.
    text = re.sub(rb"^\d{2}", b"01", value)
    return re.sub(rb"\d{4}", b"1970", text)


class _Files:
    """The EF contents a recording shows (READ BINARY answers by selected path and offset)."""

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.reads: list[tuple[int, str, int, int]] = []  # (exchange, path, offset, length)
        self.card_data: list[int] = []
        self.signatures: list[int] = []  # answers carrying a signature the card made (PSO, GET RESPONSE)
        self.content: dict[str, bytearray] = {}
        path, previous = "", 0
        for index, exchange in enumerate(exchanges):
            command = bytes.fromhex(exchange["command"])
            response = bytes.fromhex(exchange["response"])
            if len(command) < 4:
                continue
            ins, p1 = command[1], command[2]
            if ins == Ins.SELECT:
                path = command[5:].hex().upper() if p1 == 0x08 and len(command) > 5 else ""
            elif ins == Ins.READ_BINARY and path and response[-2:] == b"\x90\x00":
                offset, data = (command[2] << 8) | command[3], response[:-2]
                buffer = self.content.setdefault(path, bytearray())
                if len(buffer) < offset + len(data):
                    buffer.extend(bytes(offset + len(data) - len(buffer)))
                buffer[offset : offset + len(data)] = data
                self.reads.append((index, path, offset, len(data)))
            elif ins == Ins.GET_CARD_DATA and len(response) >= _SERIAL_LENGTH + 2:
                self.card_data.append(index)
            elif len(response) > 2 and (ins in _SIGNING or (ins == Ins.GET_RESPONSE and previous in _SIGNING)):
                self.signatures.append(index)
            if ins != Ins.GET_RESPONSE:
                previous = ins



def _card_unique_values(der: bytes, replace: _Replacer) -> list[tuple[bytes, bytes]]:
    """(original, replacement) for the serial number, public key and CA signature of a certificate.

    Each replacement has the original's length and keeps the certificate readable: a positive
    serial, a real public key of the same type and size (freshly made), random signature bytes.
    """
    try:
        certificate = asn1_x509.Certificate.load(trim_der(der))
        tbs = certificate["tbs_certificate"]
        serial = tbs["serial_number"].contents
        spki = tbs["subject_public_key_info"]
        key = spki["public_key"].contents
        # BIT STRING contents start with the unused-bits byte (0): the value is what follows.
        signature = certificate["signature_value"].contents[1:]
        public = serialization.load_der_public_key(spki.dump())
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm, BelpicFormatError):
        return []  # not a certificate the anonymiser can read: its text was replaced all the same
    if serial not in replace.done:
        replace.done[serial] = _positive_integer(len(serial))
    if key not in replace.done:
        replace.done[key] = _fresh_public_key(public, len(key))
    if signature not in replace.done:
        replace.done[signature] = _fresh_signature(signature)
    return [(serial, replace.done[serial]), (key, replace.done[key]), (signature, replace.done[signature])]


def _positive_integer(length: int) -> bytes:
    """Random INTEGER contents of ``length`` bytes: positive, with no superfluous leading byte."""
    fresh = bytearray(secrets.token_bytes(length))
    fresh[0] = 0x01 + fresh[0] % 0x7F
    return bytes(fresh)


def _fresh_signature(signature: bytes) -> bytes:
    """Random bytes in the shape of ``signature``: an ECDSA ``SEQUENCE {r, s}`` keeps its DER shape."""
    try:
        pair = asn1_algos.DSASignature.load(signature)
        r, s = pair["r"].contents, pair["s"].contents
    except (ValueError, TypeError, KeyError):
        return secrets.token_bytes(len(signature))  # RSA: any bytes of the modulus' length
    return signature.replace(r, _positive_integer(len(r)), 1).replace(s, _positive_integer(len(s)), 1)


def _fresh_public_key(public: object, length: int) -> bytes:
    """The subjectPublicKey bits of a new key like ``public``, exactly ``length`` bytes long."""
    for _ in range(_KEY_ATTEMPTS):
        if isinstance(public, ec.EllipticCurvePublicKey):
            new: rsa.RSAPublicKey | ec.EllipticCurvePublicKey = ec.generate_private_key(public.curve).public_key()
        elif isinstance(public, rsa.RSAPublicKey):
            new = rsa.generate_private_key(public.public_numbers().e, public.key_size).public_key()
        else:
            break
        spki = new.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        bits = asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents
        if len(bits) == length:
            return bytes(bits)
    raise RecordingError("cannot make a replacement public key of the same length")


def _rewrite_tlv(data: bytearray, tags: Mapping[int, Any]) -> None:
    for tag, start, end in list(tlv_spans(bytes(data))):
        change = tags.get(tag)
        if change is None:
            continue
        header = end - start - _value_length(bytes(data[start:end]))
        value = bytes(data[start + header : end])
        data[start + header : end] = change(value)


def _value_length(record: bytes) -> int:
    # Fedict lengths: 0xFF bytes add 255 each, the last byte adds the rest.
    position, length = 1, 0
    while position < len(record) and record[position] == 0xFF:
        length += 0xFF
        position += 1
    return length + record[position] if position < len(record) else 0


def anonymise(recording: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``recording`` with the holder's personal data replaced (see the module docstring)."""
    exchanges = [dict(e) for e in recording.get("exchanges", [])]
    try:
        files = _Files(exchanges)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordingError(f"malformed recording: {exc}") from exc
    replace = _Replacer()
    identity = files.content.get(CardFile.IDENTITY.value)
    address = files.content.get(CardFile.ADDRESS.value)
    photo = files.content.get(CardFile.PHOTO.value)
    tokens: list[bytes] = []
    if identity is not None:
        changes: dict[int, Any] = {tag: replace.words for tag in _IDENTITY_TEXT}
        changes[IdentityTag.BIRTH_DATE] = _birth_date
        changes[IdentityTag.CHIP_NUMBER] = replace.binary
        _rewrite_tlv(identity, changes)
        tokens = [original for original in replace.done if len(original) >= _MIN_CERTIFICATE_TOKEN]
    if address is not None:
        _rewrite_tlv(address, {tag: replace.words for tag in _ADDRESS_TEXT})
    if photo is not None and len(photo) > len(_JPEG_START) + len(_JPEG_END):
        photo[len(_JPEG_START) : -len(_JPEG_END)] = bytes(len(photo) - len(_JPEG_START) - len(_JPEG_END))
        if identity is not None:
            _rewrite_tlv(identity, {IdentityTag.PHOTO_HASH: lambda old: PHOTO_HASHES[len(old)].digest(bytes(photo))
                                    if len(old) in PHOTO_HASHES else old})
    for file in _USER_CERTIFICATES:
        der = files.content.get(file.value)
        if der is None:
            continue
        for original in sorted(tokens, key=len, reverse=True):
            der[:] = bytes(der).replace(original, replace.done[original])
        for unique, fresh in _card_unique_values(bytes(der), replace):
            der[:] = bytes(der).replace(unique, fresh)
    for index, path, offset, length in files.reads:
        data = files.content[path][offset : offset + length]
        exchanges[index]["response"] = (bytes(data) + b"\x90\x00").hex()
    for index in files.signatures:
        answer = bytes.fromhex(exchanges[index]["response"])
        exchanges[index]["response"] = (replace.binary(answer[:-2]) + answer[-2:]).hex()
    for index in files.card_data:
        response = bytearray(bytes.fromhex(exchanges[index]["response"]))
        response[:_SERIAL_LENGTH] = replace.binary(bytes(response[:_SERIAL_LENGTH]))
        exchanges[index]["response"] = response.hex()
    out = dict(recording)
    out["exchanges"] = exchanges
    session = dict(out.get("session") or {})
    session["anonymised"] = True
    # A reader name may carry the reader's serial number in parentheses.
    session["reader"] = re.sub(r"\([^)]*\)", "(...)", str(session.get("reader", "")))
    out["session"] = session
    return out
