"""PNG files from a rendered RGBA buffer, encoded with NumPy and zlib instead of Pillow.

Why not Pillow: for every row Pillow tries each of the five PNG row filters and keeps the one
that looks most compressible, which on a figure costs more than the compression itself. Here
every row uses the "Up" filter (the difference to the row above: one NumPy subtraction for the
whole image, and a figure's flat colours and vertical edges leave mostly zeros), then zlib level
1, at about half Pillow's time and the same size (BENCHMARKS.md, section 4). Any PNG reader
decodes the same pixels.
"""

import struct
import zlib

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_LEVEL = 1
FILTER_UP = 2
METRES_PER_INCH = 0.0254
# What Matplotlib's own savefig writes as the PNG's Software entry.
SOFTWARE = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"


def encode_png(rgba, *, dpi: float) -> bytes:
    """Encodes an (height, width, 4) uint8 RGBA image as a PNG file.

    Args:
        rgba: the pixels, top row first, as `FigureCanvasAgg.buffer_rgba()` holds them.
        dpi: written as the PNG's physical pixel size, as Matplotlib's savefig does.

    Returns:
        The bytes of the PNG file.
    """
    pixels = np.asarray(rgba)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4:
        raise ValueError(
            f"expected (height, width, 4) uint8 pixels; got {pixels.dtype} {pixels.shape}"
        )
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, width * 4)
    filtered = np.empty((height, width * 4 + 1), dtype=np.uint8)
    filtered[:, 0] = FILTER_UP
    # The row above the first is taken as zeros; uint8 subtraction wraps modulo 256 as PNG wants.
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    pixels_per_metre = round(dpi / METRES_PER_INCH)
    # 8 bits per channel, colour type 6 (RGBA), deflate, adaptive filtering, no interlacing.
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"".join(
        [
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"tEXt", b"Software\x00" + SOFTWARE.encode("latin-1")),
            _chunk(b"pHYs", struct.pack(">IIB", pixels_per_metre, pixels_per_metre, 1)),
            _chunk(b"IDAT", zlib.compress(filtered.data, ZLIB_LEVEL)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def figure_png(figure) -> bytes:
    """Draws `figure` on an Agg canvas and returns the PNG bytes: the pixels savefig would write."""
    canvas = (
        figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    )
    canvas.draw()
    return encode_png(canvas.buffer_rgba(), dpi=figure.dpi)
