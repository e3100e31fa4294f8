#!/usr/bin/env python3
"""screens.py: dom0's screen, as QEMU shows it, for the rig's displ_be runs.

  screens.py watch SERIAL MONITOR OUTDIR
      Follows QEMU's serial log. For every line "RIG-SCREENDUMP <scenario> <n> <heads>"
      that dom0 prints, asks QEMU's monitor (HMP on the unix socket MONITOR) for a
      screendump of each head into OUTDIR/<scenario>/dump<n>-<head>.ppm, and prints
      "screens: <file>" per dump. Ends when the serial log says RIG-DOM0-DONE or
      RIG-DOM0-FATAL, or when the monitor goes away (QEMU exited).

  screens.py convert PPM DIR CONN
      Writes DIR/conn<CONN>.png and DIR/conn<CONN>.txt from a screendump: the same
      "checksum=0x..." line as tests/backend/vdispl-be's dumps (FNV-1a 64 over every
      pixel as 0x00RRGGBB, 4 little-endian bytes, row by row: what tests/client prints),
      so the scenarios' judges compare the guest's picture with dom0's screen.

Standard library only.
"""
import os
import re
import socket
import struct
import sys
import time
import zlib

DUMP_RE = re.compile(rb'RIG-SCREENDUMP ([A-Za-z0-9_.-]+) ([0-9]+) ([0-9]+)')


class Monitor:
    """QEMU's human monitor on a unix socket: one command at a time."""

    def __init__(self, path, timeout=30):
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    raise
                time.sleep(0.1)
        self.s.settimeout(20)
        self._until_prompt()

    def _until_prompt(self):
        buf = b''
        while not buf.endswith(b'(qemu) '):
            d = self.s.recv(4096)
            if not d:
                raise OSError('monitor closed')
            buf += d
        return buf

    def cmd(self, line):
        self.s.sendall(line.encode() + b'\n')
        return self._until_prompt().decode(errors='replace')


def watch(serial, mon_path, outdir):
    mon = None
    pos = 0
    pending = b''
    while True:
        try:
            with open(serial, 'rb') as f:
                f.seek(pos)
                data = f.read()
                pos += len(data)
        except FileNotFoundError:
            data = b''
        pending += data
        lines = pending.split(b'\n')
        pending = lines.pop()
        for line in lines:
            m = DUMP_RE.search(line)
            if m:
                sc, n, heads = m.group(1).decode(), int(m.group(2)), int(m.group(3))
                os.makedirs(os.path.join(outdir, sc), exist_ok=True)
                try:
                    if mon is None:
                        mon = Monitor(mon_path)
                    for h in range(heads):
                        out = os.path.join(outdir, sc, f'dump{n}-{h}.ppm')
                        # the first head is QEMU's default console; others by index
                        arg = out if h == 0 else f'-p {h} {out}'
                        mon.cmd(f'screendump {arg}')
                        print(f'screens: {out}', flush=True)
                except OSError as e:
                    print(f'screens: monitor: {e}', flush=True)
                    return
            if b'RIG-DOM0-DONE' in line or b'RIG-DOM0-FATAL' in line:
                return
        if not data:
            time.sleep(0.05)


def read_ppm(path):
    data = open(path, 'rb').read()
    # P6 <w> <h> <max>\n, whitespace separated, no comments from QEMU
    fields = data.split(maxsplit=4)
    if fields[0] != b'P6' or int(fields[3]) != 255:
        raise SystemExit(f'{path}: not an 8-bit P6 PPM')
    w, h = int(fields[1]), int(fields[2])
    pix = fields[4]
    if len(pix) < w * h * 3:
        raise SystemExit(f'{path}: short pixel data')
    return w, h, pix[:w * h * 3]


def write_png(path, w, h, rgb):
    raw = b''.join(b'\0' + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(t, body):
        return struct.pack('>I', len(body)) + t + body + struct.pack('>I', zlib.crc32(t + body))
    png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
           chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b''))
    with open(path + '.tmp', 'wb') as f:
        f.write(png)
    os.replace(path + '.tmp', path)


def fnv1a64_rgb(rgb):
    h = 0xcbf29ce484222325
    prime = 0x100000001b3
    mask = 0xffffffffffffffff
    for i in range(0, len(rgb), 3):
        # 0x00RRGGBB as 4 little-endian bytes: B, G, R, 0
        for b in (rgb[i + 2], rgb[i + 1], rgb[i], 0):
            h = ((h ^ b) * prime) & mask
    return h


def convert(ppm, outdir, conn):
    w, h, rgb = read_ppm(ppm)
    os.makedirs(outdir, exist_ok=True)
    write_png(os.path.join(outdir, f'conn{conn}.png'), w, h, rgb)
    colours = len(set(rgb[i:i + 3] for i in range(0, min(len(rgb), 3 * 65536), 3)))
    with open(os.path.join(outdir, f'conn{conn}.txt'), 'w') as f:
        f.write(f'checksum=0x{fnv1a64_rgb(rgb):016x} width={w} height={h} '
                f'source=screendump colours_first_64k={colours}\n')


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'watch':
        watch(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == 'convert':
        convert(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
