"""The card's file tree (spec §2.1) and the ISO 7816-4 selection rules the applet applies to it.

The tree has two levels: the MF with EF(DIR) and the two DFs, DF(BELPIC) 3F00/DF00
and DF(ID) 3F00/DF01, each holding transparent EFs. Files are kept in flat tables
built once, so a SELECT or READ BINARY costs a dictionary look-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eidlib.belpic.files import EMPTY_CERT_SIZE, FileId
from eidlib.emulator import pkcs15
from eidlib.emulator.errors import EmulatorError
from eidlib.emulator.image import CardImage, PrivateKey

MF = FileId.MF
DF_BELPIC = FileId.DF_BELPIC
DF_ID = FileId.DF_ID
DFS = frozenset((DF_BELPIC, DF_ID))
#: Default perso-version bytes of TokenInfo: graphical, electrical, electrical interface, RFU.
DEFAULT_PERSO_VERSIONS = {"1.7": bytes.fromhex("02030100"), "1.8": bytes.fromhex("02040100")}
_DER_CERT_HEADER = b"\x30\x82"


def parse_image_path(path: str) -> tuple[int, int]:
    """``"3F00DF014031"`` → ``(0xDF01, 0x4031)``; ``"3F002F00"`` → ``(0x3F00, 0x2F00)``."""
    try:
        raw = bytes.fromhex(path)
    except ValueError as exc:
        raise EmulatorError(f"file path is not hex: {path!r}") from exc
    if raw[:2] != b"\x3f\x00" or len(raw) not in (4, 6):
        raise EmulatorError(f"file path must be 3F00/EF or 3F00/DF/EF: {path!r}")
    if len(raw) == 4:
        return MF, int.from_bytes(raw[2:4], "big")
    df = int.from_bytes(raw[2:4], "big")
    if df not in DFS:
        raise EmulatorError(f"unknown DF in file path {path!r}")
    return df, int.from_bytes(raw[4:6], "big")


def holds_certificate(content: bytes) -> bool:
    """True when an EF starts with a DER certificate (``30 82``) rather than the zero filler."""
    return content[:2] == _DER_CERT_HEADER


def key_bits(key: PrivateKey | None) -> int:
    """Key size written in the PrKDF (RSA modulus or EC field size)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.curve.key_size
    return 0


@dataclass
class FileSystem:
    """The EFs of each DF plus the current selection.

    ``tree[df][fid]`` is the content of an EF; the MF's own EFs are under ``tree[MF]``.
    ``original`` keeps the personalised contents so corrupted files can be restored.
    """

    tree: dict[int, dict[int, bytes]]
    original: dict[tuple[int, int], bytes] = field(default_factory=dict)
    current_df: int = MF
    current_ef: int | None = None

    def __post_init__(self) -> None:
        if not self.original:
            self.original = {(df, fid): data for df, files in self.tree.items() for fid, data in files.items()}

    def reset(self) -> None:
        """After reset the MF is the current DF and no EF is selected."""
        self.current_df = MF
        self.current_ef = None

    def select_fid(self, fid: int) -> bool:
        """Select by file id relative to the current DF; False when not found (6A82)."""
        if fid == MF:
            self.current_df, self.current_ef = MF, None
            return True
        if self.current_df == MF and fid in DFS:
            self.current_df, self.current_ef = fid, None
            return True
        if fid in self.tree[self.current_df]:
            self.current_ef = fid
            return True
        return False

    def select_path(self, path: bytes) -> bool:
        """Select by absolute path, with or without the leading ``3F00`` (spec §10); False → 6A82."""
        fids = [int.from_bytes(path[i : i + 2], "big") for i in range(0, len(path), 2)]
        if fids and fids[0] == MF:
            fids = fids[1:]
        df: int = MF
        ef: int | None = None
        for position, fid in enumerate(fids):
            last = position == len(fids) - 1
            if df == MF and fid in DFS:
                df = fid
                continue
            if last and fid in self.tree[df]:
                ef = fid
                continue
            return False
        self.current_df, self.current_ef = df, ef
        return True

    def select_df(self, df: int) -> None:
        """Make a DF current (used by SELECT by AID)."""
        self.current_df, self.current_ef = df, None

    def current_content(self) -> bytes | None:
        """Content of the current EF, ``None`` when no EF is selected."""
        if self.current_ef is None:
            return None
        return self.tree[self.current_df].get(self.current_ef)

    def content(self, df: int, fid: int) -> bytes:
        """Content of one EF; raises :class:`EmulatorError` for an unknown file."""
        try:
            return self.tree[df][fid]
        except KeyError:
            raise EmulatorError(f"no file {df:04X}/{fid:04X} on this card") from None

    def replace(self, df: int, fid: int, data: bytes) -> None:
        """Overwrite an EF (fault injection); the file must exist."""
        self.content(df, fid)
        self.tree[df][fid] = bytes(data)

    def restore(self) -> None:
        """Put every EF back to its personalised content."""
        for (df, fid), data in self.original.items():
            self.tree[df][fid] = data


def build_filesystem(image: CardImage) -> FileSystem:
    """Lay out the BELPIC tree from a card image, deriving EF(DIR) and the PKCS#15 files."""
    tree: dict[int, dict[int, bytes]] = {MF: {FileId.DIR: pkcs15.ef_dir()}, DF_BELPIC: {}, DF_ID: {}}
    for path, data in image.files.items():
        df, fid = parse_image_path(path)
        if df == MF and fid in DFS:
            raise EmulatorError(f"image path {path!r} names a DF, not an EF")
        tree[df][fid] = bytes(data)
    empty_cert = bytes(EMPTY_CERT_SIZE[image.profile])
    for entry in pkcs15.CDF_ENTRIES:
        tree[DF_BELPIC].setdefault(entry.fid, empty_cert)
    tree[DF_BELPIC].setdefault(FileId.RRN_CERTIFICATE, empty_cert)

    keys = [entry for entry, key in ((pkcs15.AUTH_KEY, image.authentication_key),
                                      (pkcs15.SIGN_KEY, image.signature_key)) if key is not None]
    bits = max((key_bits(k) for k in (image.authentication_key, image.signature_key)), default=0)
    certs = [entry for entry in pkcs15.CDF_ENTRIES if holds_certificate(tree[DF_BELPIC][entry.fid])]
    perso = image.extra.get("perso_versions", DEFAULT_PERSO_VERSIONS[image.profile])
    tree[DF_BELPIC].update({
        FileId.ODF: pkcs15.odf(),
        FileId.TOKEN_INFO: pkcs15.token_info(image.chip_serial, perso),
        FileId.AODF: pkcs15.aodf(),
        FileId.PRKDF: pkcs15.prkdf(image.profile, keys, bits),
        FileId.CDF: pkcs15.cdf(image.profile, certs),
    })
    return FileSystem(tree)
