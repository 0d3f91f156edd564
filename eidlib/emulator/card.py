"""The virtual BELPIC applet: :class:`VirtualCard` answers raw command APDUs like a real eID card.

Both profiles of the spec are modelled: applet 1.7 (RSA-2048, ATR
``3B 98 13 40 0A A5 03 01 01 01 AD 13 11``) and applet 1.8 (ECDSA P-384, basic
key and EF 4040, ATR ``3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 00``).
The card behaves like a T=0 card: PSO:CDS and INTERNAL AUTHENTICATE answer
``61xx`` and the host fetches the result with GET RESPONSE; a wrong Le gives
``6Cxx``. :meth:`VirtualCard.process` never raises: every input gets a status word.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from eidlib.apdu.status import SW
from eidlib.belpic.atr import ATR_17, ATR_18
from eidlib.belpic.card_data import AppletVersion, LifeCycle
from eidlib.belpic.files import APPLET_AID, IDFILES_AID, PKCS15_AID, FileId
from eidlib.belpic.ins import CARD_DATA_EXTENDED, CLA_ISO, CLA_PROPRIETARY, MSE_SET_DST, PSO_CDS, Ins
from eidlib.belpic.keys import (
    CHALLENGE_SIZES,
    CHALLENGE_TAG,
    MSE_ALGORITHM_TAG,
    MSE_DATA_TAG,
    MSE_KEY_TAG,
    KeyReference,
)
from eidlib.belpic.pin import PIN_BLOCK_LENGTH, PIN_REFERENCE
from eidlib.belpic.tlv import tlv_spans
from eidlib.emulator.faults import Faults
from eidlib.emulator.filesystem import FileSystem, build_filesystem
from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.persona import Persona
from eidlib.emulator.security import SecurityEnvironment, SecurityState
from eidlib.emulator.signing import EC_HASH_LENGTHS, RSA_ALGORITHMS, EcSigner, Signer, signer_for

ATR: dict[Profile, bytes] = {"1.7": ATR_17, "1.8": ATR_18}
APPLET_VERSION: dict[Profile, AppletVersion] = {"1.7": AppletVersion.V17, "1.8": AppletVersion.V18}
#: GET CARD DATA bytes 22..26: global OS version, applet interface version, PKCS#1 support,
#: key exchange version (spec §3.7).
_CARD_DATA_TAIL = {"1.7": bytes.fromhex("0003002101"), "1.8": bytes.fromhex("0001000002")}
#: Bytes 16..20: component code, OS number, OS version, softmask number, softmask version.
_DEFAULT_CHIP_INFO = bytes.fromhex("D000480101")

#: The commands a card whose applet is not activated still answers; the rest get 6D00.
_PRE_ISSUANCE_INS = frozenset((Ins.SELECT, Ins.GET_RESPONSE, Ins.GET_CARD_DATA))

_SHORT_LE_MAX = 256
_TLV_FILES = frozenset((FileId.IDENTITY, FileId.ADDRESS))


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


OK = _sw(SW.OK)
WRONG_LENGTH = _sw(SW.WRONG_LENGTH)
WRONG_P1P2 = _sw(SW.WRONG_P1P2)
INCORRECT_P1P2 = _sw(SW.INCORRECT_P1P2)
INCORRECT_DATA = _sw(SW.INCORRECT_DATA)
FILE_NOT_FOUND = _sw(SW.FILE_NOT_FOUND)
LC_INCONSISTENT = _sw(SW.LC_INCONSISTENT)
REFERENCE_NOT_FOUND = _sw(SW.REFERENCE_NOT_FOUND)
CONDITIONS_NOT_SATISFIED = _sw(SW.CONDITIONS_NOT_SATISFIED)
SECURITY_STATUS_NOT_SATISFIED = _sw(SW.SECURITY_STATUS_NOT_SATISFIED)
NO_CURRENT_EF = _sw(SW.NO_CURRENT_EF)
INS_NOT_SUPPORTED = _sw(SW.INS_NOT_SUPPORTED)
CLA_NOT_SUPPORTED = _sw(SW.CLA_NOT_SUPPORTED)
CLA_NOT_SUPPORTED_17 = _sw(SW.CLA_NOT_SUPPORTED_17)
RECORD_NOT_FOUND = _sw(SW.RECORD_NOT_FOUND)
RECORD_ON_NON_STRUCTURED_EF = _sw(SW.RECORD_ON_NON_STRUCTURED_EF)
#: ISO "no precise diagnosis" for an internal failure of the emulator (never expected).
TECHNICAL_PROBLEM = _sw(SW.TECHNICAL_PROBLEM)

Data = memoryview
Handler = Callable[[int, int, Data, "int | None"], bytes]


def _more_data(length: int) -> bytes:
    """``61xx``: xx bytes wait for GET RESPONSE (``00`` = 256 or more)."""
    return bytes((0x61, length & 0xFF if length < _SHORT_LE_MAX else 0))


def _wrong_le(available: int) -> bytes:
    """``6Cxx``: resend with Le = xx."""
    return bytes((0x6C, available & 0xFF))


class VirtualCard:
    """A BELPIC card in memory.

    Without ``image`` the contents come from
    :func:`eidlib.emulator.personalise.personalise` with the other arguments. With an
    ``image`` the profile, PIN and activation state are the image's.

    Interface for transports: :attr:`atr`, :meth:`power_on`, :meth:`reset`,
    :meth:`power_off`, :meth:`process`. For tests: :attr:`pin_tries_left`,
    :attr:`apdu_count`, :attr:`faults`, :attr:`security`, :attr:`filesystem`.
    """

    def __init__(
        self,
        profile: Profile = "1.8",
        persona: Persona | None = None,
        pin: str = "1234",
        *,
        seed: str = "eidlib-test",
        kids: bool = False,
        activated: bool = True,
        image: CardImage | None = None,
    ) -> None:
        if image is None:
            from eidlib.emulator.personalise import personalise

            image = personalise(profile, persona, pin=pin, seed=seed, kids=kids, activated=activated)
        self.image = image
        self.profile: Profile = image.profile
        self.atr: bytes = ATR[self.profile]
        self.activated = image.activated
        self.filesystem: FileSystem = build_filesystem(image)
        self.security = SecurityState(image.pin, profile=self.profile,
                                      empty_verify_counts=bool(image.extra.get("empty_verify_counts")))
        self.faults = Faults(self.filesystem)
        self.apdu_count = 0
        #: Exceptions caught inside :meth:`process` (answered 6F00); stays 0 unless the emulator has a bug.
        self.internal_errors = 0
        self.powered = False
        self._pending: bytes | None = None
        self._signers: dict[int, Signer] = {}
        for ref, key in ((KeyReference.AUTHENTICATION, image.authentication_key),
                         (KeyReference.NON_REPUDIATION, image.signature_key),
                         (KeyReference.BASIC, image.basic_key)):
            if key is not None:
                self._signers[ref] = signer_for(key)
        # The MSE algorithms follow the user keys (a re-keyed 1.7 card has EC keys on the 1.7 applet).
        user_keys = [s for ref, s in self._signers.items() if ref != KeyReference.BASIC]
        ec_keys = any(isinstance(s, EcSigner) for s in user_keys) if user_keys else self.profile == "1.8"
        self._algorithms = frozenset(EC_HASH_LENGTHS) if ec_keys else RSA_ALGORITHMS
        self._card_data = self._build_card_data()
        self._handlers: dict[int, tuple[int, Handler]] = {
            Ins.SELECT: (CLA_ISO, self._select),
            Ins.READ_BINARY: (CLA_ISO, self._read_binary),
            Ins.GET_RESPONSE: (CLA_ISO, self._get_response),
            Ins.VERIFY: (CLA_ISO, self._verify),
            Ins.CHANGE_REFERENCE_DATA: (CLA_ISO, self._change_reference_data),
            Ins.RESET_RETRY_COUNTER: (CLA_ISO, self._reset_retry_counter),
            Ins.MSE: (CLA_ISO, self._mse_set),
            Ins.PSO: (CLA_ISO, self._pso),
            Ins.GET_CHALLENGE: (CLA_ISO, self._get_challenge),
            Ins.GET_CARD_DATA: (CLA_PROPRIETARY, self._get_card_data),
            Ins.LOG_OFF: (CLA_PROPRIETARY, self._log_off),
            Ins.INTERNAL_AUTHENTICATE: (CLA_ISO, self._internal_authenticate),
        }
        if self.profile == "1.8":
            self._handlers[Ins.READ_RECORD] = (CLA_PROPRIETARY, self._read_record)

    # -- session --------------------------------------------------------------------------

    @property
    def pin_tries_left(self) -> int:
        """PIN tries left (3 when fresh, 0 when blocked)."""
        return self.security.tries_left

    @property
    def present(self) -> bool:
        """False once the card has been removed through :attr:`faults`."""
        return not self.faults.removed

    def power_on(self) -> bytes:
        """Power the card: fresh session state (no PIN right, no SE, MF current). Returns the ATR."""
        self._new_session()
        self.powered = True
        return self.atr

    def reset(self) -> bytes:
        """Warm reset: same effect on the session as :meth:`power_on`."""
        return self.power_on()

    def power_off(self) -> None:
        """Remove power: every session right is lost."""
        self._new_session()
        self.powered = False

    def _new_session(self) -> None:
        self.security.reset()
        self.filesystem.reset()
        self._pending = None

    # -- APDU processing ------------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with response data followed by SW1 SW2.

        Never raises. A removed or mute card (see :attr:`faults`) answers ``b""``:
        transports turn that into the error a reader would report.
        """
        faults = self.faults
        if faults.removed or faults.mute:
            return b""
        self.apdu_count += 1
        armed = faults.armed  # looked up once: the fast path of an unfaulted card
        if armed:
            replaced = faults.replacement()
            if replaced is not None:
                faults.after_apdu()
                return replaced
        try:
            response = self._dispatch(apdu, armed)
        except Exception:
            # A real card answers 6F00 on an internal failure; the counter lets tests catch it.
            self.internal_errors += 1
            self._pending = None
            response = TECHNICAL_PROBLEM
        if armed:
            faults.after_apdu()
        return response

    def _dispatch(self, apdu: bytes, armed: bool) -> bytes:
        raw = memoryview(apdu)
        n = len(raw)
        if n < 4:
            return WRONG_LENGTH
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        self.security.before_command(ins)
        if ins != Ins.GET_RESPONSE:
            self._pending = None  # T=0: response data is lost once another command comes
        if armed:
            forced = self.faults.forced_status(ins)
            if forced is not None:
                return _sw(forced)
        data: Data
        le: int | None
        if n == 4:
            data, le = raw[4:4], None
        elif n == 5:
            data, le = raw[5:5], raw[4] or _SHORT_LE_MAX
        else:
            lc = raw[4]
            if lc == 0:
                return WRONG_LENGTH  # extended length: a T=0 card has none
            if n == 5 + lc:
                data, le = raw[5:], None
            elif n == 6 + lc:
                data, le = raw[5 : 5 + lc], raw[n - 1] or _SHORT_LE_MAX
            else:
                return WRONG_LENGTH
        entry = self._handlers.get(ins)
        if cla not in (CLA_ISO, CLA_PROPRIETARY):
            return self._wrong_class(cla)
        if entry is None:
            return INS_NOT_SUPPORTED
        expected_cla, handler = entry
        if cla != expected_cla:
            return CLA_NOT_SUPPORTED
        if not self.activated and ins not in _PRE_ISSUANCE_INS:
            return INS_NOT_SUPPORTED
        return handler(p1, p2, data, le)

    def _wrong_class(self, cla: int) -> bytes:
        # A logical-channel number in CLA: 1.7 answers 6881, 1.8 only knows 6E00 (spec §1.3).
        if self.profile == "1.7" and cla & 0x03 and cla & 0xFC in (CLA_ISO, CLA_PROPRIETARY):
            return CLA_NOT_SUPPORTED_17
        return CLA_NOT_SUPPORTED

    # -- file commands --------------------------------------------------------------------

    def _select(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p2 not in (0x00, 0x0C):
            return INCORRECT_P1P2
        fs = self.filesystem
        if p1 == 0x04:
            aid = bytes(data)
            if aid == APPLET_AID:
                fs.reset()
            elif aid == PKCS15_AID:
                fs.select_df(FileId.DF_BELPIC)
            elif aid == IDFILES_AID:
                fs.select_df(FileId.DF_ID)
            else:
                return FILE_NOT_FOUND
            return OK
        if p1 in (0x00, 0x02):
            if len(data) != 2:
                return LC_INCONSISTENT
            return OK if fs.select_fid(data[0] << 8 | data[1]) else FILE_NOT_FOUND
        if p1 == 0x08:
            if not data or len(data) % 2:
                return LC_INCONSISTENT
            return OK if fs.select_path(bytes(data)) else FILE_NOT_FOUND
        return INCORRECT_P1P2

    def _read_binary(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 & 0x80:
            return WRONG_P1P2  # short EF identifiers are not supported
        if data:
            return WRONG_LENGTH
        content = self.filesystem.current_content()
        if content is None:
            return NO_CURRENT_EF
        offset = p1 << 8 | p2
        size = len(content)
        if offset >= size:
            return WRONG_P1P2
        wanted = _SHORT_LE_MAX if le is None else le
        if offset + wanted > size:
            return _wrong_le(size - offset)
        return content[offset : offset + wanted] + OK

    def _read_record(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        fs = self.filesystem
        content = fs.current_content()
        if content is None:
            return NO_CURRENT_EF
        if fs.current_df != FileId.DF_ID or fs.current_ef not in _TLV_FILES:
            return RECORD_ON_NON_STRUCTURED_EF
        if p2 < p1:
            return RECORD_NOT_FOUND
        records = _records(content, p1, p2)
        if not records:
            return RECORD_NOT_FOUND
        if le is not None and le < _SHORT_LE_MAX and le != len(records):
            return _wrong_le(min(len(records), _SHORT_LE_MAX))
        return self._answer_chained(records)

    def _answer_chained(self, payload: bytes) -> bytes:
        """Return up to 256 bytes now and keep the rest for GET RESPONSE (``61xx``)."""
        if len(payload) <= _SHORT_LE_MAX:
            return payload + OK
        self._pending = payload[_SHORT_LE_MAX:]
        return payload[:_SHORT_LE_MAX] + _more_data(len(self._pending))

    def _get_response(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 or p2:
            return WRONG_P1P2
        pending = self._pending
        if not pending:
            return CONDITIONS_NOT_SATISFIED
        available = len(pending)
        wanted = min(available, _SHORT_LE_MAX) if le is None else le
        if wanted > available:
            return _wrong_le(available)
        rest = pending[wanted:]
        if rest:
            self._pending = rest
            return pending[:wanted] + _more_data(len(rest))
        self._pending = None
        return pending + OK

    # -- PIN commands ---------------------------------------------------------------------

    def _verify(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 != 0x00:
            return INCORRECT_P1P2
        if p2 != PIN_REFERENCE:
            return REFERENCE_NOT_FOUND
        if not data:
            return _sw(self.security.status())
        if len(data) != PIN_BLOCK_LENGTH:
            return WRONG_LENGTH
        return _sw(self.security.verify(data))

    def _change_reference_data(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 != 0x00:
            return INCORRECT_P1P2
        if p2 != PIN_REFERENCE:
            return REFERENCE_NOT_FOUND
        if len(data) != 2 * PIN_BLOCK_LENGTH:
            return WRONG_LENGTH
        return _sw(self.security.change(data[:PIN_BLOCK_LENGTH], data[PIN_BLOCK_LENGTH:]))

    def _reset_retry_counter(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        # Only the municipality's administration role may unblock the PIN; a citizen never can.
        return SECURITY_STATUS_NOT_SATISFIED

    def _log_off(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 or p2:
            return WRONG_P1P2
        self.security.log_off()
        return OK

    # -- signing --------------------------------------------------------------------------

    def _mse_set(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        security = self.security
        security.se = None  # a failed MSE leaves no environment behind (fail closed)
        if (p1, p2) != MSE_SET_DST:
            return WRONG_P1P2
        if len(data) != 5:
            return WRONG_LENGTH
        if data[0] != MSE_DATA_TAG or data[1] != MSE_ALGORITHM_TAG or data[3] != MSE_KEY_TAG:
            return INCORRECT_DATA
        algorithm, key = data[2], data[4]
        if algorithm not in self._algorithms:
            return INCORRECT_DATA
        if key not in self._signers:
            return REFERENCE_NOT_FOUND
        security.se = SecurityEnvironment(algorithm, key)
        return OK

    def _pso(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        security = self.security
        if (p1, p2) != PSO_CDS:
            security.nonrep_credit = None
            return WRONG_P1P2
        sw = security.authorize_signature()
        se = security.se
        if sw != SW.OK or se is None:
            return _sw(sw)
        sw, signature = self._signers[se.key].sign(se.algorithm, bytes(data))
        if sw != SW.OK:
            return _sw(sw)
        self._pending = signature
        return _more_data(len(signature))

    def _internal_authenticate(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        signer = self._signers.get(KeyReference.BASIC)
        if p2 != KeyReference.BASIC or signer is None:
            return REFERENCE_NOT_FOUND
        length: int | None
        if isinstance(signer, EcSigner):
            length = CHALLENGE_SIZES.get(p1)
        else:
            # 1.7 (RSA basic key): RM17 gives no challenge sizes; anything PKCS#1 type 1 can pad.
            length = len(data) - 2 if 0 < len(data) - 2 <= signer.size - 11 else None
        if length is None or len(data) != length + 2 or data[0] != CHALLENGE_TAG or data[1] != length:
            return INCORRECT_DATA
        if not self.security.internal_auth_allowed():
            return CONDITIONS_NOT_SATISFIED
        signature = signer.authenticate(bytes(data[2:]))
        self.security.internal_auth_done()
        self._pending = signature
        return _more_data(len(signature))

    # -- card information -----------------------------------------------------------------

    def _build_card_data(self) -> bytes:
        # An image may carry another generation's bytes 16-26 (applet 1.1's layout, an old OS version).
        extra = self.image.extra
        chip_info = extra.get("chip_info", _DEFAULT_CHIP_INFO)
        version = extra.get("applet_version", bytes((APPLET_VERSION[self.profile],)))
        tail = extra.get("card_data_tail", _CARD_DATA_TAIL[self.profile])
        life_cycle = LifeCycle.PERSONALISED if self.activated else LifeCycle.NOT_ISSUED
        return self.image.chip_serial + chip_info + version + tail + bytes((life_cycle,))

    def _get_card_data(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 != 0x00:
            return WRONG_P1P2
        if p2 == 0x00:
            payload = self._card_data
        elif p2 == CARD_DATA_EXTENDED and self.profile == "1.8":
            payload = self._card_data + bytes((self.security.tries_left, 0xFF, 0xFF))
        else:
            return WRONG_P1P2
        if le != len(payload):
            return _wrong_le(len(payload))
        return payload + OK

    def _get_challenge(self, p1: int, p2: int, data: Data, le: int | None) -> bytes:
        if p1 or p2:
            return WRONG_P1P2
        if le is None or data:
            return WRONG_LENGTH
        return os.urandom(le) + OK


def _records(content: bytes, first: int, last: int) -> bytes:
    """The TLV records of an ID/address file whose tags lie in ``first..last``, as raw bytes."""
    return b"".join(content[start:end] for tag, start, end in tlv_spans(content) if first <= tag <= last)
