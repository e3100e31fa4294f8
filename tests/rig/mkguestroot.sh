#!/bin/bash
# Build the rig's guest root: a Debian 12 tree with the packages listed in
# tests/rig/guestroot/packages (weston, ...) and their dependencies, no recommends,
# unpacked by mmdebstrap --variant=extract (no maintainer scripts: ldconfig and the
# fontconfig cache are done here), squashed into $RIG_BUILD/guestroot.sqfs (lz4: cheap
# to decompress in a TCG guest). run.sh attaches it to QEMU as a read-only virtio disk
# (serial "rigguestroot") when a scenario sets GUEST_ROOT=1; dom0 hands that disk to the
# guest as a Xen PV disk (xvda), the guest mounts it and chroots into it
# (guest-lib.sh: guestroot_mount).
#
# Rebuilt only when the package list or this script changes (not on every Debian point
# update: delete the image to refresh it). Needs mmdebstrap and squashfs-tools (tests/setup.sh
# rig) and deb.debian.org (GUESTROOT_MIRROR to use another mirror).
# Usage: mkguestroot.sh [--force]
set -euo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
B=${RIG_BUILD:-$REPO/build/rig}
PKGS=$RIG_DIR/guestroot/packages
MIRROR=${GUESTROOT_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
OUT=$B/guestroot.sqfs
log() { echo "mkguestroot: $*" >&2; }
die() { echo "mkguestroot: ERROR: $*" >&2; exit 1; }

mkdir -p "$B/stamps"
stamp=$(cat "$PKGS" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if [ "${1:-}" != --force ] && [ -f "$OUT" ] && [ "$(cat "$B/stamps/guestroot.sqfs" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
for t in mmdebstrap mksquashfs; do
	command -v $t >/dev/null || die "$t is missing (tests/setup.sh rig installs it)"
done
pkgs=$(sed 's/#.*//' "$PKGS" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
[ -n "$pkgs" ] || die "no packages in $PKGS"
t0=$(date +%s)
log "building $OUT from $MIRROR $SUITE: $pkgs"
tree=$B/guestroot.tree
rm -rf "$tree"
# never used in the guest: docs, man pages, translations; and the GL stack's 200 MiB
# (Mesa's DRI drivers, LLVM, z3: weston and Xorg draw with pixman) and cpp's cc1 (xrdb)
if ! mmdebstrap --variant=extract --include="$pkgs" \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/dri/*' \
	--dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libLLVM*' \
	--dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/libz3.so*' \
	--dpkgopt='path-exclude=/usr/lib/gcc/*' \
	"$SUITE" "$tree" "$MIRROR" > "$B/guestroot.log" 2>&1; then
	tail -n 20 "$B/guestroot.log" >&2
	die "mmdebstrap failed (log: $B/guestroot.log)"
fi
# what the skipped maintainer scripts would have done and the guest needs
ldconfig -r "$tree"
[ -e "$tree/bin/sh" ] || [ ! -e "$tree/bin/dash" ] || ln -s dash "$tree/bin/sh"
[ -x "$tree/usr/bin/fc-cache" ] && chroot "$tree" /usr/bin/fc-cache -s >> "$B/guestroot.log" 2>&1 || true
# mount points for the guest (the squashfs is read-only there); /rig gets the
# initramfs' busybox and the scenario's files
mkdir -p "$tree"/{dev,proc,sys,tmp,run,rig,root}
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tree/etc/passwd"
printf 'root:x:0:\nvideo:x:44:\ninput:x:105:\n' > "$tree/etc/group"
rm -rf "$tree"/var/cache/apt/* "$tree"/var/lib/apt/lists/*
du -sm "$tree" | awk '{print "mkguestroot: tree " $1 " MiB"}' >&2
rm -f "$OUT.tmp"
mksquashfs "$tree" "$OUT.tmp" -comp lz4 -noappend -quiet -no-progress >> "$B/guestroot.log" 2>&1 ||
	die "mksquashfs failed (log: $B/guestroot.log)"
mv "$OUT.tmp" "$OUT"   # a new inode: a QEMU still reading the old image keeps it
rm -rf "$tree"
echo "$stamp" > "$B/stamps/guestroot.sqfs"
log "$OUT: $(du -m "$OUT" | cut -f1) MiB in $(( $(date +%s) - t0 )) s"
