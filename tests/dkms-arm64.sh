#!/bin/bash
# DKMS for arm64, cross (no QEMU, nothing installed): dkms add + build of the
# repo's dkms.conf for Debian's arm64 6.1 kernel, against the arm64 headers
# unpacked by tests/rig/mkarm64.sh (build/rig-arm64/kdir), with
# CROSS_COMPILE=aarch64-linux-gnu-. Prints "PASS dkms-arm64" or
# "FAIL dkms-arm64: <reason>".
#
# Checked: the module dkms builds is an AArch64 ELF whose vermagic is the
# arm64 kernel's (that of the upstream frontend built by mkarm64.sh against
# the same headers) and whose version is dkms.conf's. The registration lives
# in a temporary --dkmstree/--sourcetree, with a temporary signing key; dkms
# install is not run (the arm64 module tree is a sysroot, not this host's).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

fail() { echo "FAIL dkms-arm64: $*"; exit 1; }
tests/setup.sh dkms rig-arm64 >&2 || fail "could not install the packages"
tests/rig/mkarm64.sh upstream >&2 || fail "the arm64 headers (tests/rig/mkarm64.sh) are not there"
kdir=$(readlink -f build/rig-arm64/kdir)
KVER=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")
[ -n "$KVER" ] || fail "no UTS_RELEASE in $kdir"
want=$(modinfo -F vermagic build/rig-arm64/ko/upstream/drm_xen_front.ko)

tmp=$(mktemp -d /tmp/drm_xen_front-dkms-arm64.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/dkms"
D=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms")
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
make -s dkms-src DKMS_SRC="$tmp/pkg" >"$tmp/pkg.log" 2>&1 || fail "make dkms-src: $(tail -n3 "$tmp/pkg.log" | tr '\n' ' ')"
ver=$(bash -c '. "$1" && echo "$PACKAGE_VERSION"' _ "$tmp/pkg/dkms.conf" 2>/dev/null)
[ -n "$ver" ] || fail "dkms.conf gives no PACKAGE_VERSION"
dkms add "$tmp/pkg" "${D[@]}" >"$tmp/add.log" 2>&1 || fail "dkms add: $(tail -n2 "$tmp/add.log" | tr '\n' ' ')"
if ! CROSS_COMPILE=aarch64-linux-gnu- dkms build -m drm_xen_front -v "$ver" -k "$KVER" -a aarch64 \
	--kernelsourcedir "$kdir" "${D[@]}" >"$tmp/build.log" 2>&1; then
	[ -f "$tmp/dkms/drm_xen_front/$ver/build/make.log" ] && tail -n20 "$tmp/dkms/drm_xen_front/$ver/build/make.log"
	fail "dkms build: $(tail -n2 "$tmp/build.log" | tr '\n' ' ')"
fi
ko=$(find "$tmp/dkms/drm_xen_front/$ver/$KVER" -name 'drm_xen_front.ko*' | head -n1)
[ -n "$ko" ] || fail "dkms build made no drm_xen_front.ko"
# readelf (binutils, in setup.sh's rig-arm64 group): file(1) is not on every fresh machine
mach=$(readelf -h "$ko" 2>/dev/null | sed -n 's/^ *Machine: *//p')
[ "$mach" = AArch64 ] || fail "the module is not AArch64: ${mach:-not an ELF}"
[ "$(modinfo -F vermagic "$ko")" = "$want" ] || fail "vermagic '$(modinfo -F vermagic "$ko")', the kernel's is '$want'"
[ "$(modinfo -F version "$ko")" = "$ver" ] || fail "version '$(modinfo -F version "$ko")', dkms.conf's $ver"
echo "dkms-arm64: drm_xen_front $ver built by dkms for $KVER ($want)"
echo "PASS dkms-arm64"
