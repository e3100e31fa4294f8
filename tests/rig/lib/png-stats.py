#!/usr/bin/env python3
"""png-stats.py FILE.png: colour statistics of an 8-bit RGB/RGBA PNG (what vdispl-be
writes), for the rig's judges; standard library only. Prints key=value lines:
width, height, colours (distinct RGB values), top (the most frequent colour, RRGGBB),
top_frac (its share of the pixels), frac_<RRGGBB> for every colour given with --colour."""
import struct
import sys
import zlib
from collections import Counter


def read_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit(f'{path}: not a PNG')
    pos, idat, hdr = 8, b'', None
    while pos < len(data):
        n, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif typ == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit(f'{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})')
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xff
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xff
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 0xff
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    args = sys.argv[1:]
    want = []
    while len(args) > 1 and args[0] == '--colour':
        want.append(args[1].lower())
        args = args[2:]
    w, h, bpp, rows = read_png(args[0])
    cnt = Counter()
    for line in rows:
        if bpp == 3:
            cnt.update(line[i:i + 3] for i in range(0, len(line), 3))
        else:
            cnt.update(line[i:i + 3] for i in range(0, len(line), 4))
    top, n = cnt.most_common(1)[0]
    print(f'width={w}\nheight={h}\ncolours={len(cnt)}\ntop={top.hex()}\ntop_frac={n / (w * h):.4f}')
    for c in want:
        print(f'frac_{c}={cnt.get(bytes.fromhex(c), 0) / (w * h):.4f}')


main()
