"""The BELPIC applet session: :class:`BeidCard` (opened by :func:`eidlib.opener.open_card`).

One :class:`BeidCard` talks to one card through a :class:`~eidlib.apdu.Transport`.
Every file is read at most once per card (the cache is dropped when the card
is removed or replaced), every multi-APDU operation runs inside one
``transport.transaction()``, and VERIFY is never retried automatically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from eidlib.apdu.channel import CardChannel
from eidlib.apdu.status import ApduError
from eidlib.apdu.trace import trace_exchange
from eidlib.apdu.transport import ControlTransport, Transport
from eidlib.belpic.der import declared_length, is_empty, trim_der
from eidlib.belpic.errors import BelpicFormatError
from eidlib.card import commands
from eidlib.card.atr import atr_generation
from eidlib.card.errors import CardFileNotFound, CardNotActivated
from eidlib.card.files import DF_BELPIC, CardFile
from eidlib.card.pin import MAX_PIN_TRIES, pin_block
from eidlib.card.pinpad import (
    CM_IOCTL_GET_FEATURE_REQUEST,
    Language,
    PinPad,
    modify_structure,
    parse_features,
    verify_structure,
)
from eidlib.card.signing import APPLET_18, KeyReference, SigningPlan, default_hash, plan_signature
from eidlib.carddata.address import Address
from eidlib.carddata.carddata import CardData
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.carddata.identity import Identity
from eidlib.carddata.integrity import IntegrityResult, verify_integrity
from eidlib.errors import CardError, CardRemovedError, CardResetError, TransportError
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import (
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinCancelled,
    PinError,
    PinFormatError,
    PinRequired,
    PinTimeout,
    SecurityStatusNotSatisfied,
    WrongPin,
)
from eidlib.token.pin import check_pin, wipe
from eidlib.token.protocol import CardCertificates, HashName, KeyName, PaddingName

#: Called after each chunk of a file: (file label, bytes read so far).
ProgressCallback = Callable[[str, int], None]

_SW_OK = 0x9000
_SW_END_OF_FILE = 0x6B00
_SW_FILE_NOT_FOUND = 0x6A82
_SW_NOT_ACTIVATED = 0x6D00
_SW_SECURITY = 0x6982
_SW_BLOCKED = 0x6983
_SW_PINPAD_TIMEOUT = 0x6400
_SW_PINPAD_CANCELLED = 0x6401
_SW_PINPAD_DIFFER = 0x6402
_SW_PINPAD_FORMAT = 0x6403
#: INTERNAL AUTHENTICATE algorithm reference for a P-384 basic key (48-byte challenge).
_IA_P384 = 0x02
_IA_CHALLENGE_SIZE = 48


def _pin_failure(sw: int) -> PinError | None:
    """The PIN error a status word means, ``None`` for success."""
    if sw == _SW_OK:
        return None
    if sw >> 4 == 0x63C:
        tries = sw & 0x0F
        return PinBlocked() if tries == 0 else WrongPin(tries)
    if sw == _SW_BLOCKED:
        return PinBlocked()
    if sw == _SW_PINPAD_TIMEOUT:
        return PinTimeout("no PIN entered on the PIN pad in time")
    if sw == _SW_PINPAD_CANCELLED:
        return PinCancelled("PIN entry cancelled on the PIN pad")
    if sw == _SW_PINPAD_DIFFER:
        return PinError("the new PINs entered on the PIN pad differ")
    if sw == _SW_PINPAD_FORMAT:
        return PinFormatError("the PIN entered on the PIN pad has a wrong length or format")
    return None


def _is_reset(exc: CardRemovedError) -> bool:
    """True for a reset by another application (the card stayed in the reader)."""
    return isinstance(exc, CardResetError)


class BeidCard:
    """A session with a Belgian eID card (applet 1.7 RSA or 1.8 ECDSA). Implements :class:`Token`.

    Usually obtained from :func:`eidlib.open_card`; use it as a context manager to
    close the connection. ``on_progress`` may be set to follow long reads.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        owns_transport: bool = True,
        language: Language = Language.EN,
    ) -> None:
        self._transport = transport
        self._owns_transport = owns_transport
        self._language = language
        self.channel = CardChannel(transport)
        self.on_progress: ProgressCallback | None = None
        self._card_data: CardData | None = None
        self._files: dict[CardFile, bytes] = {}
        self._cache_serial: bytes | None = None
        self._identity: Identity | None = None
        self._current_df: bytes | None = None
        self._se_key: int | None = None
        # (algorithm, key) of an MSE no PSO has used yet: MSE → VERIFY → PSO needs only one MSE.
        self._se_armed: tuple[int, int] | None = None
        self._depth = 0
        self._auth_verified = False
        self._pinpad: PinPad | None = None
        self._pinpad_probed = False
        self._mse_cache: dict[tuple[int, int], bytes] = {}
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------------

    def open(self) -> BeidCard:
        """Connect, select the BELPIC applet and read the card data (raises :class:`NotABeidCard`)."""
        self._ensure_started()
        return self

    def close(self) -> None:
        """Forget the session and disconnect when this object owns the transport (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._forget()
        if self._owns_transport:
            self._transport.disconnect()

    def __enter__(self) -> BeidCard:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive use of the card across several calls (one PC/SC transaction; nestable).

        ``authenticate()`` holds one around the whole login so no other application's
        APDUs can come between the PIN verification and the signature.
        """
        return self._session()

    @property
    def transport(self) -> Transport:
        """The transport this session talks through."""
        return self._transport

    def _forget(self, *, keep_files: bool = False) -> None:
        """Drop the session state; the file cache too unless the same card merely was reset."""
        self._card_data = None
        if not keep_files:
            self._files.clear()
            self._identity = None
            self._cache_serial = None
        self._current_df = None
        self._se_key = None
        self._se_armed = None
        self._auth_verified = False

    @contextmanager
    def _session(self) -> Iterator[None]:
        """One transaction; (re)starts the applet session first when the card is new to us."""
        if self._closed:
            raise CardError("this card session is closed")
        try:
            if self._card_data is None:
                # A new applet session (first use, or after a removal dropped everything cached):
                # whatever card is in the reader now is welcome, its data will be read afresh.
                self._transport.connect()
            with self._transport.transaction():
                if self._card_data is None:
                    self._start()
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                    if not self._depth:
                        # Outside a transaction another application may change the SE.
                        self._se_armed = None
        except CardRemovedError as exc:
            self._forget(keep_files=_is_reset(exc))
            raise

    def _ensure_started(self) -> None:
        """Connect and start the applet session (select, card data) unless it is running."""
        with self._session():
            return

    def _start(self) -> None:
        answer = self.channel.transmit(commands.SELECT_APPLET)
        if answer.sw != _SW_OK:
            raise NotABeidCard(f"the BELPIC applet cannot be selected (status {answer.sw:04X})")
        data = self._read_card_data(extended=atr_generation(self._transport.atr) == "1.8")
        if self._cache_serial is not None and self._cache_serial != data.serial_number:
            self._files.clear()
            self._identity = None
        self._cache_serial = data.serial_number
        self._card_data = data
        self._current_df = None
        self._se_key = None
        self._se_armed = None

    def _read_card_data(self, *, extended: bool) -> CardData:
        if extended:
            answer = self.channel.transmit(commands.GET_CARD_DATA_EXTENDED)
            if answer.sw == _SW_OK:
                return CardData.parse(answer.data)
        answer = self.channel.transmit(commands.GET_CARD_DATA)
        if answer.sw == _SW_NOT_ACTIVATED:
            raise CardNotActivated("GET CARD DATA refused: the card is not activated")
        if answer.sw != _SW_OK:
            raise NotABeidCard(f"GET CARD DATA failed with status {answer.sw:04X}")
        return CardData.parse(answer.data)

    def _data(self) -> CardData:
        if self._card_data is None:
            self._ensure_started()
        assert self._card_data is not None
        return self._card_data

    # -- card data ------------------------------------------------------------------------------

    @property
    def applet_version(self) -> str:
        """``"1.7"`` or ``"1.8"`` (from GET CARD DATA)."""
        return self._data().applet_version_text

    @property
    def key_algorithm(self) -> Literal["rsa", "ec"]:
        """The user keys' algorithm: RSA on 1.7, ECDSA on 1.8."""
        return "ec" if self._data().applet_version == APPLET_18 else "rsa"

    @property
    def serial_number(self) -> str:
        """The card serial (GET CARD DATA bytes 0-15) in upper-case hex."""
        return self._data().serial_hex

    @property
    def atr(self) -> bytes:
        """The card's ATR."""
        return self._transport.atr

    def card_data(self) -> CardData:
        """GET CARD DATA; on 1.8 a fresh extended read, so ``pin_tries_left`` is current."""
        with self._session():
            assert self._card_data is not None
            if self._card_data.applet_version == APPLET_18:
                self._card_data = self._read_card_data(extended=True)
            return self._card_data

    # -- files ----------------------------------------------------------------------------------

    def _select(self, file: CardFile) -> None:
        answer = self.channel.transmit(commands.select_path(file.path))
        if answer.sw == _SW_FILE_NOT_FOUND:
            raise CardFileNotFound(file.value)
        if answer.sw == _SW_NOT_ACTIVATED:
            raise CardNotActivated(f"cannot select {file.label}: the card is not activated")
        answer.check(commands.Ins.SELECT)
        self._current_df = file.df

    def _read_binary(self, file: CardFile) -> bytes:
        buffer = bytearray()
        limit: int | None = None
        while True:
            offset = len(buffer)
            length = commands.READ_CHUNK if limit is None else min(commands.READ_CHUNK, limit - offset)
            if length <= 0:
                break
            if offset > commands.MAX_OFFSET:
                raise CardDataError(f"{file.label} is larger than READ BINARY can address")
            answer = self.channel.transmit(commands.read_binary(offset, length))
            if answer.sw == _SW_END_OF_FILE and offset > 0:
                break
            if answer.sw == _SW_NOT_ACTIVATED:
                raise CardNotActivated(f"cannot read {file.label}: the card is not activated")
            if answer.sw == _SW_SECURITY:
                raise SecurityStatusNotSatisfied(f"reading {file.label} needs the PIN")
            answer.check(commands.Ins.READ_BINARY)
            if len(answer.data) > length:
                raise CardDataError(f"{file.label}: card returned {len(answer.data)} bytes for {length}")
            buffer += answer.data
            if self.on_progress is not None:
                self.on_progress(file.label, len(buffer))
            if len(answer.data) < length:
                break
            if file.is_certificate and limit is None:
                limit = self._certificate_limit(file, bytes(buffer))
        return bytes(buffer)

    @staticmethod
    def _certificate_limit(file: CardFile, head: bytes) -> int:
        """Stop after the DER: a certificate EF carries up to 2500 bytes of zero padding."""
        if is_empty(head):
            return len(head)
        if head[:1] != b"\x30":
            raise CardDataError(f"{file.label} does not hold a DER certificate")
        try:
            return declared_length(head)
        except BelpicFormatError as exc:
            raise CardDataError(f"{file.label}: {exc}") from exc

    @staticmethod
    def _trim_certificate(file: CardFile, data: bytes) -> bytes:
        try:
            return trim_der(data)
        except BelpicFormatError as exc:
            raise CardDataError(f"{file.label}: {exc}") from exc

    def _read(self, file: CardFile) -> bytes:
        cached = self._files.get(file)
        if cached is not None:
            return cached
        self._select(file)
        data = self._read_binary(file)
        if file.is_certificate:
            data = b"" if is_empty(data) else self._trim_certificate(file, data)
        self._files[file] = data
        return data

    def read_file(self, file: CardFile) -> bytes:
        """The raw content of an EF (certificates: the DER without padding, ``b""`` when absent)."""
        with self._session():
            return self._read(file)

    def read_files(self, files: tuple[CardFile, ...]) -> dict[CardFile, bytes]:
        """Several EFs in one transaction."""
        with self._session():
            return {f: self._read(f) for f in files}

    def read_identity(self) -> Identity:
        """The identity file, parsed (once per card; the session still checks the card is the same)."""
        with self._session():
            if self._identity is None:
                self._identity = Identity.parse(self._read(CardFile.IDENTITY))
            return self._identity

    def read_address(self) -> Address:
        """The address file, parsed."""
        return Address.parse(self.read_file(CardFile.ADDRESS))

    def read_photo(self) -> bytes:
        """The JPEG photo."""
        return self.read_file(CardFile.PHOTO)

    def read_certificates(self) -> CardCertificates:
        """The five certificates as DER; ``None`` for an empty EF (kids cards, no signature cert)."""
        files = (
            CardFile.AUTHENTICATION_CERTIFICATE,
            CardFile.SIGNATURE_CERTIFICATE,
            CardFile.CA_CERTIFICATE,
            CardFile.ROOT_CERTIFICATE,
            CardFile.RRN_CERTIFICATE,
        )
        found: list[bytes | None] = []
        with self._session():
            for file in files:
                try:
                    found.append(self._read(file) or None)
                except CardFileNotFound:
                    found.append(None)
        return CardCertificates(*found)

    def verify_integrity(self) -> IntegrityResult:
        """Check identity, address, photo (and on 1.8 the basic key hash) against the RRN signatures."""
        files = [
            CardFile.IDENTITY,
            CardFile.IDENTITY_SIGNATURE,
            CardFile.ADDRESS,
            CardFile.ADDRESS_SIGNATURE,
            CardFile.PHOTO,
            CardFile.RRN_CERTIFICATE,
        ]
        is_18 = self._data().applet_version == APPLET_18
        if is_18:
            files.append(CardFile.BASIC_PUBLIC_KEY)
        raw = self.read_files(tuple(files))
        return verify_integrity(
            identity=raw[CardFile.IDENTITY],
            identity_signature=raw[CardFile.IDENTITY_SIGNATURE],
            address=raw[CardFile.ADDRESS],
            address_signature=raw[CardFile.ADDRESS_SIGNATURE],
            rrn_certificate=raw[CardFile.RRN_CERTIFICATE],
            photo=raw[CardFile.PHOTO],
            basic_public_key=raw[CardFile.BASIC_PUBLIC_KEY] if is_18 else None,
        )

    # -- PIN ------------------------------------------------------------------------------------

    def pinpad(self) -> PinPad | None:
        """The reader's direct PIN features, or ``None`` without a PIN pad (probed once)."""
        if not self._pinpad_probed:
            self._pinpad_probed = True
            self._pinpad = None
            if isinstance(self._transport, ControlTransport):
                try:
                    features = parse_features(self._transport.control(CM_IOCTL_GET_FEATURE_REQUEST))
                except (TransportError, CardDataError):
                    features = {}
                pad = PinPad.from_features(features)
                if pad.can_verify or pad.can_modify:
                    self._pinpad = pad
        return self._pinpad

    def _control(self) -> ControlTransport:
        transport = self._transport
        if not isinstance(transport, ControlTransport):
            raise PinRequired()
        return transport

    def _send_pin_command(self, header: bytes, blocks: list[bytearray]) -> int:
        """Send VERIFY/CHANGE with PIN blocks from a wiped-after-use buffer; return the status word."""
        buffer = bytearray(header)
        try:
            for block in blocks:
                buffer += block
            answer = self._transport.transmit(buffer)  # type: ignore[arg-type]
            self.channel.apdu_count += 1
            trace_exchange(bytes(buffer[:5]) + b"\xff" * (len(buffer) - 5), answer)
        finally:
            wipe(buffer)
            for block in blocks:
                wipe(block)
        if len(answer) < 2:
            raise CardDataError("PIN command answered without a status word")
        return (answer[-2] << 8) | answer[-1]

    def _verify(self, pin: str | None) -> None:
        """One VERIFY (keyboard PIN or PIN pad); never repeated on failure."""
        if pin is None:
            pad = self.pinpad()
            if pad is None or pad.verify_code is None:
                raise PinRequired()
            answer = self._control().control(pad.verify_code, verify_structure(self._language))
            sw = (answer[-2] << 8) | answer[-1] if len(answer) >= 2 else 0
            self.channel.apdu_count += 1
        else:
            sw = self._send_pin_command(commands.verify_header(), [pin_block(pin)])
        self._check_pin_status(sw, commands.Ins.VERIFY)

    def _check_pin_status(self, sw: int, ins: int) -> None:
        failure = _pin_failure(sw)
        if failure is None and sw == _SW_OK:
            return
        if isinstance(failure, (WrongPin, PinBlocked)):
            # A wrong PIN voids every access condition on the card (spec §4.3).
            self._auth_verified = False
        if failure is not None:
            raise failure
        if sw == _SW_SECURITY:
            raise SecurityStatusNotSatisfied("the card refused the PIN command (6982)")
        raise ApduError(sw, b"", ins)

    def _auth_environment(self) -> None:
        """A VERIFY counts as "PIN once" only outside a non-repudiation SE (spec §4.3).

        When this session has not set the SE itself, the card may still hold one left by
        another application (OpenSC leaves key 83 after refusing it), so the authentication
        SE is set first. The next authentication signature with the default algorithm then
        needs no MSE of its own.
        """
        if self._se_key != KeyReference.AUTHENTICATION:
            plan = plan_signature(
                self._data().applet_version, b"", key="authentication",
                hash=default_hash(self._data().applet_version), prehashed=False, padding="pkcs1v15",
            )
            self._mse(plan)

    def verify_pin(self, pin: str | None) -> None:
        """VERIFY the cardholder PIN (``None``: on the PIN pad). Unlocks the authentication key.

        Raises :class:`WrongPin` (with tries left), :class:`PinBlocked`, :class:`PinFormatError`
        (nothing sent), :class:`PinRequired` when ``pin`` is None and there is no PIN pad.
        """
        if pin is not None:
            check_pin(pin)
        elif self.pinpad() is None:
            raise PinRequired()
        with self._session():
            self._auth_environment()
            self._verify(pin)
            self._auth_verified = True

    def change_pin(self, old: str | None, new: str | None) -> None:
        """CHANGE REFERENCE DATA; both ``None`` means entering both PINs on the PIN pad."""
        if (old is None) != (new is None):
            raise PinFormatError("give both the old and the new PIN, or neither (PIN pad)")
        pad = None
        if old is not None and new is not None:
            check_pin(old)
            check_pin(new)
        else:
            pad = self.pinpad()
            if pad is None or pad.modify_code is None:
                raise PinRequired("changing the PIN needs the PINs (no PIN pad with MODIFY)")
        with self._session():
            self._auth_environment()
            if pad is not None and pad.modify_code is not None:
                answer = self._control().control(pad.modify_code, modify_structure(self._language))
                sw = (answer[-2] << 8) | answer[-1] if len(answer) >= 2 else 0
                self.channel.apdu_count += 1
            else:
                assert old is not None and new is not None
                sw = self._send_pin_command(commands.change_header(), [pin_block(old), pin_block(new)])
            self._check_pin_status(sw, commands.Ins.CHANGE_REFERENCE_DATA)
            self._auth_verified = True

    def pin_tries_left(self) -> int | None:
        """PIN tries left, without costing one (1.8: card data; 1.7: VERIFY with Lc=0)."""
        with self._session():
            assert self._card_data is not None
            if self._card_data.applet_version == APPLET_18:
                self._card_data = self._read_card_data(extended=True)
                if self._card_data.pin_tries_left is not None:
                    return self._card_data.pin_tries_left
            sw = self.channel.transmit(commands.PIN_STATUS).sw
        if sw == _SW_OK:
            return MAX_PIN_TRIES
        if sw >> 4 == 0x63C:
            return sw & 0x0F
        if sw == _SW_BLOCKED:
            return 0
        raise ApduError(sw, b"", commands.Ins.VERIFY)

    def log_off(self) -> None:
        """LOG OFF: the card forgets every PIN verification."""
        with self._session():
            self.channel.send(commands.LOG_OFF)
            self._auth_verified = False
            self._se_key = None
            self._se_armed = None

    @property
    def pin_verified(self) -> bool:
        """Whether this session verified the PIN for the authentication key (and has not lost it)."""
        return self._auth_verified

    # -- signing --------------------------------------------------------------------------------

    def _exchange_raw(self, raw: bytes) -> bytes:
        """One pre-encoded APDU straight to the transport (the signing hot path skips re-validation)."""
        answer = self._transport.transmit(raw)
        channel = self.channel
        channel.apdu_count += 1
        channel.bytes_received += len(answer)
        trace_exchange(raw, answer)
        if len(answer) < 2:
            raise CardDataError("the card answered without a status word")
        return answer

    def _mse(self, plan: SigningPlan) -> None:
        if self._current_df != DF_BELPIC:
            # eid-mw selects DF00 before MSE; done once, not on every signature.
            self.channel.transmit(commands.select_path(DF_BELPIC)).check(commands.Ins.SELECT)
            self._current_df = DF_BELPIC
        key = (plan.algorithm, plan.key_reference)
        raw = self._mse_cache.get(key)
        if raw is None:
            raw = self._mse_cache[key] = commands.mse_set(plan.algorithm, plan.key_reference).to_bytes()
        answer = self._exchange_raw(raw)
        if answer[-2:] != b"\x90\x00":
            self._se_key = None
            self._se_armed = None
            sw = (answer[-2] << 8) | answer[-1]
            raise NotSupported(f"the card refused the signing environment ({sw:04X})")
        self._se_key = plan.key_reference
        self._se_armed = key

    def _pso(self, plan: SigningPlan) -> bytes:
        payload = plan.payload
        self._se_armed = None  # every PSO gets an MSE of its own
        answer = self._exchange_raw(commands.PSO_HEADER + bytes((len(payload),)) + payload)
        sw1, sw2 = answer[-2], answer[-1]
        if sw1 == 0x61:
            response = self.channel.transmit(commands.get_response(sw2))
            if response.sw == _SW_OK:
                return answer[:-2] + response.data
            sw, data = response.sw, response.data
        else:
            sw, data = (sw1 << 8) | sw2, answer[:-2]
            if sw == _SW_OK:
                return data
        if sw == _SW_SECURITY:
            raise SecurityStatusNotSatisfied("the card wants the PIN before this signature (6982)")
        raise ApduError(sw, data, commands.Ins.PSO)

    def sign(
        self,
        data: bytes,
        *,
        key: KeyName = "authentication",
        hash: HashName | None = None,
        pin: str | None = None,
        prehashed: bool = False,
        padding: PaddingName = "pkcs1v15",
    ) -> bytes:
        """Sign with a card key; returns raw bytes (RSA signature, or ``r || s`` for ECDSA).

        The authentication key is verified once per session ("PIN once"); the
        signature key gets MSE → VERIFY → PSO every time. ``pin=None`` uses an
        earlier verification or the reader's PIN pad.
        """
        if pin is not None:
            check_pin(pin)
        plan = plan_signature(
            self._data().applet_version, data, key=key, hash=hash, prehashed=prehashed, padding=padding
        )
        if plan.key_reference == KeyReference.NON_REPUDIATION:
            if pin is None and self.pinpad() is None:
                raise PinRequired("the signature key needs the PIN for every signature")
            with self._session():
                self._mse(plan)
                self._verify(pin)
                return self._pso(plan)
        with self._session():
            verified_now = False
            if self._se_armed != (plan.algorithm, plan.key_reference):
                self._mse(plan)
            if not self._auth_verified and (pin is not None or self.pinpad() is not None):
                self._verify(pin)
                self._auth_verified = verified_now = True
            try:
                return self._pso(plan)
            except SecurityStatusNotSatisfied:
                self._auth_verified = False
                if pin is None:
                    raise PinRequired("the authentication key needs the PIN") from None
                if verified_now:
                    raise
            # The card lost an earlier verification; the PIN given for this call is used once.
            self._mse(plan)
            self._verify(pin)
            self._auth_verified = True
            return self._pso(plan)

    def sign_der(
        self,
        data: bytes,
        *,
        key: KeyName = "authentication",
        hash: HashName | None = None,
        pin: str | None = None,
        prehashed: bool = False,
    ) -> bytes:
        """Like :meth:`sign`, with ECDSA signatures DER-encoded (RSA signatures are returned as is)."""
        raw = self.sign(data, key=key, hash=hash, pin=pin, prehashed=prehashed)
        return ecdsa_raw_to_der(raw) if self.key_algorithm == "ec" else raw

    # -- card authentication (1.8) --------------------------------------------------------------

    def authenticate_card(self, challenge: bytes) -> bytes:
        """Prove the card is genuine with the 1.8 basic key; return the raw ``r || s``.

        A 48-byte challenge is signed as is (the card treats it as a SHA-384
        digest); any other length is hashed with SHA-384 first. The signature is
        verified with EF 4040, whose SHA-384 must equal identity tag ``1A``;
        a mismatch raises :class:`IntegrityError`.
        """
        if self._data().applet_version != APPLET_18:
            raise NotSupported("card authentication needs applet 1.8 (the 1.7 basic key is not published)")
        digest = challenge if len(challenge) == _IA_CHALLENGE_SIZE else hashlib.sha384(challenge).digest()
        with self._session():
            answer = self.channel.transmit(commands.internal_authenticate(_IA_P384, digest))
            # A successful INTERNAL AUTHENTICATE clears the security environment (spec §3.8).
            self._se_key = None
            self._se_armed = None
            answer.check(commands.Ins.INTERNAL_AUTHENTICATE)
            signature = answer.data
            spki = self._read(CardFile.BASIC_PUBLIC_KEY)
            identity_raw = self._read(CardFile.IDENTITY)
        expected = Identity.parse(identity_raw).basic_key_hash
        if expected is None or hashlib.sha384(spki).digest() != expected:
            raise IntegrityError("basic_public_key", "EF 4040 does not match identity tag 1A")
        try:
            public_key = serialization.load_der_public_key(spki)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise IntegrityError("basic_public_key", f"not a public key: {exc}") from exc
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise IntegrityError("basic_public_key", "the basic key is not an EC key")
        try:
            public_key.verify(
                ecdsa_raw_to_der(signature), digest, ec.ECDSA(utils.Prehashed(hashes.SHA384()))
            )
        except (InvalidSignature, CardDataError) as exc:
            raise IntegrityError("internal_authenticate", "the card's signature does not verify") from exc
        return signature

