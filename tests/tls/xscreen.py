"""Screenshots of a whole Xvfb screen, native dialogs included (Selenium sees only the page).

Xvfb started with ``-fbdir DIR`` keeps its screen 0 in ``DIR/Xvfb_screen0``, an XWD image (header in
most-significant-byte-first order, pixels in the server's byte order). :func:`save_png` turns it into a
PNG with the standard library alone, cropped to a box, so no image tool is needed on the machine.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

#: The 25 CARD32 fields of XWDFileHeader, in file order.
_FIELDS = (
    "header_size", "file_version", "pixmap_format", "pixmap_depth", "pixmap_width", "pixmap_height", "xoffset",
    "byte_order", "bitmap_unit", "bitmap_bit_order", "bitmap_pad", "bits_per_pixel", "bytes_per_line",
    "visual_class", "red_mask", "green_mask", "blue_mask", "bits_per_rgb", "colormap_entries", "ncolors",
    "window_width", "window_height", "window_x", "window_y", "window_bdrwidth",
)
_XWD_VERSION = 7
_ZPIXMAP = 2
_LSB_FIRST = 0
_COLOR_ENTRY = 12  # pixel CARD32, red/green/blue CARD16, flags and pad bytes


class ScreenError(RuntimeError):
    """The framebuffer file is not the 24-bit true-colour XWD image this module reads."""


def _header(data: bytes) -> dict[str, int]:
    if len(data) < 4 * len(_FIELDS):
        raise ScreenError("framebuffer file shorter than an XWD header")
    header = dict(zip(_FIELDS, struct.unpack(">25I", data[: 4 * len(_FIELDS)]), strict=True))
    if header["file_version"] != _XWD_VERSION or header["pixmap_format"] != _ZPIXMAP:
        raise ScreenError(f"not an XWD ZPixmap image: {header}")
    if header["bits_per_pixel"] != 32 or header["byte_order"] != _LSB_FIRST or header["red_mask"] != 0xFF0000 \
            or header["green_mask"] != 0xFF00 or header["blue_mask"] != 0xFF:
        raise ScreenError(f"only 32-bit LSB-first x8r8g8b8 screens are read: {header}")
    return header


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _pixels(framebuffer: Path) -> tuple[bytes, dict[str, int], int]:
    data = framebuffer.read_bytes()
    header = _header(data)
    start = header["header_size"] + header["ncolors"] * _COLOR_ENTRY
    if len(data) < start + header["bytes_per_line"] * header["pixmap_height"]:
        raise ScreenError("framebuffer file shorter than its image")
    return data, header, start


def save_png(framebuffer: Path, target: Path, *, box: tuple[int, int, int, int] | None = None) -> Path:
    """Write the screen in ``framebuffer`` (an ``Xvfb_screen0`` file) as a PNG; ``box`` = (x, y, width,
    height) crops it (clipped to the screen)."""
    data, header, start = _pixels(framebuffer)
    width, height, stride = header["pixmap_width"], header["pixmap_height"], header["bytes_per_line"]
    x, y, w, h = box or (0, 0, width, height)
    x, y = max(0, min(x, width - 1)), max(0, min(y, height - 1))
    w, h = max(1, min(w, width - x)), max(1, min(h, height - y))
    rows = []
    for line in range(y, y + h):
        offset = start + line * stride + 4 * x
        bgrx = data[offset : offset + 4 * w]
        rgb = bytearray(3 * w)
        rgb[0::3], rgb[1::3], rgb[2::3] = bgrx[2::4], bgrx[1::4], bgrx[0::4]
        rows.append(bytes(rgb))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_png(w, h, rows))
    return target
