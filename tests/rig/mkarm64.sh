#!/bin/bash
# Debian 12's arm64 packages and the arm64 builds the rig needs for --arch arm64, in
# $RIG_BUILD (default <repo>/build/rig-arm64). Nothing is installed for arm64: the
# packages are fetched with `apt-get download` and unpacked with `dpkg -x` into
# $RIG_BUILD/sysroot, which serves as the images' source and as the cross sysroot.
#
#   sysroot      unpacked packages (below), depmod'ed module tree
#   kdir         the arm64 linux-headers, scripts/tools linked to the host's kbuild
#   ko/ours/drm_xen_front.ko       our module (repo sources), cross-built
#   ko/upstream/drm_xen_front.ko   linux-source-6.1's drivers/gpu/drm/xen (the reference;
#                                  Debian's arm64 kernel does not build it)
#   bin/vdispl-be bin/xdisp-client bin/xdisp-stress   cross-built against the sysroot
#
# Usage: mkarm64.sh [all|sysroot|ours|upstream|tools]...   (default: all)
# Each product is rebuilt only when the stamp of its inputs changes. Host packages:
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-system-arm, linux-kbuild-6.1 (with
# the amd64 headers), linux-source-6.1 (tests/setup.sh rig-arm64).
set -euo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
. "$REPO/tests/lib.sh"
B=${RIG_BUILD:-$REPO/build/rig-arm64}
HOST_KVER=${HOST_KVER:-$(kver)}
KVER=${ARM64_KVER:-${HOST_KVER%-amd64}-arm64}
SR=$B/sysroot
CROSS=aarch64-linux-gnu-
KBUILD_HOST=/usr/lib/linux-kbuild-6.1
LINUX_SRC=/usr/src/linux-source-6.1.tar.xz

# the arm64 packages: Xen, the kernel, the toolstack's and our tools' libraries, and the
# -dev packages our backend and client are built against
PKGS="xen-hypervisor-4.17-arm64 xen-utils-4.17 xenstore-utils busybox-static
linux-image-$KVER linux-headers-$KVER
libc6 libgcc-s1 libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1
libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4 libxentoolcore1 libxentoollog1
libyajl2 libfdt1 libext2fs2 libcom-err2 libblkid1 libuuid1 zlib1g libtinfo6 libncursesw6
libncurses6 libzstd1 liblzma5 libbz2-1.0 libgnutls30 libnl-3-200 libnl-route-3-200
libdrm2 libdrm-tests libdrm-dev libpng16-16 libpng-dev zlib1g-dev libxen-dev"
# architecture-independent ones
PKGS_ALL="linux-headers-${KVER%-arm64}-common"

mkdir -p "$B/stamps"
exec 8> "$B/.mkarm64.lock"
flock -w 900 8 || { echo "mkarm64: ERROR: $B/.mkarm64.lock held for 900 s" >&2; exit 1; }
log() { echo "mkarm64: $*" >&2; }
die() { echo "mkarm64: ERROR: $*" >&2; exit 1; }

stamp_of() { for f in "$@"; do stat -L -c '%n %Y %s' "$f"; done | sha256sum | cut -d' ' -f1; }
up_to_date() { # NAME PRODUCT INPUT...
	local name=$1 prod=$2
	shift 2
	[ -f "$B/stamps/$name" ] && [ -e "$prod" ] &&
		[ "$(cat "$B/stamps/$name")" = "$(stamp_of "$@")" ]
}
set_stamp() { local name=$1; shift; stamp_of "$@" > "$B/stamps/$name"; }

# ------------------------------------------------------------------ sysroot
fetch() {
	local p missing=()
	mkdir -p "$B/debs"
	for p in $PKGS; do
		compgen -G "$B/debs/${p}_*_arm64.deb" >/dev/null ||
			compgen -G "$B/debs/${p}_*_all.deb" >/dev/null || missing+=("$p:arm64")
	done
	for p in $PKGS_ALL; do
		compgen -G "$B/debs/${p}_*_all.deb" >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "dpkg --add-architecture arm64; apt-get update"
		dpkg --add-architecture arm64
		apt-get update -q >/dev/null
	fi
	log "apt-get download ${missing[*]}"
	(cd "$B/debs" && apt-get download -q "${missing[@]}" >/dev/null 2>"$B/debs/download.err") || {
		# an old package list: update once and try again
		apt-get update -q >/dev/null
		(cd "$B/debs" && apt-get download -q "${missing[@]}" >/dev/null 2>"$B/debs/download.err")
	} || die "apt-get download failed: $(tail -n 3 "$B/debs/download.err" | tr '\n' '|')"
}

build_sysroot() {
	fetch
	local debs=("$B"/debs/*.deb) d
	up_to_date sysroot "$SR/.done" "${debs[@]}" "$RIG_DIR/mkarm64.sh" && return 0
	log "sysroot <- ${#debs[@]} packages"
	rm -rf "$SR" "$B/kdir"
	mkdir -p "$SR"
	for d in "${debs[@]}"; do dpkg -x "$d" "$SR"; done
	[ -f "$SR/boot/vmlinuz-$KVER" ] || die "no boot/vmlinuz-$KVER in the packages"
	depmod -b "$SR" "$KVER" || die "depmod -b $SR $KVER failed"
	# the headers' tools are the host's (same 6.1 kbuild, built for x86_64)
	local k=$SR/usr/src/linux-headers-$KVER
	[ -d "$k" ] || die "no $k"
	rm -f "$k/scripts" "$k/tools"
	ln -s "$KBUILD_HOST/scripts" "$k/scripts"
	ln -s "$KBUILD_HOST/tools" "$k/tools"
	ln -s "$k" "$B/kdir"
	touch "$SR/.done"
	set_stamp sysroot "${debs[@]}" "$RIG_DIR/mkarm64.sh"
}

kmake() { make -C "$B/kdir" ARCH=arm64 CROSS_COMPILE=$CROSS "$@"; }

# ------------------------------------------------------------------ modules
build_ours() {
	local src=() f o=$B/ko/ours
	for f in "$REPO"/Makefile "$REPO"/*.[ch]; do src+=("$f"); done
	up_to_date ours "$o/drm_xen_front.ko" "${src[@]}" "$SR/.done" && return 0
	log "ko/ours <- repo sources (cross)"
	rm -rf "$o"; mkdir -p "$o"
	cp "${src[@]}" "$o/"
	kmake M="$o" CONFIG_DRM_XEN_FRONTEND=m modules > "$o/build.log" 2>&1 ||
		die "our module did not build for arm64: $(grep -m3 -E 'error|Error' "$o/build.log" | tr '\n' '|')"
	set_stamp ours "${src[@]}" "$SR/.done"
}

build_upstream() {
	local o=$B/ko/upstream
	up_to_date upstream "$o/drm_xen_front.ko" "$LINUX_SRC" "$SR/.done" "$RIG_DIR/mkarm64.sh" && return 0
	[ -f "$LINUX_SRC" ] || die "$LINUX_SRC missing (apt-get install linux-source-6.1)"
	log "ko/upstream <- $LINUX_SRC drivers/gpu/drm/xen (cross)"
	rm -rf "$o"; mkdir -p "$o"
	tar -xf "$LINUX_SRC" -C "$o" --strip-components=5 linux-source-6.1/drivers/gpu/drm/xen
	kmake M="$o" CONFIG_DRM_XEN_FRONTEND=m modules > "$o/build.log" 2>&1 ||
		die "the upstream module did not build for arm64: $(grep -m3 -E 'error|Error' "$o/build.log" | tr '\n' '|')"
	set_stamp upstream "$LINUX_SRC" "$SR/.done" "$RIG_DIR/mkarm64.sh"
}

# ------------------------------------------------------------------ user space
build_tools() {
	local src=("$REPO"/tests/backend/*.[ch] "$REPO"/tests/backend/Makefile
		"$REPO"/tests/client/*.c "$REPO"/tests/client/Makefile)
	up_to_date tools "$B/bin/xdisp-stress" "${src[@]}" "$SR/.done" && return 0
	log "bin/vdispl-be, bin/xdisp-client, bin/xdisp-stress (cross, sysroot $SR)"
	local lib=$SR/usr/lib/aarch64-linux-gnu o=$B/tools
	local cc="${CROSS}gcc -isystem $SR/usr/include -isystem $SR/usr/include/aarch64-linux-gnu"
	local ld="-L$lib -Wl,-rpath-link,$lib -Wl,-rpath-link,$SR/lib/aarch64-linux-gnu"
	rm -rf "$o"; mkdir -p "$o" "$B/bin"
	cp -r "$REPO/tests/backend" "$REPO/tests/client" "$o/"
	make -C "$o/backend" clean >/dev/null
	make -C "$o/backend" CC="$cc" LDFLAGS="$ld" vdispl-be > "$o/backend.log" 2>&1 ||
		die "vdispl-be did not build for arm64: $(grep -m3 error "$o/backend.log" | tr '\n' '|')"
	make -C "$o/client" clean >/dev/null
	make -C "$o/client" CC="$cc $ld" DRM_CFLAGS="-I$SR/usr/include/libdrm" DRM_LIBS=-ldrm \
		> "$o/client.log" 2>&1 ||
		die "the client did not build for arm64: $(grep -m3 error "$o/client.log" | tr '\n' '|')"
	cp "$o/backend/vdispl-be" "$o/client/xdisp-client" "$o/client/xdisp-stress" "$B/bin/"
	set_stamp tools "${src[@]}" "$SR/.done"
}

command -v ${CROSS}gcc >/dev/null ||
	die "${CROSS}gcc missing (tests/setup.sh rig-arm64)"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)
for t in "${targets[@]}"; do
	case $t in
	all) build_sysroot; build_ours; build_upstream; build_tools ;;
	sysroot) build_sysroot ;;
	ours) build_sysroot; build_ours ;;
	upstream) build_sysroot; build_upstream ;;
	tools) build_sysroot; build_tools ;;
	*) die "unknown target '$t' (all|sysroot|ours|upstream|tools)" ;;
	esac
done
