#!/bin/bash
# Build xen-troops displ_be (the display backend Xen vdispl deployments run) and its
# library libxenbe on the host, for the rig's dom0: DRM mode, no zero-copy, no Wayland,
# no input, and no NDEBUG (displ_be compiles its per-command log out with it).
#
#   tests/rig/mkdisplbe.sh        -> $RIG_BUILD/displ_be/{bin/displ_be,lib/libxenbe.so}
#
# The sources are the unchanged upstream snapshots in ../shared/third_party/ beside the
# repository (see its README; DISPL_BE_SRC names another directory holding the same two
# tarballs). Rebuilt only when the tarballs or this script change. Prints the install
# prefix on stdout.
set -euo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
B=${RIG_BUILD:-$REPO/build/rig}
SRC=${DISPL_BE_SRC:-$REPO/../shared/third_party}
DBE_TAR=displ_be-b218acf.tar.gz
XENBE_TAR=libxenbe-bbe8f24.tar.gz
W=$B/displ_be.build
P=$B/displ_be

die() { echo "mkdisplbe: ERROR: $*" >&2; exit 1; }
for t in "$DBE_TAR" "$XENBE_TAR"; do
	[ -f "$SRC/$t" ] || die "$SRC/$t is missing: displ_be's sources are expected in ../shared/third_party (or set DISPL_BE_SRC)"
done

# shellcheck source=../lib.sh
. "$REPO/tests/lib.sh"
need_pkgs cmake g++ make pkg-config libxen-dev libdrm-dev libudev-dev >&2

stamp=$(cat "$SRC/$DBE_TAR" "$SRC/$XENBE_TAR" "$0" | sha256sum | cut -d' ' -f1)
if [ -x "$P/bin/displ_be" ] && [ "$(cat "$P/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$P"
	exit 0
fi

echo "mkdisplbe: building displ_be and libxenbe (log: $W/build.log)" >&2
rm -rf "$W" "$P"
mkdir -p "$W/inc"
tar -xzf "$SRC/$XENBE_TAR" -C "$W"
tar -xzf "$SRC/$DBE_TAR" -C "$W"
# displ_be includes <drm/drm_mode.h>; Debian has it only under /usr/include/libdrm.
ln -s /usr/include/libdrm "$W/inc/drm"
{
	cmake -S "$W/${XENBE_TAR%.tar.gz}" -B "$W/b1" -DWITH_TEST=OFF -DCMAKE_BUILD_TYPE= \
		-DCMAKE_CXX_FLAGS="-O2 -g" -DCMAKE_INSTALL_PREFIX="$P" &&
	make -C "$W/b1" -j"$(nproc)" install &&
	cmake -S "$W/${DBE_TAR%.tar.gz}" -B "$W/b2" -DWITH_DRM=ON -DWITH_ZCOPY=OFF \
		-DWITH_WAYLAND=OFF -DWITH_INPUT=OFF -DCMAKE_BUILD_TYPE= \
		-DCMAKE_CXX_FLAGS="-O2 -g -I$W/inc" -DXENBE_INCLUDE_PATH="$P/include" \
		-DXENBE_LIB_PATH="$P/lib" -DCMAKE_INSTALL_PREFIX="$P" &&
	make -C "$W/b2" -j"$(nproc)" install
} >"$W/build.log" 2>&1 || { tail -n 20 "$W/build.log" >&2; die "the build failed (see $W/build.log)"; }
[ -x "$P/bin/displ_be" ] || die "no $P/bin/displ_be after the build"
echo "$stamp" >"$P/.stamp"
echo "$P"
