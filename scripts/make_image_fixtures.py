#!/usr/bin/env python3
"""PNG fixtures for Lemma's image reader (Tests/LemmaDataTests/Fixtures/images), written chunk by chunk with
zlib so nothing but the standard library decides their bytes:

    python3 scripts/make_image_fixtures.py Tests/LemmaDataTests/Fixtures/images

Every file shows the same 12x6 picture: white paper, a black bar in columns 3..8 of rows 2..3 and one grey
(value 136) pixel at (10, 4), in a different colour type or bit depth; `expected.txt` lists each file's
expected 8-bit grey pixels after decoding (transparent paper composited on white).
"""
import os
import struct
import sys
import zlib

W, H = 12, 6


def picture():
    rows = [[255] * W for _ in range(H)]
    for y in (2, 3):
        for x in range(3, 9):
            rows[y][x] = 0
    rows[4][10] = 136
    return rows


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(color_type, bit_depth, raw_rows, extra=b""):
    header = struct.pack(">IIBBBBB", W, H, bit_depth, color_type, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in raw_rows)  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(data, 9))
            + chunk(b"IEND", b""))


def pack_bits(values, depth):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    pic = picture()
    files = {}
    files["gray8.png"] = png(0, 8, [bytes(r) for r in pic])
    files["gray16.png"] = png(0, 16, [b"".join(struct.pack(">H", v * 257) for v in r) for r in pic])
    files["rgb8.png"] = png(2, 8, [bytes(c for v in r for c in (v, v, v)) for r in pic])
    # Transparent paper, opaque ink: composited on white it is the same picture.
    files["rgba8.png"] = png(6, 8, [bytes(c for v in r for c in ((0, 0, 0, 0) if v == 255 else (v, v, v, 255))) for r in pic])
    files["gray_alpha8.png"] = png(4, 8, [bytes(c for v in r for c in ((0, 0) if v == 255 else (v, 255))) for r in pic])
    # A 4-bit palette: 0 white, 1 black, 2 grey 136.
    palette = chunk(b"PLTE", bytes([255, 255, 255, 0, 0, 0, 136, 136, 136]))
    index = {255: 0, 0: 1, 136: 2}
    files["palette4.png"] = png(3, 4, [pack_bits([index[v] for v in r], 4) for r in pic], extra=palette)
    # 1-bit grey cannot hold the grey pixel: it is written as white.
    one_bit = [[0 if v == 0 else 1 for v in r] for r in pic]
    files["gray1.png"] = png(0, 1, [pack_bits(r, 1) for r in one_bit])
    expected = []
    for name, data in sorted(files.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        pixels = [0 if v == 0 else 255 for r in pic for v in r] if name == "gray1.png" else [v for r in pic for v in r]
        expected.append(name + " " + " ".join(map(str, pixels)))
    with open(os.path.join(out_dir, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")
    print(f"wrote {len(files)} images to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaDataTests/Fixtures/images")
