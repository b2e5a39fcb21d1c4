"""Draws the toolbar icons (a gateway arch with a medical cross) as PNGs, with no dependencies.
Run once when the design changes: python3 xtask/assets/make_icons.py extension/icons"""
import struct, sys, zlib, math

def inside(x, y):
    # Unit square coordinates; returns RGBA or None.
    r = 0.2  # corner radius of the tile
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return None
    white = (255, 255, 255, 255)
    # Arch: two pillars and a half ring.
    if 0.22 <= x <= 0.34 and 0.45 <= y <= 0.84: return white
    if 0.66 <= x <= 0.78 and 0.45 <= y <= 0.84: return white
    d = math.hypot(x - 0.5, y - 0.45)
    if y <= 0.45 and 0.16 <= d <= 0.28: return white
    # Cross inside the arch.
    if 0.455 <= x <= 0.545 and 0.46 <= y <= 0.74: return (255, 214, 102, 255)
    if 0.37 <= x <= 0.63 and 0.555 <= y <= 0.645: return (255, 214, 102, 255)
    return (13, 92, 99, 255)

def png(size):
    ss = 4
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    c = inside((px + (sx + .5) / ss) / size, (py + (sy + .5) / ss) / size)
                    if c:
                        for i in range(3): acc[i] += c[i] * c[3]
                        acc[3] += c[3]
            a = acc[3] / (ss * ss)
            rgb = [int(acc[i] / acc[3]) if acc[3] else 0 for i in range(3)]
            row += bytes(rgb + [int(a)])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")

out = sys.argv[1]
for size in (16, 32, 48, 128):
    open(f"{out}/icon-{size}.png", "wb").write(png(size))
