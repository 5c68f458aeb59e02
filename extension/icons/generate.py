#!/usr/bin/env python3
"""Draw the toolbar icons (a white bridge on a blue rounded square) as PNG files.

Uses only the standard library, so the icons can be redrawn on any machine:
    python3 extension/icons/generate.py
"""

import math
import struct
import zlib
from pathlib import Path

SIZES = (16, 32, 48, 128)
SUPERSAMPLING = 4
BLUE = (0, 82, 204)
WHITE = (255, 255, 255)


def inside_rounded_square(x, y, radius=0.2):
    """Return True if (x, y) in [0, 1]^2 lies in the rounded square."""
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def inside_bridge(x, y):
    """Return True if (x, y) lies on the bridge: an arch with hangers over a deck on piers."""
    deck = 0.12 <= x <= 0.88 and 0.60 <= y <= 0.68
    distance = math.hypot(x - 0.5, y - 0.74)
    arch = y <= 0.60 and 0.30 <= distance <= 0.38
    hangers = any(abs(x - post) <= 0.022 for post in (0.34, 0.5, 0.66)) and y <= 0.60 and distance <= 0.30
    piers = (0.22 <= x <= 0.29 or 0.71 <= x <= 0.78) and 0.68 <= y <= 0.84
    return deck or arch or hangers or piers


def pixel(size, px, py):
    """Return the RGBA of one pixel, averaged over SUPERSAMPLING^2 samples."""
    covered = white = 0
    for sx in range(SUPERSAMPLING):
        for sy in range(SUPERSAMPLING):
            x = (px + (sx + 0.5) / SUPERSAMPLING) / size
            y = (py + (sy + 0.5) / SUPERSAMPLING) / size
            if inside_rounded_square(x, y):
                covered += 1
                white += inside_bridge(x, y)
    samples = SUPERSAMPLING**2
    if covered == 0:
        return (0, 0, 0, 0)
    share = white / covered
    rgb = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE))
    return rgb + (round(255 * covered / samples),)


def png(size):
    """Encode one icon as PNG bytes (8-bit RGBA, no interlace)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(size, px, py)) for px in range(size)) for py in range(size)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def main():
    folder = Path(__file__).resolve().parent
    for size in SIZES:
        (folder / f"icon-{size}.png").write_bytes(png(size))


if __name__ == "__main__":
    main()
