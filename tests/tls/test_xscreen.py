"""The Xvfb framebuffer reader of the journey screenshots: XWD in, PNG out, crop clipped to the screen."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tls.xscreen import ScreenError, save_png

WIDTH, HEIGHT = 7, 5
NAME = b"Xvfb main window\x00"


def _xwd(width: int = WIDTH, height: int = HEIGHT, *, bits: int = 32, version: int = 7, ncolors: int = 2) -> bytes:
    """An XWD image as Xvfb writes it; pixel (x, y) is red x*30, green y*40, blue 7."""
    stride = 4 * width
    header = [100 + len(NAME), version, 2, 24, width, height, 0, 0, 32, 0, 32, bits, stride, 4,
              0xFF0000, 0xFF00, 0xFF, 8, 256, ncolors, width, height, 0, 0, 0]
    pixels = b"".join(bytes((7, y * 40, x * 30, 0)) for y in range(height) for x in range(width))
    return struct.pack(">25I", *header) + NAME + b"\x00" * 12 * ncolors + pixels


def _decode(png: bytes) -> tuple[int, int, list[bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, body = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    rows = [raw[i * (1 + 3 * width) : (i + 1) * (1 + 3 * width)] for i in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def test_the_whole_screen(tmp_path: Path) -> None:
    screen = tmp_path / "Xvfb_screen0"
    screen.write_bytes(_xwd())
    width, height, rows = _decode(save_png(screen, tmp_path / "out.png").read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    assert rows[3][3 * 2 : 3 * 2 + 3] == bytes((60, 120, 7))


@settings(max_examples=60, deadline=None)
@given(x=st.integers(-3, 10), y=st.integers(-3, 8), w=st.integers(1, 12), h=st.integers(1, 12))
def test_a_crop_is_clipped_to_the_screen(tmp_path_factory: pytest.TempPathFactory, x: int, y: int, w: int,
                                         h: int) -> None:
    directory = tmp_path_factory.mktemp("crop")
    screen = directory / "Xvfb_screen0"
    screen.write_bytes(_xwd())
    width, height, rows = _decode(save_png(screen, directory / "out.png", box=(x, y, w, h)).read_bytes())
    left, top = max(0, min(x, WIDTH - 1)), max(0, min(y, HEIGHT - 1))
    assert (width, height) == (max(1, min(w, WIDTH - left)), max(1, min(h, HEIGHT - top)))
    assert rows[0][:3] == bytes((left * 30, top * 40, 7))


@pytest.mark.parametrize("data", [
    b"short",
    _xwd(version=6),
    _xwd(bits=24),
    _xwd()[:-1],  # one byte of the image missing
], ids=["short", "version", "depth", "truncated"])
def test_what_is_not_an_xvfb_screen_is_refused(tmp_path: Path, data: bytes) -> None:
    screen = tmp_path / "Xvfb_screen0"
    screen.write_bytes(data)
    with pytest.raises(ScreenError):
        save_png(screen, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()
