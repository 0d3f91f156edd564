"""A stand-in for the official eID module (libbeidpkcs11, eid-mw) as beid-card.md §7 describes it.

The real module is not packaged for Debian, so its documented quirks are reproduced here behind the
same PyKCS11 surface ``Pkcs11Token`` uses: ``CKA_ID`` as an 8-byte little-endian ``CK_ULONG``, no
``CKA_ALWAYS_AUTHENTICATE`` attribute, ``CKU_CONTEXT_SPECIFIC`` refused with ``CKR_USER_TYPE_INVALID``,
a second ``C_Login`` answered ``CKR_OK``, no ``CKF_LOGIN_REQUIRED`` (the module asks for the PIN in
its own dialog when the card wants it), data objects only for ``CKA_CLASS=CKO_DATA`` searches, and the
applet 1.7 mechanism list. Signatures are real (``cryptography`` keys), so they can be verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import PyKCS11
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from eidlib.pkcs11.mechanisms import HASHES

MECHANISMS_17 = (
    PyKCS11.CKM_MD5, PyKCS11.CKM_SHA_1, PyKCS11.CKM_SHA256, PyKCS11.CKM_SHA384, PyKCS11.CKM_SHA512,
    PyKCS11.CKM_RIPEMD160, PyKCS11.CKM_RSA_PKCS, PyKCS11.CKM_MD5_RSA_PKCS, PyKCS11.CKM_SHA1_RSA_PKCS,
    PyKCS11.CKM_SHA256_RSA_PKCS, PyKCS11.CKM_SHA384_RSA_PKCS, PyKCS11.CKM_SHA512_RSA_PKCS,
    PyKCS11.CKM_RIPEMD160_RSA_PKCS, PyKCS11.CKM_SHA1_RSA_PKCS_PSS, PyKCS11.CKM_SHA256_RSA_PKCS_PSS,
)

_BY_MECHANISM: dict[int, tuple[str, bool]] = {
    PyKCS11.CKM_SHA1_RSA_PKCS: ("sha1", False), PyKCS11.CKM_SHA256_RSA_PKCS: ("sha256", False),
    PyKCS11.CKM_SHA384_RSA_PKCS: ("sha384", False), PyKCS11.CKM_SHA512_RSA_PKCS: ("sha512", False),
    PyKCS11.CKM_SHA1_RSA_PKCS_PSS: ("sha1", True), PyKCS11.CKM_SHA256_RSA_PKCS_PSS: ("sha256", True),
}
_HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


def native_id(number: int) -> bytes:
    return number.to_bytes(8, "little")


@dataclass
class OfficialModuleState:
    """Everything the fake module knows, and what it saw (for assertions)."""

    objects: dict[int, dict[int, Any]]
    keys: dict[int, rsa.RSAPrivateKey]
    pin: str = "1234"
    tries_left: int = 3
    logged_in: bool = False
    dialog: str = "ok"  # "ok": the module's PIN dialog succeeds; "cancel": the user cancels it
    pinpad: bool = False  # a PIN-pad reader: CKF_PROTECTED_AUTHENTICATION_PATH, C_Login with no PIN
    removed: bool = False
    calls: list[tuple[str, Any]] = field(default_factory=list)
    pins_seen: list[bytes] = field(default_factory=list)
    _active: tuple[int, int] | None = None


class _LowLevel:
    def __init__(self, state: OfficialModuleState) -> None:
        self.state = state

    def _gone(self) -> int | None:
        return PyKCS11.CKR_DEVICE_REMOVED if self.state.removed else None

    def C_GetMechanismList(self, slot: int, out: Any) -> int:
        for mechanism in MECHANISMS_17:
            out.append(mechanism)
        return int(PyKCS11.CKR_OK)

    def C_Login(self, session: int, user_type: int, pin: Any) -> int:
        state = self.state
        state.calls.append(("C_Login", user_type))
        if (gone := self._gone()) is not None:
            return gone
        if user_type not in (PyKCS11.CKU_USER, PyKCS11.CKU_SO):
            return int(PyKCS11.CKR_USER_TYPE_INVALID)
        if state.logged_in:
            return int(PyKCS11.CKR_OK)  # "Needed for Acrobat": a second C_Login does nothing
        state.pins_seen.append(bytes(pin))
        if state.pinpad and len(pin) == 0:
            pin = state.pin.encode()  # the user types the right PIN on the reader
        if state.tries_left == 0:
            return int(PyKCS11.CKR_PIN_LOCKED)
        if bytes(pin) != state.pin.encode():
            state.tries_left -= 1
            return int(PyKCS11.CKR_PIN_INCORRECT)
        state.tries_left = 3
        state.logged_in = True
        return int(PyKCS11.CKR_OK)

    def C_SetPIN(self, session: int, old: Any, new: Any) -> int:
        state = self.state
        state.calls.append(("C_SetPIN", None))
        state.pins_seen += [bytes(old), bytes(new)]
        if state.pinpad and len(old) == 0 and len(new) == 0:
            return int(PyKCS11.CKR_OK)  # both PINs typed on the reader
        if bytes(old) != state.pin.encode():
            state.tries_left -= 1
            return int(PyKCS11.CKR_PIN_INCORRECT)
        state.pin = bytes(new).decode("ascii")
        return int(PyKCS11.CKR_OK)

    def C_Logout(self, session: int) -> int:
        self.state.calls.append(("C_Logout", None))
        if (gone := self._gone()) is not None:
            return gone
        was, self.state.logged_in = self.state.logged_in, False
        return int(PyKCS11.CKR_OK if was else PyKCS11.CKR_USER_NOT_LOGGED_IN)

    def C_CloseSession(self, session: int) -> int:
        self.state.calls.append(("C_CloseSession", None))
        return int(PyKCS11.CKR_OK)

    def C_SignInit(self, session: int, mechanism: Any, key: int) -> int:
        self.state.calls.append(("C_SignInit", mechanism.mechanism))
        if (gone := self._gone()) is not None:
            return gone
        if mechanism.mechanism not in MECHANISMS_17 or key not in self.state.keys:
            return int(PyKCS11.CKR_MECHANISM_INVALID)
        self.state._active = (int(mechanism.mechanism), key)
        return int(PyKCS11.CKR_OK)

    def C_Sign(self, session: int, data: Any, out: Any) -> int:
        state = self.state
        if (gone := self._gone()) is not None:
            return gone
        if state._active is None:
            return int(PyKCS11.CKR_OPERATION_NOT_INITIALIZED)
        mechanism, key_handle = state._active
        if not state.logged_in or state.objects[key_handle][PyKCS11.CKA_ID] == native_id(3):
            # the card answers 6982: the module shows its own PIN dialog, then VERIFY and PSO
            state.calls.append(("dialog", key_handle))
            if state.dialog == "cancel":
                state._active = None
                return int(PyKCS11.CKR_FUNCTION_CANCELED)
        signature = self._sign(state.keys[key_handle], mechanism, bytes(data))
        if len(out) == 0:
            out.resize(len(signature))  # first call: the size only
            return int(PyKCS11.CKR_OK)
        state._active = None
        for index, value in enumerate(signature):
            out[index] = value
        return int(PyKCS11.CKR_OK)

    @staticmethod
    def _sign(key: rsa.RSAPrivateKey, mechanism: int, data: bytes) -> bytes:
        if mechanism == PyKCS11.CKM_RSA_PKCS:
            for spec in HASHES.values():
                if data.startswith(spec.digest_info_prefix) and len(data) == len(spec.digest_info_prefix) + spec.size:
                    digest = data[len(spec.digest_info_prefix):]
                    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(_HASH_CLASSES[spec.name]()))
            raise AssertionError("the fake only signs DigestInfo with CKM_RSA_PKCS")
        name, pss = _BY_MECHANISM[mechanism]
        algorithm = _HASH_CLASSES[name]()
        pad = padding.PSS(padding.MGF1(algorithm), algorithm.digest_size) if pss else padding.PKCS1v15()
        return key.sign(data, pad, algorithm)


class _Session:
    def __init__(self, state: OfficialModuleState) -> None:
        self.state = state
        self.session = 1

    def findObjects(self, template: list[tuple[int, Any]]) -> list[int]:
        if self.state.removed:
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_DEVICE_REMOVED)
        wanted = dict(template)
        found = []
        for handle, attributes in self.state.objects.items():
            if attributes[PyKCS11.CKA_CLASS] == PyKCS11.CKO_DATA and wanted.get(PyKCS11.CKA_CLASS) != PyKCS11.CKO_DATA:
                continue
            if all(attributes.get(name) == value for name, value in wanted.items()):
                found.append(handle)
        return found

    def getAttributeValue(self, handle: int, names: list[int]) -> list[Any]:
        if self.state.removed:
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_DEVICE_REMOVED)
        attributes = self.state.objects[handle]
        return [attributes.get(name) for name in names]  # absent attributes: None, as PyKCS11 gives


class OfficialModule:
    """Duck-typed ``PyKCS11.PyKCS11Lib`` with one slot holding an applet 1.7 card."""

    def __init__(self, state: OfficialModuleState) -> None:
        self.state = state
        self.lib = _LowLevel(state)

    def getSlotList(self, tokenPresent: bool = False) -> list[int]:
        return [0]

    def getSlotInfo(self, slot: int) -> Any:
        return SimpleNamespace(slotDescription="Fake Reader 00 00".ljust(64))

    def getTokenInfo(self, slot: int) -> Any:
        if self.state.removed:
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_TOKEN_NOT_PRESENT)
        flags = PyKCS11.CKF_WRITE_PROTECTED | PyKCS11.CKF_TOKEN_INITIALIZED | PyKCS11.CKF_USER_PIN_INITIALIZED
        if self.state.pinpad:
            flags |= PyKCS11.CKF_PROTECTED_AUTHENTICATION_PATH
        if self.state.tries_left == 0:
            flags |= PyKCS11.CKF_USER_PIN_LOCKED
        elif self.state.tries_left == 1:
            flags |= PyKCS11.CKF_USER_PIN_FINAL_TRY
        elif self.state.tries_left < 3:
            flags |= PyKCS11.CKF_USER_PIN_COUNT_LOW
        return SimpleNamespace(
            label="BELPIC".ljust(32), manufacturerID="Belgium Government".ljust(32),
            model="Belgium eID".ljust(16), serialNumber="534C57E68E34E812", flags=flags,
            ulMinPinLen=4, ulMaxPinLen=12, firmwareVersion=(0x17, 0),
        )

    def unload(self) -> None:
        self.state.calls.append(("unload", None))

    def openSession(self, slot: int, flags: int = 0) -> _Session:
        return _Session(self.state)


def build_state(certificates: dict[str, bytes], keys: dict[str, rsa.RSAPrivateKey],
                data_objects: dict[str, bytes]) -> OfficialModuleState:
    """Objects laid out as eid-mw does: certificates 2/3/4/6, private keys 2/3, data objects."""
    objects: dict[int, dict[int, Any]] = {}
    key_handles: dict[int, rsa.RSAPrivateKey] = {}
    handle = 100
    for label, number in (("Authentication", 2), ("Signature", 3), ("CA", 4), ("Root", 6)):
        handle += 1
        objects[handle] = {
            PyKCS11.CKA_CLASS: PyKCS11.CKO_CERTIFICATE, PyKCS11.CKA_LABEL: label,
            PyKCS11.CKA_ID: native_id(number), PyKCS11.CKA_VALUE: certificates[label],
        }
    for label, number in (("Authentication", 2), ("Signature", 3)):
        handle += 1
        objects[handle] = {
            PyKCS11.CKA_CLASS: PyKCS11.CKO_PRIVATE_KEY, PyKCS11.CKA_LABEL: label,
            PyKCS11.CKA_ID: native_id(number), PyKCS11.CKA_KEY_TYPE: PyKCS11.CKK_RSA,
        }
        key_handles[handle] = keys[label]
    for label, value in data_objects.items():
        handle += 1
        objects[handle] = {
            PyKCS11.CKA_CLASS: PyKCS11.CKO_DATA, PyKCS11.CKA_LABEL: label, PyKCS11.CKA_VALUE: value,
        }
    return OfficialModuleState(objects, key_handles)
