# console: no client; the module's fbdev emulation puts the kernel console (fbcon) on the
# display. With the console quiet (dmesg -n 1) and the cursor not blinking, two backend
# dumps must show text (more than 2000 non-black pixels; 5 lines written to /dev/tty0
# first) and be identical; after the
# guest prints 30 lines to /dev/tty0 and a line through /dev/kmsg (console loglevel 8),
# a third dump must differ from them and have more text pixels.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=90

guest() {
	local i
	wait_connected 20 || return 1
	ls /sys/class/graphics/ 2>/dev/null | grep -q '^fb' || gsay "no /sys/class/graphics/fb*: no fbdev"
	cat /proc/fb 2>/dev/null
	dmesg -n 1
	[ -w /sys/class/graphics/fbcon/cursor_blink ] && echo 0 > /sys/class/graphics/fbcon/cursor_blink
	printf '\033[?25l' > /dev/tty0 2>/dev/null    # hide the cursor
	# text of our own: with console=hvc0 the kernel prints nothing on the VT on Arm
	# (on x86 the boot messages are there already)
	for i in 1 2 3 4 5; do
		echo "rig console: text before the first dump, line $i" > /dev/tty0 ||
			{ gfail "cannot write to /dev/tty0"; return 1; }
	done
	sleep 1
	rig_req dump || return 1
	sleep 0.5
	rig_req dump || return 1
	for i in $(seq 1 30); do
		echo "rig console line $i: the quick brown fox jumps over the lazy dog 0123456789" > /dev/tty0 ||
			{ gfail "cannot write to /dev/tty0"; return 1; }
	done
	dmesg -n 8
	echo "<6>rig console: a kernel message through /dev/kmsg" > /dev/kmsg
	dmesg -n 1
	sleep 1
	rig_req dump
}

# png_text_pixels FILE: the number of pixels that are not black in an 8-bit RGB PNG
png_text_pixels() {
	python3 - "$1" <<'PYEOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat = 8, b''
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    if t == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', d[pos + 8:pos + 18])
    elif t == b'IDAT':
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
assert depth == 8 and ctype == 2, (depth, ctype)
raw, bpp, stride = zlib.decompress(idat), 3, w * 3
prev, out, i = bytearray(stride), 0, 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    if f == 1:
        for x in range(bpp, stride): line[x] = (line[x] + line[x - bpp]) & 255
    elif f == 2:
        for x in range(stride): line[x] = (line[x] + prev[x]) & 255
    elif f == 3:
        for x in range(stride): line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
    elif f == 4:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    out += sum(1 for x in range(0, stride, 3) if line[x] or line[x + 1] or line[x + 2])
    prev = line
print(out)
PYEOF
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local n p1 p2 p3 c1 c2 c3
	for n in 1 2 3; do
		[ -s be/dump$n/conn0.png ] || { jfail "dump $n: no conn0.png"; return; }
	done
	p1=$(png_text_pixels be/dump1/conn0.png) p2=$(png_text_pixels be/dump2/conn0.png)
	p3=$(png_text_pixels be/dump3/conn0.png)
	c1=$(be_checksum 0 be/dump1) c2=$(be_checksum 0 be/dump2) c3=$(be_checksum 0 be/dump3)
	echo "console: non-black pixels $p1 $p2 $p3; checksums $c1 $c2 $c3; $(grep -h '^format=' be/dump1/conn0.txt)" > console-judge.txt
	[ "${p1:-0}" -gt 2000 ] ||
		jfail "dump 1 shows no console text: ${p1:-?} non-black pixels ($(tr '\n' ' ' < be/dump1/conn0.txt))"
	[ "$c1" = "$c2" ] || jfail "the quiet console changed between dumps 1 and 2 ($c1, $c2)"
	[ "$c3" != "$c2" ] || jfail "dump 3 equals dump 2 after the guest printed 31 lines ($c3)"
	[ "${p3:-0}" -gt "${p2:-0}" ] || jfail "dump 3 has no more text than dump 2 (${p3:-?} vs ${p2:-?} non-black pixels)"
}
