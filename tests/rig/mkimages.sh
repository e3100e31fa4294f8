#!/bin/bash
# Build the Xen rig's images into $RIG_BUILD (default: <repo>/build/rig).
#
#   xen                  unpacked multiboot Xen (from /boot/xen-4.17-amd64.gz)
#   vmlinux              dom0 kernel: ELF extracted from Debian's bzImage
#   vmlinux.gz           domU kernel: the same ELF, gzip -1
#   dom0.cpio.gz         dom0 initramfs: busybox, Xen toolstack, dom0 modules, /init
#   domU-debian.cpio.gz  domU initramfs with Debian's drm_xen_front.ko
#   domU-ours.cpio.gz    domU initramfs with the repo-root drm_xen_front.ko
#   guestroot.sqfs       Debian root with weston (mkguestroot.sh; target "guestroot" only)
#
# Usage: mkimages.sh [all|base|debian|ours|guestroot]...   (default: all; "ours" is skipped with
# a clear message when the repo-root module is not built, and is an error if asked for
# explicitly). Each product is rebuilt only when the stamp of its inputs (paths, mtimes,
# sizes) changes.
#
# RIG_ARCH=arm64 (run.sh --arch arm64): the same images for Xen on Arm, into
# build/rig-arm64, from Debian's arm64 packages unpacked by mkarm64.sh into its sysroot
# (Xen, kernel Image, busybox, toolstack, modules, libraries) and the modules and tools it
# cross-builds; "upstream" (linux-source-6.1's frontend) is the reference there, as Debian's
# arm64 kernel has none. The domU kernel is the uncompressed Image ("vmlinux").
set -euo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
ARCH=${RIG_ARCH:-x86_64}
. "$RIG_DIR/lib/elf-libs.sh"
if [ "$ARCH" = arm64 ]; then
	B=${RIG_BUILD:-$REPO/build/rig-arm64}
	"$RIG_DIR/mkarm64.sh" all
	SR=$B/sysroot
	KVER=$(basename "$(readlink -f "$B/kdir")"); KVER=${KVER#linux-headers-}
	MODDIR=$SR/lib/modules/$KVER
	XENBIN=$SR/usr/lib/xen-4.17/bin
	XEN_IMG=$SR/boot/xen-4.17-arm64
	CLIENT=$B/bin/xdisp-client
	STRESS=$B/bin/xdisp-stress
	OURS_KO=${OURS_KO:-$B/ko/ours/drm_xen_front.ko}
	REF_KO=$B/ko/upstream/drm_xen_front.ko
	REF=upstream
else
	B=${RIG_BUILD:-$REPO/build/rig}
	SR=
	KVER=${KVER:-$(ls /lib/modules | sort -V | tail -n1)}
	MODDIR=/lib/modules/$KVER
	XENBIN=${XENBIN:-/usr/lib/xen-4.17/bin}
	XEN_GZ=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
	CLIENT=$REPO/tests/client/xdisp-client
	STRESS=$REPO/tests/client/xdisp-stress
	OURS_KO=${OURS_KO:-$REPO/drm_xen_front.ko}
	REF_KO=$MODDIR/kernel/drivers/gpu/drm/xen/drm_xen_front.ko
	REF=debian
fi
# the target's own binaries (the sysroot's for arm64)
BUSYBOX=$SR/bin/busybox
[ -n "$SR" ] || BUSYBOX=/usr/bin/busybox
XENSTORE=$SR/usr/bin/xenstore
MODETEST=$SR/usr/bin/modetest
LIBGCC=$SR/lib/$( [ "$ARCH" = arm64 ] && echo aarch64 || echo x86_64)-linux-gnu/libgcc_s.so.1

mkdir -p "$B/stamps"
# one mkimages at a time per build dir (run.sh instances may overlap)
exec 9> "$B/.mkimages.lock"
flock -w 600 9 || { echo "mkimages: ERROR: $B/.mkimages.lock held for 600 s" >&2; exit 1; }
log() { echo "mkimages: $*" >&2; }
die() { echo "mkimages: ERROR: $*" >&2; exit 1; }

# stamp NAME FILE... : prints nothing, returns 0 when NAME is up to date for these inputs
stamp_of() { for f in "$@"; do stat -L -c '%n %Y %s' "$f"; done | sha256sum | cut -d' ' -f1; }
up_to_date() {
	local name=$1; shift
	[ -f "$B/stamps/$name" ] && [ -e "$B/$name" ] &&
		[ "$(cat "$B/stamps/$name")" = "$(stamp_of "$@")" ]
}
set_stamp() { local name=$1; shift; stamp_of "$@" > "$B/stamps/$name"; }

# libs_of BIN... : the shared libraries (their paths on the target) that BINs need, plus
# the loader (lib/elf-libs.sh: ldd on x86_64, the sysroot's for arm64)
libs_of() { target_libs "$SR" "$@"; }

# copy_lib ROOT LIB : copy the target's LIB (from the sysroot, if any) to ROOT/LIB
copy_lib() {
	local root=$1 lib=$2 real
	real=$(readlink -f "$SR$lib")
	mkdir -p "$root$(dirname "$lib")"
	[ -e "$root$lib" ] || cp "$real" "$root$lib"
}

cpio_gz() { # DIR OUT
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
		gzip -1 > "$2.tmp" && mv "$2.tmp" "$2"
}

# --------------------------------------------------------------------------- base
build_xen() {
	if [ "$ARCH" = arm64 ]; then
		up_to_date xen "$XEN_IMG" && return 0
		log "xen <- $XEN_IMG"
		cp "$XEN_IMG" "$B/xen.tmp" && mv "$B/xen.tmp" "$B/xen"
		set_stamp xen "$XEN_IMG"
		return 0
	fi
	up_to_date xen "$XEN_GZ" && return 0
	log "xen <- $XEN_GZ"
	zcat "$XEN_GZ" > "$B/xen.tmp" && mv "$B/xen.tmp" "$B/xen"
	set_stamp xen "$XEN_GZ"
}

build_kernels() {
	local bz=$SR/boot/vmlinuz-$KVER off
	if [ "$ARCH" = arm64 ]; then
		# Debian's arm64 vmlinuz is an uncompressed Image: dom0 and domU boot it as is
		up_to_date vmlinux "$bz" && return 0
		log "vmlinux <- $bz"
		cp "$bz" "$B/vmlinux.tmp" && mv "$B/vmlinux.tmp" "$B/vmlinux"
		set_stamp vmlinux "$bz"
		return 0
	fi
	if up_to_date vmlinux "$bz" && up_to_date vmlinux.gz "$bz"; then return 0; fi
	log "vmlinux <- $bz"
	off=$(python3 - "$bz" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
print(d.find(b'\xfd7zXZ\x00'))
EOF
)
	[ "$off" -ge 0 ] || die "no xz stream in $bz"
	xz -dc --single-stream < <(tail -c +$((off + 1)) "$bz") > "$B/vmlinux.tmp"
	case $(file -b "$B/vmlinux.tmp") in "ELF 64-bit"*) ;; *) die "extracted vmlinux is not an ELF" ;; esac
	mv "$B/vmlinux.tmp" "$B/vmlinux"
	gzip -1 -c "$B/vmlinux" > "$B/vmlinux.gz.tmp" && mv "$B/vmlinux.gz.tmp" "$B/vmlinux.gz"
	set_stamp vmlinux "$bz"
	set_stamp vmlinux.gz "$bz"
}

# insmod list for module names, resolved by Debian's modprobe (dedup, order kept)
mod_deps() {
	local m
	for m in "$@"; do modprobe ${SR:+-d "$SR"} -S "$KVER" --show-depends "$m"; done |
		awk '$1=="insmod"{print $2}' | awk '!seen[$0]++'
}

DOM0_MODS="xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc virtio_pci virtio_blk xen-blkback"
# QEMU's virt machine: the rig's disks are virtio-mmio devices
[ "$ARCH" = arm64 ] && DOM0_MODS="xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc virtio_mmio virtio_blk xen-blkback"
# domU modules for the guest root's PV disk (loaded on demand, not by guest-init)
DOMU_EXTRA_MODS="xen-blkfront squashfs overlay"
DOM0_BINS="xl xenstored xenconsoled xen-init-dom0 xenconsole"
# dom0's own display (QEMU's std VGA) for displ_be runs: loaded by dom0-lib.sh display_up
DOM0_DISPLAY_MODS="bochs"

build_dom0() {
	local inputs=() f r=$B/dom0.root
	inputs+=("$BUSYBOX" "$XENSTORE" /etc/xen/xl.conf "$RIG_DIR/lib/dom0-init"
		"$RIG_DIR/mkimages.sh")
	for f in $DOM0_BINS libxl-save-helper; do inputs+=("$XENBIN/$f"); done
	inputs+=($(mod_deps $DOM0_MODS) $(mod_deps $DOM0_DISPLAY_MODS))
	inputs+=(/etc/xen/scripts/*)
	if up_to_date dom0.cpio.gz "${inputs[@]}"; then return 0; fi
	log "dom0.cpio.gz"
	rm -rf "$r"; mkdir -p "$r"/{bin,etc/xen,lib/modules,proc,sys,dev,tmp,run,var/log/xen/console,var/lib/xen,payload,out}
	ln -s bin "$r/sbin"; ln -s ../run "$r/var/run"
	cp "$BUSYBOX" "$r/bin/busybox"
	for f in $(busybox --list); do [ -e "$r/bin/$f" ] || ln -s busybox "$r/bin/$f"; done
	for f in $DOM0_BINS; do cp "$XENBIN/$f" "$r/bin/$f"; done
	# xl save/restore run it from its build-time path
	mkdir -p "$r${XENBIN#"$SR"}"
	cp "$XENBIN/libxl-save-helper" "$r${XENBIN#"$SR"}/"
	cp "$XENSTORE" "$r/bin/xenstore"
	for f in ls read write list watch rm exists chmod; do ln -sf xenstore "$r/bin/xenstore-$f"; done
	local libs
	libs=$(libs_of "$r"/bin/xl "$r"/bin/xenstored "$r"/bin/xenconsoled "$r"/bin/xen-init-dom0 "$r"/bin/xenconsole "$r"/bin/xenstore \
		"$r${XENBIN#"$SR"}/libxl-save-helper")
	for f in $libs; do copy_lib "$r" "$f"; done
	# ldd does not list it, but xl aborts in pthread_cancel without it
	copy_lib "$r" "${LIBGCC#"$SR"}"
	cp /etc/xen/xl.conf "$r/etc/xen/"
	cp -a /etc/xen/scripts "$r/etc/xen/scripts"
	: > "$r/etc/dom0.modules"
	for f in $(mod_deps $DOM0_MODS); do
		cp "$f" "$r/lib/modules/"
		echo "$(basename "$f")" >> "$r/etc/dom0.modules"
	done
	mkdir -p "$r/lib/modules/display"; : > "$r/etc/dom0.display-modules"
	for f in $(mod_deps $DOM0_DISPLAY_MODS); do
		grep -qx "$(basename "$f")" "$r/etc/dom0.modules" && continue
		cp "$f" "$r/lib/modules/display/"
		echo "$(basename "$f")" >> "$r/etc/dom0.display-modules"
	done
	cp "$RIG_DIR/lib/dom0-init" "$r/init"; chmod 755 "$r/init"
	echo "$KVER" > "$r/etc/kver"
	cpio_gz "$r" "$B/dom0.cpio.gz"
	rm -rf "$r"
	set_stamp dom0.cpio.gz "${inputs[@]}"
}

# --------------------------------------------------------------------------- domU
# build_domU FLAVOUR KO
build_domU() {
	local flavour=$1 ko=$2 name=domU-$1.cpio.gz r=$B/domU-$1.root f deps
	local inputs=("$BUSYBOX" "$MODETEST" "$XENSTORE" "$ko"
		"$RIG_DIR/lib/guest-init" "$RIG_DIR/mkimages.sh")
	[ -x "$CLIENT" ] && inputs+=("$CLIENT")
	[ -x "$STRESS" ] && inputs+=("$STRESS")
	# dependencies of the module under test, from its own modinfo, resolved by Debian's modprobe
	deps=$(modinfo -F depends "$ko" | tr ',' ' ')
	local depfiles=()
	[ -n "$deps" ] && depfiles=($(mod_deps $deps))
	inputs+=("${depfiles[@]}")
	# loaded on demand (guest-lib.sh guestroot_mount): the PV disk with the guest root
	local extrafiles=($(mod_deps $DOMU_EXTRA_MODS))
	inputs+=("${extrafiles[@]}")
	if up_to_date "$name" "${inputs[@]}"; then return 0; fi
	log "$name <- $ko"
	local vm
	vm=$(modinfo -F vermagic "$ko" | awk '{print $1}')
	[ "$vm" = "$KVER" ] || die "$ko has vermagic '$vm', the rig's kernel is $KVER"
	rm -rf "$r"; mkdir -p "$r"/{bin,etc,lib/modules,proc,sys,dev,tmp,run,rig}
	ln -s bin "$r/sbin"
	cp "$BUSYBOX" "$r/bin/busybox"
	for f in $(busybox --list); do [ -e "$r/bin/$f" ] || ln -s busybox "$r/bin/$f"; done
	: > "$r/etc/modules.deps"
	for f in "${depfiles[@]}"; do
		cp "$f" "$r/lib/modules/"
		echo "$(basename "$f")" >> "$r/etc/modules.deps"
	done
	cp "$ko" "$r/lib/modules/drm_xen_front.ko"
	mkdir -p "$r/lib/modules/extra"; : > "$r/etc/modules.extra"
	for f in "${extrafiles[@]}"; do
		cp "$f" "$r/lib/modules/extra/"
		echo "$(basename "$f")" >> "$r/etc/modules.extra"
	done
	echo "$flavour $(modinfo -F srcversion "$ko") $ko" > "$r/etc/module-under-test"
	cp "$MODETEST" "$r/bin/modetest"
	cp "$XENSTORE" "$r/bin/xenstore"
	for f in ls read write list watch rm exists chmod; do ln -sf xenstore "$r/bin/xenstore-$f"; done
	local bins=("$r/bin/modetest" "$r/bin/xenstore")
	if [ -x "$STRESS" ]; then
		cp "$STRESS" "$r/bin/xdisp-stress"; bins+=("$r/bin/xdisp-stress")
	fi
	if [ -x "$CLIENT" ]; then
		cp "$CLIENT" "$r/bin/xdisp-client"; bins+=("$r/bin/xdisp-client")
	else
		log "WARNING: $CLIENT not built (make -C tests/client); the domU has no client"
	fi
	for f in $(libs_of "${bins[@]}"); do copy_lib "$r" "$f"; done
	cp "$RIG_DIR/lib/guest-init" "$r/init"; chmod 755 "$r/init"
	cpio_gz "$r" "$B/$name"
	rm -rf "$r"
	set_stamp "$name" "${inputs[@]}"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)
for t in "${targets[@]}"; do
	case $t in
	all)
		build_xen; build_kernels; build_dom0
		build_domU "$REF" "$REF_KO"
		if [ -f "$OURS_KO" ]; then build_domU ours "$OURS_KO"
		else log "NOTE: $OURS_KO is not built (run 'make' at the repo root): skipping domU-ours"; fi
		;;
	base) build_xen; build_kernels; build_dom0 ;;
	debian|upstream)
		[ "$t" = "$REF" ] || die "the reference module on $ARCH is '$REF', not '$t'"
		build_domU "$REF" "$REF_KO" ;;
	ours)
		[ -f "$OURS_KO" ] || die "our module $OURS_KO is not built: run 'make' at the repo root first"
		build_domU ours "$OURS_KO" ;;
	guestroot) "$RIG_DIR/mkguestroot.sh" || die "the guest root (mkguestroot.sh) was not built" ;;
	*) die "unknown target '$t' (all|base|$REF|ours|guestroot)" ;;
	esac
done
log "images in $B"
