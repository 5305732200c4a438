#!/usr/bin/env python3
"""Writes docs/images/icon.png, the packages' 128x128 icon (a saliency hot spot and "++"), with the standard library only."""
import math
import struct
import zlib
from pathlib import Path

W = H = 128
BG = (27, 42, 73)


def inside_round(x, y, r=22):
    cx = min(max(x, r), W - 1 - r)
    cy = min(max(y, r), H - 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def cmap(t):
    stops = [(0, (120, 20, 40)), (0.4, (220, 50, 40)), (0.7, (250, 150, 40)), (1, (255, 240, 120))]
    for (a, ca), (b, cb) in zip(stops, stops[1:]):
        if t <= b:
            u = (t - a) / (b - a)
            return tuple(int(ca[i] + (cb[i] - ca[i]) * u) for i in range(3))
    return stops[-1][1]


def plus(x, y, cx, cy, s=12, w=4):
    return (abs(x - cx) <= w and abs(y - cy) <= s) or (abs(y - cy) <= w and abs(x - cx) <= s)


def pixel(x, y):
    if not inside_round(x, y):
        return (0, 0, 0, 0)
    t = max(0.0, 1 - math.hypot((x - 58) / 38, (y - 54) / 30))
    px = BG
    if t > 0:
        c, a = cmap(t), min(1, t * 1.6)
        px = tuple(int(BG[i] * (1 - a) + c[i] * a) for i in range(3))
    if plus(x, y, 80, 98) or plus(x, y, 108, 98):
        px = (255, 255, 255)
    return px + (255,)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


raw = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(W)) for y in range(H))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
out = Path(__file__).resolve().parents[2] / "docs" / "images" / "icon.png"
out.write_bytes(png)
print(f"wrote {out} ({len(png)} bytes)")
