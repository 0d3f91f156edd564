"""The BELPIC applet session: :class:`BeidCard` (opened by :func:`eidlib.opener.open_card`).

One :class:`BeidCard` talks to one card through a :class:`~eidlib.apdu.Transport`.
Every file is read at most once per card (the cache is dropped when the card
is removed or replaced), every multi-APDU operation runs inside one
``transport.transaction()``, and VERIFY is never retried automatically.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from eidlib.apdu.channel import CardChannel
from eidlib.apdu.status import SW, ApduError, tries_left
from eidlib.apdu.transport import ControlTransport, Transport, is_instant
from eidlib.belpic.applet import EC_SIGNATURE_SIZES, V17, Applet, expects_extended_card_data
from eidlib.belpic.der import declared_length, is_empty, trim_der
from eidlib.belpic.errors import BelpicFormatError
from eidlib.belpic.files import CERTIFICATE_FILES, MAX_OFFSET, READ_CHUNK, CardFile
from eidlib.belpic.hashes import PHOTO_HASHES, HashAlgorithm
from eidlib.belpic.ins import Ins
from eidlib.belpic.keys import CHALLENGE_SIZES, ChallengeAlgorithm, KeyReference
from eidlib.belpic.pin import PIN_TRIES
from eidlib.belpic.status import BelpicSW
from eidlib.belpic.tags import AddressTag, IdentityTag
from eidlib.belpic.tlv import parse_tlv
from eidlib.card import commands
from eidlib.card.errors import CardFileNotFound, CardNotActivated, GarbledAnswer
from eidlib.card.pin import pin_block
from eidlib.card.pinpad import Language, PinPad, discover_pinpad
from eidlib.card.quirks import SecurityEnvironment, SelectBeforeMse
from eidlib.card.signing import SigningPlan, SigningRecipe, key_algorithm, signing_recipe
from eidlib.card.status import checked, status_error
from eidlib.carddata.address import Address
from eidlib.carddata.carddata import CardData
from eidlib.carddata.certificate import certificate_public_key
from eidlib.carddata.errors import CardDataError, IntegrityError
from eidlib.carddata.identity import Identity
from eidlib.carddata.integrity import IntegrityResult, verify_integrity
from eidlib.errors import CardRemovedError, CardResetError
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import (
    KeyNotPresent,
    NotABeidCard,
    NotSupported,
    PinBlocked,
    PinFormatError,
    PinRequired,
    SecurityStatusNotSatisfied,
    TokenClosed,
    WrongPin,
)
from eidlib.token.pin import PinInput, held_pin
from eidlib.token.protocol import (
    CardCertificates,
    HashName,
    KeyName,
    KeyRole,
    Padding,
    PaddingName,
    PinEntry,
    key_role,
    padding_of,
)

#: Called after each chunk of a file: (file label, bytes read so far).
ProgressCallback = Callable[[str, int], None]

#: The answer of a command that succeeded without data.
_OK_ANSWER = b"\x90\x00"
#: INTERNAL AUTHENTICATE with the P-384 basic key: a 48-byte challenge, signed as a digest.
_CHALLENGE_ALGORITHM = ChallengeAlgorithm.SHA384
#: Files whose cached bytes stand only while :meth:`BeidCard.verify_integrity` accepts them.
_VERIFIED_FILES = (
    CardFile.IDENTITY, CardFile.IDENTITY_SIGNATURE, CardFile.ADDRESS, CardFile.ADDRESS_SIGNATURE,
    CardFile.PHOTO, CardFile.RRN_CERTIFICATE, CardFile.BASIC_PUBLIC_KEY,
)  # fmt: skip
#: Files holding one DER object followed by zero padding.
_DER_FILES = frozenset((*CERTIFICATE_FILES, CardFile.BASIC_PUBLIC_KEY, CardFile.TOKEN_INFO))
_TLV_FILES = frozenset((CardFile.IDENTITY, CardFile.ADDRESS))
_JPEG_START = b"\xff\xd8"
_JPEG_END = b"\xff\xd9"


def _is_reset(exc: CardRemovedError) -> bool:
    """True for a reset by another application (the card stayed in the reader)."""
    return isinstance(exc, CardResetError)


class _SessionScope:
    """One use of a :class:`BeidCard`: a transaction of its transport, the applet session started.

    Nested scopes share the transaction. Outside every scope another application may change
    the card's security environment, so the last one to end forgets what was armed. A removal
    seen on the way in or out drops the session state (the file cache too, unless the card was
    only reset). A class, not a generator, because every signature enters one.
    """

    __slots__ = ("_card", "_transaction")

    def __init__(self, card: BeidCard) -> None:
        self._card = card

    def __enter__(self) -> None:
        card = self._card
        if card._closed:
            raise TokenClosed("this card session is closed")
        try:
            if card._card_data is None:
                # A new applet session (first use, or after a removal dropped everything cached):
                # whatever card is in the reader now is welcome, its data will be read afresh.
                card._transport.connect()
            transaction = card._transport.transaction()
            transaction.__enter__()
            try:
                if card._card_data is None:
                    card._start()
            except BaseException as exc:
                transaction.__exit__(type(exc), exc, exc.__traceback__)
                raise
        except CardRemovedError as exc:
            card._forget(keep_files=_is_reset(exc))
            raise
        self._transaction = transaction
        card._depth += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        card = self._card
        card._depth -= 1
        if not card._depth:
            card._environment.armed = None
        try:
            self._transaction.__exit__(exc_type, exc, tb)
        except CardRemovedError as removed:
            card._forget(keep_files=_is_reset(removed))
            raise
        if isinstance(exc, CardRemovedError):
            card._forget(keep_files=_is_reset(exc))


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
        # The quirks: one wrapper each on the send path (eidlib.card.quirks).
        self.channel.wrap(SelectBeforeMse)
        self._environment = self.channel.wrap(
            lambda inner: SecurityEnvironment(inner, auth_key=KeyReference.AUTHENTICATION)
        )
        self._applet: Applet | None = None
        #: Signature length per key reference, once known from the key's certificate.
        self._signature_sizes: dict[int, int] = {}
        #: The applet facts per key once its certificate told the key type (see _signing_applet).
        self._key_applets: dict[KeyRole, Applet] = {}
        #: (role, hash, padding) -> (the applet facts it was chosen for, the recipe).
        self._recipes: dict[tuple[KeyRole, HashName | None, Padding], tuple[Applet, SigningRecipe]] = {}
        self.on_progress: ProgressCallback | None = None
        self._card_data: CardData | None = None
        self._files: dict[CardFile, bytes] = {}
        self._cache_serial: bytes | None = None
        self._identity: Identity | None = None
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
        self._applet = None
        self._signature_sizes.clear()
        self._key_applets.clear()
        self._environment.reset()
        self._auth_verified = False

    def _session(self) -> _SessionScope:
        """One transaction; (re)starts the applet session first when the card is new to us."""
        return _SessionScope(self)

    def _ensure_started(self) -> None:
        """Connect and start the applet session (select, card data) unless it is running."""
        with self._session():
            return

    def _start(self) -> None:
        answer = self.channel.transmit(commands.SELECT_APPLET)
        if answer.sw != SW.OK:
            raise NotABeidCard(f"the BELPIC applet cannot be selected (status {answer.sw:04X})", sw=answer.sw)
        data = self._read_card_data(extended=expects_extended_card_data(self._transport.atr))
        if self._cache_serial is not None and self._cache_serial != data.serial_number:
            self._files.clear()
            self._identity = None
        self._signature_sizes.clear()
        self._key_applets.clear()
        applet = Applet.from_card_data(data.raw, self._transport.atr)
        # The old-card pause and the authentication SE follow from the applet, read once
        # (an in-memory card has no slow chip to wait for).
        self.channel.wrong_le_delay = 0.0 if is_instant(self._transport) else applet.wrong_le_pause
        if applet.key_algorithm is not None:
            auth = self._recipe(applet, KeyRole.AUTHENTICATION, None, Padding.PKCS1V15)
            self._environment.auth_mse = self._mse_command(auth)
        self._applet = applet
        self._cache_serial = data.serial_number
        self._card_data = data

    def _read_card_data(self, *, extended: bool) -> CardData:
        if extended:
            answer = self.channel.transmit(commands.GET_CARD_DATA_EXTENDED)
            if answer.sw == SW.OK:
                return CardData.parse(answer.data)
        answer = self.channel.transmit(commands.GET_CARD_DATA)
        if answer.sw == BelpicSW.NOT_ACTIVATED:
            raise CardNotActivated("GET CARD DATA refused: the card is not activated")
        if answer.sw != SW.OK:
            raise NotABeidCard(f"GET CARD DATA failed with status {answer.sw:04X}", sw=answer.sw)
        return CardData.parse(answer.data)

    def _data(self) -> CardData:
        if self._card_data is None:
            self._ensure_started()
        assert self._card_data is not None
        return self._card_data

    @property
    def applet(self) -> Applet:
        """What this card's applet can do (version, key algorithm, PSS, basic key...), read once."""
        if self._applet is None:
            self._ensure_started()
        assert self._applet is not None
        return self._applet

    # -- card data ------------------------------------------------------------------------------

    @property
    def applet_version(self) -> str:
        """``"1.7"`` or ``"1.8"`` (from GET CARD DATA)."""
        return str(self.applet.version)

    @property
    def key_algorithm(self) -> Literal["rsa", "ec"]:
        """The user keys' algorithm: RSA on 1.7, ECDSA on 1.8, or what the authentication certificate
        shows once read (a re-keyed 1.7 card has EC keys); :class:`NotSupported` when unknown."""
        return "ec" if key_algorithm(self._signing_applet(KeyRole.AUTHENTICATION)) == "ec" else "rsa"

    @property
    def serial_number(self) -> str:
        """The card serial (GET CARD DATA bytes 0-15) in upper-case hex."""
        return self._data().serial_hex

    @property
    def atr(self) -> bytes:
        """The card's ATR."""
        return self._transport.atr

    def card_data(self, *, fresh: bool = True) -> CardData:
        """GET CARD DATA; on 1.8 a fresh extended read, so ``pin_tries_left`` is current.

        ``fresh=False`` returns the answer read when the session started (no APDU when it just did).
        """
        with self._session():
            assert self._card_data is not None
            if fresh and self.applet.extended_card_data:
                self._card_data = self._read_card_data(extended=True)
            return self._card_data

    # -- files ----------------------------------------------------------------------------------

    def _select(self, file: CardFile) -> None:
        checked(self.channel.transmit(commands.select_path(file.path)), file.value, Ins.SELECT)

    def _read_binary(self, file: CardFile) -> bytes:
        buffer = bytearray()
        limit: int | None = None
        while True:
            offset = len(buffer)
            length = READ_CHUNK if limit is None else min(READ_CHUNK, limit - offset)
            if length <= 0:
                break
            if offset > MAX_OFFSET:
                raise CardDataError(f"{file.label} is larger than READ BINARY can address")
            answer = self.channel.transmit(commands.read_binary(offset, length))
            if answer.sw == SW.WRONG_P1P2 and offset > 0:
                break  # offset past the end: the file ended on a chunk boundary
            data = checked(answer, f"reading {file.label}", Ins.READ_BINARY)
            if len(data) > length:
                raise CardDataError(f"{file.label}: card returned {len(data)} bytes for {length}")
            buffer += data
            if self.on_progress is not None:
                self.on_progress(file.label, len(buffer))
            if len(data) < length:
                break
            if file in _DER_FILES and limit is None:
                limit = self._der_limit(file, bytes(buffer))
        return bytes(buffer)

    @staticmethod
    def _der_limit(file: CardFile, head: bytes) -> int:
        """Stop after the DER: a certificate EF carries up to 2500 bytes of zero padding."""
        if is_empty(head):
            return len(head)
        if head[:1] != b"\x30":
            raise CardDataError(f"{file.label} does not hold a DER object")
        try:
            return declared_length(head)
        except BelpicFormatError as exc:
            raise CardDataError(f"{file.label}: {exc}") from exc

    def _required_tags(self, file: CardFile) -> set[int]:
        """The tags every card writes in a TLV file (the basic key hash on applets that have the key)."""
        if file is CardFile.ADDRESS:
            return {AddressTag.STREET_AND_NUMBER, AddressTag.ZIP, AddressTag.MUNICIPALITY}
        required: set[int] = {IdentityTag.NATIONAL_NUMBER, IdentityTag.PHOTO_HASH}
        if self.applet.basic_key:
            required.add(IdentityTag.BASIC_KEY_HASH)
        return required

    def _complete(self, file: CardFile, data: bytes) -> bytes:
        """The file as kept: only once it is as long as its own structure says (else :class:`GarbledAnswer`).

        DER files end where their DER length says (the padding after it is dropped); TLV files
        must parse to their end; the photo must end with the JPEG end marker. An empty
        certificate EF (no such certificate) holds 1300 or 2500 zeros, so it reads as a full
        chunk of zeros; an empty or short answer is a failed read.
        """
        if file in _DER_FILES:
            if is_empty(data):
                if len(data) < READ_CHUNK:
                    raise GarbledAnswer(f"{file.label}: the card answered {len(data)} empty bytes")
                return b""
            try:
                return trim_der(data)
            except BelpicFormatError as exc:
                raise GarbledAnswer(f"{file.label}: {exc}") from exc
        if file in _TLV_FILES:
            try:
                tags = {tag for tag, _ in parse_tlv(data)}
            except BelpicFormatError as exc:
                raise GarbledAnswer(f"{file.label}: {exc}") from exc
            missing = self._required_tags(file) - tags
            if missing:
                # Tags come in ascending order, so a read cut on a record boundary loses the last ones.
                raise GarbledAnswer(f"{file.label}: tag 0x{min(missing):02X} missing, the read was cut short")
        elif file is CardFile.PHOTO and not data.rstrip(b"\x00").endswith(_JPEG_END):
            raise GarbledAnswer(f"the photo ends before its JPEG end marker ({len(data)} bytes read)")
        return data

    def _read(self, file: CardFile) -> bytes:
        cached = self._files.get(file)
        if cached is not None:
            return cached
        try:
            self._select(file)
        except CardFileNotFound:
            if file.is_certificate:
                # Every BELPIC card has all five certificate EFs (empty ones are zero-filled).
                raise GarbledAnswer(f"{file.label}: the card said 'file not found' for a file it has") from None
            raise
        data = self._complete(file, self._read_binary(file))
        if data and file.is_certificate and any(self._files.get(other) == data for other in CERTIFICATE_FILES):
            # Two EFs never hold the same certificate: the SELECT did not reach the card.
            raise GarbledAnswer(f"{file.label}: the card answered with another file's certificate")
        self._files[file] = data
        if file is CardFile.AUTHENTICATION_CERTIFICATE or file is CardFile.SIGNATURE_CERTIFICATE:
            self._signature_sizes.clear()  # the key's own certificate now tells its size
            self._key_applets.clear()
        return data

    def _drop(self, *files: CardFile) -> None:
        """Forget cached files that failed a check, so the next call reads them again."""
        for file in files:
            self._files.pop(file, None)
        if CardFile.IDENTITY in files:
            self._identity = None

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
                try:
                    self._identity = Identity.parse(self._read(CardFile.IDENTITY))
                except CardDataError:
                    self._drop(CardFile.IDENTITY)
                    raise
            return self._identity

    def read_address(self) -> Address:
        """The address file, parsed."""
        with self._session():
            try:
                return Address.parse(self._read(CardFile.ADDRESS))
            except CardDataError:
                self._drop(CardFile.ADDRESS)
                raise

    def read_photo(self) -> bytes:
        """The JPEG photo, checked against the identity file's photo hash when that file was read.

        Without the identity file at hand the JPEG structure is checked (start and end markers).
        A photo that fails is not kept (:class:`GarbledAnswer`); :meth:`verify_integrity` is the
        full check against the National Register's signature.
        """
        with self._session():
            photo = self._read(CardFile.PHOTO)
            expected = self._identity.photo_hash if self._identity is not None else None
            if expected is not None:
                algorithm = PHOTO_HASHES.get(len(expected))
                if algorithm is not None and algorithm.digest(photo) != expected:
                    self._drop(CardFile.PHOTO)
                    raise GarbledAnswer("the photo read does not match the identity file's photo hash")
            elif not photo.startswith(_JPEG_START):
                self._drop(CardFile.PHOTO)
                raise GarbledAnswer("the photo read does not start like a JPEG")
            return photo

    def read_certificates(self) -> CardCertificates:
        """The five certificates as DER; ``None`` for an empty EF (kids cards, no signature cert)."""
        files = (
            CardFile.AUTHENTICATION_CERTIFICATE,
            CardFile.SIGNATURE_CERTIFICATE,
            CardFile.CA_CERTIFICATE,
            CardFile.ROOT_CERTIFICATE,
            CardFile.RRN_CERTIFICATE,
        )
        with self._session():
            found = [self._read(file) or None for file in files]
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
        basic_key = self.applet.basic_key
        if basic_key:
            files.append(CardFile.BASIC_PUBLIC_KEY)
        try:
            raw = self.read_files(tuple(files))
            return verify_integrity(
                identity=raw[CardFile.IDENTITY],
                identity_signature=raw[CardFile.IDENTITY_SIGNATURE],
                address=raw[CardFile.ADDRESS],
                address_signature=raw[CardFile.ADDRESS_SIGNATURE],
                rrn_certificate=raw[CardFile.RRN_CERTIFICATE],
                photo=raw[CardFile.PHOTO],
                basic_public_key=raw[CardFile.BASIC_PUBLIC_KEY] if basic_key else None,
            )
        except (IntegrityError, CardDataError):
            # A glitch in any of them looks like tampering: nothing of this check is kept.
            self._drop(*_VERIFIED_FILES)
            raise

    # -- PIN ------------------------------------------------------------------------------------

    def pinpad(self) -> PinPad | None:
        """The reader's PIN-pad features as it really behaves, or ``None`` without a PIN pad (probed once)."""
        if self._closed:
            raise TokenClosed("this card session is closed")
        if not self._pinpad_probed:
            self._pinpad_probed = True
            self._pinpad = None
            transport = self._transport
            if isinstance(transport, ControlTransport):
                self._pinpad = discover_pinpad(transport.control, self._transmit_bytes,
                                               getattr(transport, "reader_name", ""))
        return self._pinpad

    def _transmit_bytes(self, raw: bytes) -> bytes:
        """One command through the send path (the PPDU form of PIN-pad commands)."""
        with self._session():
            return self.channel.transmit_raw(raw).to_bytes()

    @property
    def pin_entry(self) -> PinEntry:
        """:attr:`PinEntry.PINPAD` when the reader verifies PINs itself, else :attr:`PinEntry.KEYBOARD`."""
        pad = self.pinpad()
        return PinEntry.PINPAD if pad is not None and pad.verify_code is not None else PinEntry.KEYBOARD

    def _control(self) -> ControlTransport:
        transport = self._transport
        if not isinstance(transport, ControlTransport):
            raise PinRequired()
        return transport

    def _send_pin_blocks(self, header: bytes, blocks: list[bytearray]) -> int:
        """Send VERIFY/CHANGE with PIN blocks; every buffer is wiped once sent; return the status word."""
        buffer = bytearray(header)
        try:
            for block in blocks:
                buffer += block
        finally:
            for block in blocks:
                block[:] = bytes(len(block))
        return self.channel.transmit_secret(buffer).sw

    def _send_pinpad(self, pad: PinPad, *, modify: bool) -> int:
        """A PIN-pad VERIFY/MODIFY through the send path (counted and traced like an APDU)."""
        self._control()
        return pad.run(self.channel.control, self._transmit_bytes, modify=modify, language=self._language)

    def _verify(self, pin: bytearray | None) -> None:
        """One VERIFY (keyboard PIN or PIN pad); never repeated on failure."""
        if pin is None:
            pad = self.pinpad()
            if pad is None or pad.verify_code is None:
                raise PinRequired()
            sw = self._send_pinpad(pad, modify=False)
        else:
            sw = self._send_pin_blocks(commands.verify_header(), [pin_block(pin)])
        self._check_pin_status(sw, Ins.VERIFY)

    def _check_pin_status(self, sw: int, ins: int) -> None:
        if sw == SW.OK:
            return
        failure = status_error(sw, "PIN command", ins)
        if isinstance(failure, (WrongPin, PinBlocked)):
            # A wrong PIN voids every access condition on the card (spec §4.3).
            self._auth_verified = False
        raise failure

    def verify_pin(self, pin: PinInput) -> None:
        """VERIFY the cardholder PIN (``None``: on the PIN pad). Unlocks the authentication key.

        Raises :class:`WrongPin` (with tries left), :class:`PinBlocked`, :class:`PinFormatError`
        (nothing sent), :class:`PinRequired` when ``pin`` is None and there is no PIN pad.
        """
        with held_pin(pin) as buffer:
            pin = None  # only the wiped copy stays: no frame of a failure holds the caller's PIN
            if buffer is None and self.pin_entry is not PinEntry.PINPAD:
                raise PinRequired()
            with self._session():
                self._verify(buffer)
                self._auth_verified = True

    def change_pin(self, old: PinInput, new: PinInput) -> None:
        """CHANGE REFERENCE DATA; both ``None`` means entering both PINs on the PIN pad."""
        if (old is None) != (new is None):
            raise PinFormatError("give both the old and the new PIN, or neither (PIN pad)")
        with held_pin(old) as old_buffer, held_pin(new) as new_buffer:
            old = new = None  # only the wiped copies stay in this frame
            pad = None
            if old_buffer is None or new_buffer is None:
                pad = self.pinpad()
                if pad is None or pad.modify_code is None:
                    raise PinRequired("changing the PIN needs the PINs (no PIN pad with MODIFY)")
            with self._session():
                if pad is not None and pad.modify_code is not None:
                    sw = self._send_pinpad(pad, modify=True)
                else:
                    assert old_buffer is not None and new_buffer is not None
                    blocks = [pin_block(old_buffer), pin_block(new_buffer)]
                    sw = self._send_pin_blocks(commands.change_header(), blocks)
                self._check_pin_status(sw, Ins.CHANGE_REFERENCE_DATA)
                self._auth_verified = True

    def pin_tries_left(self) -> int | None:
        """PIN tries left, without costing one (1.8: card data; 1.7: VERIFY with Lc=0).

        ``None`` on applets before 1.7, where a VERIFY without a PIN counts as a wrong PIN.
        """
        with self._session():
            assert self._card_data is not None
            if not self.applet.free_pin_status:
                return None
            if self.applet.extended_card_data:
                self._card_data = self._read_card_data(extended=True)
                if self._card_data.pin_tries_left is not None:
                    return self._card_data.pin_tries_left
            sw = self.channel.transmit(commands.PIN_STATUS).sw
        if sw == SW.OK:
            return PIN_TRIES
        counter = tries_left(sw)
        if counter is not None:
            return counter
        if sw == SW.AUTH_METHOD_BLOCKED:
            return 0
        if sw == BelpicSW.NOT_ACTIVATED:
            raise CardNotActivated("the card is not activated: it has no PIN counter yet", sw=sw)
        raise ApduError(sw, b"", Ins.VERIFY)

    def log_off(self) -> None:
        """LOG OFF: the card forgets every PIN verification."""
        with self._session():
            self.channel.send(commands.LOG_OFF)
            self._auth_verified = False

    @property
    def pin_verified(self) -> bool:
        """Whether this session verified the PIN for the authentication key (and has not lost it)."""
        return self._auth_verified

    # -- signing --------------------------------------------------------------------------------

    def _mse_command(self, plan: SigningPlan | SigningRecipe) -> bytes:
        """The encoded MSE:SET of a plan, built once per (algorithm, key)."""
        key = (plan.algorithm, plan.key_reference)
        raw = self._mse_cache.get(key)
        if raw is None:
            raw = self._mse_cache[key] = commands.mse_set(plan.algorithm, plan.key_reference).to_bytes()
        return raw

    def _mse(self, plan: SigningPlan) -> None:
        answer = self.channel.exchange(self._mse_command(plan))
        if answer[-2:] == _OK_ANSWER:
            return
        sw = (answer[-2] << 8) | answer[-1]
        if sw == BelpicSW.NOT_ACTIVATED:
            raise CardNotActivated("the card is not activated: it cannot sign yet", sw=sw)
        if sw == SW.REFERENCE_NOT_FOUND:  # a kids card has no non-repudiation key
            key_name = "signature" if plan.key_reference == KeyReference.NON_REPUDIATION else "authentication"
            raise KeyNotPresent(key_name, sw=sw)
        raise NotSupported(f"the card refused the signing environment ({sw:04X})")

    def _pso(self, plan: SigningPlan) -> bytes:
        answer = self.channel.exchange(commands.pso(plan.payload))
        if answer[-2:] != _OK_ANSWER:
            raise status_error((answer[-2] << 8) | answer[-1], "signing", Ins.PSO, answer[:-2])
        signature = answer[:-2]
        expected = self._signature_size(plan.key_reference)
        if len(signature) != expected and not self._curve_unknown(plan.key_reference, len(signature)):
            raise GarbledAnswer(f"the card returned a {len(signature)}-byte signature, the key makes {expected}")
        return signature

    def _curve_unknown(self, key_reference: int, size: int) -> bool:
        """An EC key whose certificate is not read yet: ``r || s`` of any curve the applet has is fine."""
        file = (CardFile.SIGNATURE_CERTIFICATE if key_reference == KeyReference.NON_REPUDIATION
                else CardFile.AUTHENTICATION_CERTIFICATE)
        return self.applet.key_algorithm == "ec" and not self._files.get(file) and size in EC_SIGNATURE_SIZES

    def _signature_size(self, key_reference: int) -> int:
        """Length of a signature by this key: from its certificate when read, else from the applet."""
        size = self._signature_sizes.get(key_reference)
        if size is not None:
            return size
        file = (CardFile.SIGNATURE_CERTIFICATE if key_reference == KeyReference.NON_REPUDIATION
                else CardFile.AUTHENTICATION_CERTIFICATE)
        der = self._files.get(file)
        if not der and self.applet.version < V17:
            # Pre-1.7 applets came with 1024- or 2048-bit keys: only the certificate tells.
            with contextlib.suppress(CardDataError, CardFileNotFound):
                der = self._read(file)
        if not der:
            # Remembered until the certificate is read (``_read`` forgets it then).
            size = self._signature_sizes[key_reference] = self.applet.signature_size
            return size
        try:
            public_key = certificate_public_key(der)
        except ValueError:
            return self.applet.signature_size
        if isinstance(public_key, rsa.RSAPublicKey):
            size = (public_key.key_size + 7) // 8
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            size = 2 * ((public_key.curve.key_size + 7) // 8)
        else:
            size = self.applet.signature_size
        self._signature_sizes[key_reference] = size
        return size

    def sign(
        self,
        data: bytes,
        *,
        key: KeyName = KeyRole.AUTHENTICATION,
        hash: HashName | None = None,
        pin: PinInput = None,
        prehashed: bool = False,
        padding: PaddingName = Padding.PKCS1V15,
    ) -> bytes:
        """Sign with a card key; returns raw bytes (RSA signature, or ``r || s`` for ECDSA).

        The authentication key is verified once per session ("PIN once"); the
        signature key gets MSE → VERIFY → PSO every time. ``pin=None`` uses an
        earlier verification or the reader's PIN pad.
        """
        role, pad_kind = key_role(key), padding_of(padding)
        if pin is None:  # the hot path of a session whose PIN was verified: no buffer to hold
            return self._sign_planned(role, data, hash, prehashed, pad_kind, None)
        with held_pin(pin) as buffer:
            pin = None  # only the wiped copy stays in this frame
            return self._sign_planned(role, data, hash, prehashed, pad_kind, buffer)

    def _sign_planned(
        self, role: KeyRole, data: bytes, hash: HashName | None, prehashed: bool, padding: Padding,
        pin: bytearray | None,
    ) -> bytes:
        if role not in self._key_applets and self.applet.user_key_from_certificate:
            # Refuse what no key of this applet can do before the certificate read that tells the key.
            self._recipe(self.applet, role, hash, padding)
        plan = self._recipe(self._signing_applet(role), role, hash, padding).plan(data, prehashed=prehashed)
        if plan.key_reference == KeyReference.NON_REPUDIATION:
            return self._sign_non_repudiation(plan, pin)
        return self._sign_authentication(plan, pin)

    def _sign_non_repudiation(self, plan: SigningPlan, pin: bytearray | None) -> bytes:
        if pin is None and self.pin_entry is not PinEntry.PINPAD:
            raise PinRequired("the signature key needs the PIN for every signature")
        with self._session():
            self._mse(plan)
            self._verify(pin)
            return self._pso(plan)

    def _sign_authentication(self, plan: SigningPlan, pin: bytearray | None) -> bytes:
        with self._session():
            verified_now = False
            if self._environment.armed != (plan.algorithm, plan.key_reference):
                self._mse(plan)
            if not self._auth_verified and (pin is not None or self.pin_entry is PinEntry.PINPAD):
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
        key: KeyName = KeyRole.AUTHENTICATION,
        hash: HashName | None = None,
        pin: PinInput = None,
        prehashed: bool = False,
        padding: PaddingName = Padding.PKCS1V15,
    ) -> bytes:
        """Like :meth:`sign`, with ECDSA signatures DER-encoded (RSA signatures are returned as is)."""
        raw = self.sign(data, key=key, hash=hash, pin=pin, prehashed=prehashed, padding=padding)
        return ecdsa_raw_to_der(raw) if self._signing_applet(key_role(key)).key_algorithm == "ec" else raw

    def _recipe(self, applet: Applet, role: KeyRole, hash: HashName | None, padding: Padding) -> SigningRecipe:
        """The signing recipe for these applet facts, chosen once per session and request kind."""
        key = (role, hash, padding)
        known = self._recipes.get(key)
        if known is not None and known[0] is applet:
            return known[1]
        recipe = signing_recipe(applet, key=role, hash=hash, padding=padding)
        self._recipes[key] = (applet, recipe)
        return recipe

    def _signing_applet(self, role: KeyRole) -> Applet:
        """The applet facts with the key as its certificate shows it (once the certificate is read).

        The version byte cannot tell a re-keyed 1.7 card (EC keys) or a P-256 card; the
        certificate can. A card without that certificate keeps the version's facts.
        """
        known = self._key_applets.get(role)
        if known is not None:
            return known
        file = CardFile.SIGNATURE_CERTIFICATE if role is KeyRole.SIGNATURE else CardFile.AUTHENTICATION_CERTIFICATE
        applet = self.applet
        der = self._files.get(file)
        if der is None and applet.user_key_from_certificate:
            # The version byte cannot tell (RSA-1024/2048 before 1.7, EC keys on a re-keyed 1.7
            # card): read the certificate once. A card without it keeps the version's facts.
            with self._session(), contextlib.suppress(CardFileNotFound):
                der = self._read(file)
        if not der:
            return applet
        try:
            public_key = certificate_public_key(der)
        except ValueError:
            return applet
        if isinstance(public_key, rsa.RSAPublicKey):
            applet = applet.with_user_key("rsa", public_key.key_size)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            applet = applet.with_user_key("ec", public_key.curve.key_size)
        self._key_applets[role] = applet
        if role is KeyRole.AUTHENTICATION and applet.key_algorithm is not None:
            # The SE restored before a VERIFY names the key's real algorithm from now on.
            self._environment.auth_mse = self._mse_command(self._recipe(applet, role, None, Padding.PKCS1V15))
        return applet

    # -- card authentication (1.8) --------------------------------------------------------------

    def authenticate_card(self, challenge: bytes) -> bytes:
        """Prove the card is genuine with the 1.8 basic key; return the raw ``r || s``.

        A 48-byte challenge is signed as is (the card treats it as a SHA-384
        digest); any other length is hashed with SHA-384 first. The signature is
        verified with EF 4040, whose SHA-384 must equal identity tag ``1A``;
        a mismatch raises :class:`IntegrityError`.
        """
        if not self.applet.basic_key:
            raise NotSupported("card authentication needs applet 1.8 (the 1.7 basic key is not published)")
        size = CHALLENGE_SIZES[_CHALLENGE_ALGORITHM]
        digest = challenge if len(challenge) == size else HashAlgorithm.SHA384.digest(challenge)
        with self._session():
            answer = self.channel.transmit(commands.internal_authenticate(_CHALLENGE_ALGORITHM, digest))
            signature = answer.check(Ins.INTERNAL_AUTHENTICATE)
            spki = self._read(CardFile.BASIC_PUBLIC_KEY)
            identity_raw = self._read(CardFile.IDENTITY)
        expected = Identity.parse(identity_raw).basic_key_hash
        if expected is None or HashAlgorithm.SHA384.digest(spki) != expected:
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

