"""``Pkcs11Token``: the :class:`~eidlib.token.protocol.Token` surface over any PKCS#11 module (PyKCS11).

Works with the official eID module (libbeidpkcs11), OpenSC and, for tests, SoftHSM2 tokens provisioned
like an eID. Objects are found by label or ``CKA_ID`` (see :mod:`eidlib.pkcs11.objects`), mechanisms are
chosen from ``C_GetMechanismList`` (see :mod:`eidlib.pkcs11.mechanisms`), and every ``CKR_*`` becomes a
typed error (see :mod:`eidlib.pkcs11.errors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import PyKCS11
import PyKCS11.LowLevel

from eidlib.errors import EidError
from eidlib.pkcs11 import objects
from eidlib.pkcs11.errors import (
    ObjectNotFound,
    Pkcs11Error,
    Pkcs11ModuleLoadError,
    TokenNotPresent,
    error_for,
    raise_for,
)
from eidlib.pkcs11.mechanisms import (
    KeyKind,
    SignPlan,
    hash_spec,
    mechanism_name,
    plan_signature,
    raw_ecdsa_signature,
)
from eidlib.pkcs11.module import find_module
from eidlib.pkcs11.pin import PinRule, login_with, native_pin
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.token.errors import InvalidDigest, NotSupported, PinFormatError, PinRequired, TokenClosed
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

if TYPE_CHECKING:
    from eidlib.carddata.address import Address
    from eidlib.carddata.identity import Identity
    from eidlib.carddata.integrity import IntegrityResult

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: ``CKA_EC_PARAMS`` (named-curve OID, DER) → (coordinate size in bytes, default hash).
_CURVES: dict[bytes, tuple[int, HashName]] = {
    bytes.fromhex("06082a8648ce3d030107"): (32, "sha256"),
    bytes.fromhex("06052b81040022"): (48, "sha384"),
    bytes.fromhex("06052b81040023"): (66, "sha512"),
}


@dataclass(frozen=True)
class TokenInfo:
    """The ``CK_TOKEN_INFO`` fields a caller needs, padding stripped."""

    label: str
    manufacturer: str
    model: str
    serial: str
    flags: int
    min_pin_length: int
    max_pin_length: int
    firmware_version: tuple[int, int]

    @property
    def protected_authentication_path(self) -> bool:
        """True when the PIN is entered on a PIN pad or in the module's own dialog."""
        return bool(self.flags & PyKCS11.CKF_PROTECTED_AUTHENTICATION_PATH)


@dataclass(frozen=True)
class PrivateKey:
    """A private key found on the token."""

    handle: Any = field(repr=False)
    label: str
    kind: KeyKind
    always_authenticate: bool
    coordinate_size: int | None
    default_hash: HashName


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip(" \0")
    if value is None:
        return ""
    text: str = bytes(value).decode("utf-8", errors="replace")  # type: ignore[call-overload]
    return text.strip(" \0")


def _label_matches(token_label: str, wanted: str) -> bool:
    # OpenSC names tokens "<token label> (<PIN label>)"; the official module and SoftHSM use the label alone
    have = objects.normalize_label(token_label)
    want = objects.normalize_label(wanted)
    return have == want or have.startswith(want + " (")


class Pkcs11Token:
    """One token (slot) of a loaded PKCS#11 module, with an open session. Use as a context manager.

    Implements :class:`eidlib.token.protocol.Token`; also reads the eID data objects where the module
    exposes them (the official module does, OpenSC and SoftHSM do not).
    """

    def __init__(self, lib: PyKCS11.PyKCS11Lib, module_path: str, slot: int) -> None:
        self._lib = lib
        self.module_path = module_path
        self.slot = slot
        self._session: Any = None
        self._logged_in = False
        self._mechanisms: frozenset[int] | None = None
        # Key handles found once per login state: a signature then costs C_SignInit + C_Sign only.
        self._keys: dict[str, PrivateKey] = {}
        # Serialises this object's multi-call operations (login then sign) between threads.
        self._lock = threading.RLock()
        self._session = self._call("C_OpenSession", lambda: lib.openSession(slot))
        try:
            self.info = self._token_info()
        except BaseException:
            self.close()
            raise
        self.pin_rule = PinRule.for_token(
            belpic=objects.is_belpic_label(self.info.label),
            min_length=self.info.min_pin_length,
            max_length=self.info.max_pin_length,
        )

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> Pkcs11Token:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Log out (when this object logged in), close the session and release the module (``C_Finalize``
        once no other token of this process uses it). Safe to call twice."""
        session, self._session = self._session, None
        if session is None:
            return
        lib = self._lib.lib
        if self._logged_in:
            self._logged_in = False
            lib.C_Logout(session.session)
        # return values ignored on purpose: a token removed meanwhile cannot fail its own clean-up
        lib.C_CloseSession(session.session)
        # Unload now rather than whenever the garbage collector runs: a module finalised later (OpenSC
        # disconnecting from pcscd) could disturb another program's card session at a random moment.
        self._lib.unload()

    @property
    def protected_authentication_path(self) -> bool:
        """True when the PIN is entered on a PIN pad or in the module's own dialog (``pin=None`` then)."""
        return self.info.protected_authentication_path

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._session is None

    @property
    def pin_entry(self) -> PinEntry:
        """:attr:`PinEntry.PINPAD` with a protected authentication path (PIN pad or module dialog)."""
        self._handle()
        return PinEntry.PINPAD if self.protected_authentication_path else PinEntry.KEYBOARD

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive use of this token object across several calls (nestable).

        PKCS#11 offers no card-level lock, so this holds a lock shared by the threads using this object;
        the module itself serialises its access to the card.
        """
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._handle()
            yield

    # ----------------------------------------------------------------- plumbing

    def _call(self, function: str, thunk: Callable[[], _T]) -> _T:
        try:
            return thunk()
        except PyKCS11.PyKCS11Error as exc:
            raise error_for(exc.value, function, tries_left=self._tries_left_quietly) from None

    def _handle(self) -> Any:
        if self._session is None:
            raise TokenClosed("the PKCS#11 token is closed")
        return self._session

    def _token_info(self) -> TokenInfo:
        raw = self._call("C_GetTokenInfo", lambda: self._lib.getTokenInfo(self.slot))
        return TokenInfo(
            label=_text(raw.label),
            manufacturer=_text(raw.manufacturerID),
            model=_text(raw.model),
            serial=_text(raw.serialNumber),
            flags=int(raw.flags),
            min_pin_length=int(raw.ulMinPinLen),
            max_pin_length=int(raw.ulMaxPinLen),
            firmware_version=(int(raw.firmwareVersion[0]), int(raw.firmwareVersion[1])),
        )

    def _tries_left_quietly(self) -> int | None:
        try:
            return self.pin_tries_left()
        except EidError:  # asked while building another error: the first failure is what counts
            return None

    def _find(self, template: Sequence[tuple[int, Any]]) -> list[Any]:
        session = self._handle()
        return self._call("C_FindObjects", lambda: session.findObjects(list(template)))

    def _attributes(self, handle: Any, attributes: Sequence[int]) -> list[Any]:
        session = self._handle()
        return self._call("C_GetAttributeValue", lambda: session.getAttributeValue(handle, list(attributes)))

    # ----------------------------------------------------------------- token facts

    @property
    def mechanisms(self) -> frozenset[int]:
        """The mechanism numbers the slot offers (``C_GetMechanismList``, read once)."""
        if self._mechanisms is None:
            found = PyKCS11.LowLevel.ckulonglist()
            raise_for(self._lib.lib.C_GetMechanismList(self.slot, found), "C_GetMechanismList")
            self._mechanisms = frozenset(int(m) for m in found)
        return self._mechanisms

    def _flags(self) -> int:
        return int(self._call("C_GetTokenInfo", lambda: self._lib.getTokenInfo(self.slot)).flags)

    def pin_tries_left(self) -> int | None:
        """0 when the token flags the PIN locked, 1 on the final try, else ``None`` (the token does not say).

        ``CKF_USER_PIN_COUNT_LOW`` only says "fewer than the maximum", so it gives no exact number.
        """
        self._handle()
        flags = self._flags()
        if flags & PyKCS11.CKF_USER_PIN_LOCKED:
            return 0
        if flags & PyKCS11.CKF_USER_PIN_FINAL_TRY:
            return 1
        return None

    def pin_count_low(self) -> bool:
        """True when the token flags at least one wrong PIN since the last correct one."""
        flags = self._flags()
        return bool(flags & (PyKCS11.CKF_USER_PIN_COUNT_LOW | PyKCS11.CKF_USER_PIN_FINAL_TRY))

    # ----------------------------------------------------------------- PIN

    def verify_pin(self, pin: PinInput) -> None:
        """``C_Login`` as the user. ``None`` uses the PIN pad or the module's own dialog when the token
        has a protected authentication path (else :class:`PinRequired`). Never retried; the PIN is
        checked first, and every copy made of it (``bytearray`` and native buffer) is wiped after."""
        with held_pin(pin, self.pin_rule.check) as buffer:
            pin = None  # only the wiped copy stays in this frame
            self._login(buffer)

    def _login(self, pin: bytearray | None) -> None:
        session = self._handle()
        if pin is None and self.pin_entry is not PinEntry.PINPAD:
            raise PinRequired("this token has no PIN pad or PIN dialog; give the PIN")
        lib = self._lib.lib
        # Log out first, whoever logged in: login state is shared by every session of the process, and
        # the official module answers a second C_Login with CKR_OK without checking anything.
        self._logged_in = False
        self._keys.clear()
        rv = lib.C_Logout(session.session)
        if rv != PyKCS11.CKR_USER_NOT_LOGGED_IN:
            raise_for(rv, "C_Logout")
        rv = login_with(lambda buffer: int(lib.C_Login(session.session, PyKCS11.CKU_USER, buffer)), pin)
        raise_for(rv, "C_Login", tries_left=self._tries_left_quietly)
        self._logged_in = True

    def change_pin(self, old: PinInput, new: PinInput) -> None:
        """``C_SetPIN`` in a read-write session: both PINs checked against the token's rule first,
        never retried, their copies wiped. Both ``None`` lets a protected authentication path (PIN pad)
        ask for them. A wrong ``old`` raises :class:`WrongPin`."""
        self._handle()
        if (old is None) != (new is None):
            raise PinFormatError("give both the old and the new PIN, or neither (PIN pad)")
        if old is None and self.pin_entry is not PinEntry.PINPAD:
            raise PinRequired("changing the PIN needs the PINs (no PIN pad or PIN dialog)")
        with held_pin(old, self.pin_rule.check) as old_pin, held_pin(new, self.pin_rule.check) as new_pin:
            old = new = None  # only the wiped copies stay in this frame
            session = self._call(
                "C_OpenSession", lambda: self._lib.openSession(self.slot, PyKCS11.CKF_RW_SESSION)
            )
            lib = self._lib.lib
            try:
                if old_pin is None or new_pin is None:
                    empty = PyKCS11.LowLevel.ckbytelist(0)
                    rv = lib.C_SetPIN(session.session, empty, empty)
                else:
                    with native_pin(old_pin) as old_buffer, native_pin(new_pin) as new_buffer:
                        rv = lib.C_SetPIN(session.session, old_buffer, new_buffer)
            finally:
                lib.C_CloseSession(session.session)
        raise_for(rv, "C_SetPIN", tries_left=self._tries_left_quietly)

    def log_off(self) -> None:
        """``C_Logout`` (sends LOG OFF on the official module). No error when not logged in."""
        session = self._handle()
        self._logged_in = False
        self._keys.clear()
        rv = self._lib.lib.C_Logout(session.session)
        if rv != PyKCS11.CKR_USER_NOT_LOGGED_IN:
            raise_for(rv, "C_Logout")

    # ----------------------------------------------------------------- objects

    def read_certificates(self) -> CardCertificates:
        """The eID certificates found by label (Authentication/Signature/CA/Root) or ``CKA_ID`` (2/3/4/6);
        the RRN certificate from the ``CERT_RN_FILE`` data object when the module has one."""
        found: list[tuple[str, bytes | None, bytes]] = []
        for handle in self._find([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE)]):
            label, ckattr_id, value = self._attributes(
                handle, [PyKCS11.CKA_LABEL, PyKCS11.CKA_ID, PyKCS11.CKA_VALUE]
            )
            if value is None:
                continue
            found.append((_text(label), None if ckattr_id is None else bytes(ckattr_id), bytes(value)))

        def pick(role: objects.ObjectRole) -> bytes | None:
            for by_label in (True, False):
                for label, ckattr_id, value in found:
                    hit = (
                        objects.normalize_label(label) == role.label.casefold()
                        if by_label
                        else objects.decode_ckattr_id(ckattr_id) == role.id
                    )
                    if hit:
                        return objects.der_trimmed(value, f"certificate {role.label}")
            return None

        if not found and not self._logged_in and self._flags() & PyKCS11.CKF_LOGIN_REQUIRED:
            # OpenSC marks an applet 1.7 card's certificates private, as the card's CDF does
            raise PinRequired("this module shows the certificates only after verify_pin")
        rrn = self._data_object(objects.CERT_RN_FILE)
        return CardCertificates(
            authentication=pick(objects.KEYS["authentication"]),
            signature=pick(objects.KEYS["signature"]),
            ca=pick(objects.CA_CERT),
            root=pick(objects.ROOT_CERT),
            rrn=objects.der_trimmed(rrn, "RRN certificate") if rrn else None,
        )

    def _data_object(self, label: str) -> bytes | None:
        handles = self._find([(PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA), (PyKCS11.CKA_LABEL, label)])
        for handle in handles:
            (value,) = self._attributes(handle, [PyKCS11.CKA_VALUE])
            if value is not None:
                return bytes(value)
        return None

    def read_data_object(self, label: str) -> bytes:
        """The value of the ``CKO_DATA`` object with this label (``DATA_FILE``, ``ADDRESS_FILE``, ...)."""
        value = self._data_object(label)
        if value is None:
            raise ObjectNotFound(f"the token has no data object {label!r} (only the official eID module has)")
        return value

    def read_identity(self) -> Identity:
        """The identity file (``DATA_FILE``), parsed."""
        from eidlib.carddata.identity import Identity

        return Identity.parse(self.read_data_object(objects.DATA_FILE))

    def read_address(self) -> Address:
        """The address file (``ADDRESS_FILE``), parsed."""
        from eidlib.carddata.address import Address

        return Address.parse(self.read_data_object(objects.ADDRESS_FILE))

    def read_photo(self) -> bytes:
        """The JPEG photo (``PHOTO_FILE``)."""
        return self.read_data_object(objects.PHOTO_FILE)

    def verify_integrity(self) -> IntegrityResult:
        """Check identity, address and photo (and on applet 1.8 the basic key) against the National
        Register signatures, from the module's data objects (the official module exposes them)."""
        from eidlib.carddata.integrity import verify_integrity

        return verify_integrity(
            identity=self.read_data_object(objects.DATA_FILE),
            identity_signature=self.read_data_object(objects.SIGN_DATA_FILE),
            address=self.read_data_object(objects.ADDRESS_FILE),
            address_signature=self.read_data_object(objects.SIGN_ADDRESS_FILE),
            rrn_certificate=self.read_data_object(objects.CERT_RN_FILE),
            photo=self.read_data_object(objects.PHOTO_FILE),
            basic_public_key=self._data_object(objects.BASIC_KEY_FILE),
        )

    def private_key(self, key: KeyName) -> PrivateKey:
        """The private key for ``key``, by label first, then by ``CKA_ID``.

        Raises :class:`~eidlib.token.errors.PinRequired` when none is visible, nobody logged in and the token
        says it needs a login (private objects are hidden until then), else :class:`NotSupported`.
        """
        cached = self._keys.get(key)
        if cached is not None:
            return cached
        role = objects.KEYS.get(key)
        if role is None:
            raise NotSupported(f"unknown key {key!r}; use 'authentication' or 'signature'")
        candidates: list[tuple[Any, str, bytes | None]] = []
        for handle in self._find([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)]):
            label, ckattr_id = self._attributes(handle, [PyKCS11.CKA_LABEL, PyKCS11.CKA_ID])
            candidates.append((handle, _text(label), None if ckattr_id is None else bytes(ckattr_id)))
        chosen = next((c for c in candidates if role.matches(c[1], None)), None)
        if chosen is None:
            chosen = next((c for c in candidates if objects.decode_ckattr_id(c[2]) == role.id), None)
        if chosen is None:
            if not self._logged_in and not candidates and self._flags() & PyKCS11.CKF_LOGIN_REQUIRED:
                raise PinRequired(
                    f"no {key} key visible; verify the PIN first (private keys may be hidden until then)"
                )
            raise NotSupported(f"the token offers no usable {key} key")
        handle, label, _ = chosen
        key_type, always = self._attributes(handle, [PyKCS11.CKA_KEY_TYPE, PyKCS11.CKA_ALWAYS_AUTHENTICATE])
        if key_type == PyKCS11.CKK_RSA:
            found = PrivateKey(handle, label, KeyKind.RSA, bool(always), None, "sha256")
        elif key_type == PyKCS11.CKK_EC:
            # CKA_EC_PARAMS only for EC keys: asking an RSA key for it costs a slow fallback read.
            (ec_params,) = self._attributes(handle, [PyKCS11.CKA_EC_PARAMS])
            curve = _CURVES.get(bytes(ec_params or b""))
            if curve is None:
                found = PrivateKey(handle, label, KeyKind.EC, bool(always), None, "sha384")
            else:
                found = PrivateKey(handle, label, KeyKind.EC, bool(always), curve[0], curve[1])
        else:
            raise NotSupported(f"the {key} key has an unsupported type (CKA_KEY_TYPE {key_type!r})")
        self._keys[key] = found
        return found

    # ----------------------------------------------------------------- signing

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
        """Sign with the token's key: PKCS#1 (v1.5 or PSS) for RSA, raw ``r || s`` for ECDSA.

        With ``pin`` the PIN is verified first (``C_Login``); a key with ``CKA_ALWAYS_AUTHENTICATE`` also
        gets a context-specific login. Without it an earlier :meth:`verify_pin`, a PIN pad or the
        module's own dialog (official module, signature key) is relied on.
        """
        role, pad_kind = key_role(key), padding_of(padding)
        # refuse what can never work before the PIN is used
        if hash is not None:
            spec = hash_spec(hash)
            if prehashed and len(data) != spec.size:
                raise InvalidDigest(f"a {spec.name} digest is {spec.size} bytes, got {len(data)}")
        with self.transaction(), held_pin(pin, self.pin_rule.check) as buffer:
            pin = None  # only the wiped copy stays in this frame
            return self._sign(data, role, hash, buffer, prehashed, pad_kind)

    def _sign(
        self, data: bytes, key: KeyRole, hash: HashName | None, pin: bytearray | None, prehashed: bool,
        padding: Padding,
    ) -> bytes:
        if pin is not None:
            self._login(pin)
        private = self.private_key(key)
        spec = hash_spec(hash or private.default_hash)
        plan = plan_signature(private.kind, spec, padding, prehashed=prehashed, available=self.mechanisms)
        payload = plan.sign_input(bytes(data), prehashed=prehashed)
        if private.always_authenticate and pin is None and not self.info.protected_authentication_path:
            raise PinRequired(f"the {key} key needs the PIN for every signature; pass pin=")
        log.debug("signing with %s key using %s", key, mechanism_name(plan.mechanism))
        try:
            signature = self._sign_once(private, plan, payload, pin if private.always_authenticate else None)
        except EidError as exc:
            # The handle may be stale (token removed, session reopened): find the key again next time.
            self._keys.pop(key, None)
            if isinstance(exc, NotSupported) and key == "signature" and isinstance(exc.__cause__, Pkcs11Error):
                raise NotSupported(
                    f"the module refuses to sign with the non-repudiation key ({exc}); OpenSC does so by "
                    "design: use the official eID module for qualified signatures"
                ) from exc.__cause__
            raise
        if private.kind is KeyKind.EC:
            return raw_ecdsa_signature(signature, private.coordinate_size)
        return signature

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
        return ecdsa_raw_to_der(raw) if self.private_key(key_role(key)).kind is KeyKind.EC else raw

    def _sign_once(
        self, private: PrivateKey, plan: SignPlan, payload: bytes, context_pin: bytearray | None
    ) -> bytes:
        session = self._handle()
        lib = self._lib.lib
        has_parameters = plan.pss
        mechanism = plan.native()
        native = mechanism.to_native()
        rv = lib.C_SignInit(session.session, native, private.handle)
        if rv == PyKCS11.CKR_ARGUMENTS_BAD and has_parameters:
            # SoftHSM answers this (not CKR_MECHANISM_PARAM_INVALID) to PSS parameters it cannot use
            rv = PyKCS11.CKR_MECHANISM_PARAM_INVALID
        raise_for(rv, "C_SignInit")
        if private.always_authenticate:
            rv = login_with(
                lambda buffer: int(lib.C_Login(session.session, PyKCS11.CKU_CONTEXT_SPECIFIC, buffer)),
                context_pin,
            )
            if rv != PyKCS11.CKR_OK:
                # the signing operation is still active: a fresh session is the clean way to drop it
                self._reopen()
                raise_for(rv, "C_Login", tries_left=self._tries_left_quietly)
        data = PyKCS11.ckbytelist(payload)
        out = PyKCS11.ckbytelist()
        raise_for(lib.C_Sign(session.session, data, out), "C_Sign")
        raise_for(lib.C_Sign(session.session, data, out), "C_Sign")
        return bytes(out)

    def _reopen(self) -> None:
        old, self._session = self._session, None
        self._logged_in = False
        self._keys.clear()
        if old is not None:
            self._lib.lib.C_CloseSession(old.session)
        self._session = self._call("C_OpenSession", lambda: self._lib.openSession(self.slot))


def _slot_labels(lib: PyKCS11.PyKCS11Lib, slots: Sequence[int]) -> Iterator[tuple[int, str, str]]:
    """(slot, token label, slot description) of each slot; the description is the PC/SC reader name."""
    for slot in slots:
        try:
            yield slot, _text(lib.getTokenInfo(slot).label), _text(lib.getSlotInfo(slot).slotDescription)
        except PyKCS11.PyKCS11Error:
            continue  # a slot whose token vanished while we listed: not a candidate


@contextmanager
def _loaded(path: str) -> Iterator[PyKCS11.PyKCS11Lib]:
    lib = PyKCS11.PyKCS11Lib()
    try:
        lib.load(path)
    except PyKCS11.PyKCS11Error as exc:
        raise Pkcs11ModuleLoadError(path, str(exc)) from None
    try:
        yield lib
    except BaseException:
        lib.unload()  # no token took the module over: release it now (see Pkcs11Token.close)
        raise


def open_token(
    module: str | None = None,
    *,
    token_label: str | None = "BELPIC",
    slot: int | None = None,
    reader: str | None = None,
) -> Pkcs11Token:
    """Load ``module`` (found with :func:`~eidlib.pkcs11.module.find_module` when ``None``) and open the
    token labelled ``token_label`` (padding and OpenSC's " (PIN name)" suffix ignored; ``None`` takes the
    first token), or the token in ``slot``. ``reader`` further restricts the choice to the slot whose
    description is that PC/SC reader name (the official module and OpenSC name slots after readers).
    Use the result as a context manager.
    """
    path = module or find_module()
    with _loaded(path) as lib:
        try:
            present = list(lib.getSlotList(tokenPresent=True))
        except PyKCS11.PyKCS11Error as exc:
            raise error_for(exc.value, "C_GetSlotList") from None
        labels = list(_slot_labels(lib, present))
        seen = [label for _, label, _ in labels]
        if slot is not None:
            if slot not in present:
                raise TokenNotPresent(f"in slot {slot}", seen)
            return Pkcs11Token(lib, path, slot)
        for candidate, label, description in labels:
            if reader is not None and description != reader.strip():
                continue
            if token_label is None or _label_matches(label, token_label):
                return Pkcs11Token(lib, path, candidate)
        wanted = repr(token_label) if token_label else "(any label)"
        raise TokenNotPresent(f"{wanted} in reader {reader!r}" if reader else wanted, seen)
