#!/bin/bash
# Install the Debian 12 packages a part of the project needs (idempotent:
# only what is missing is installed; apt-get update runs once before that).
# Usage: tests/setup.sh [build|lint|kunit|rig|rig-arm64|dkms|all]...   (default: all)
# rig-arm64 installs the host side only (QEMU for Arm, the cross compiler, kbuild):
# Debian's arm64 packages are unpacked, never installed (tests/rig/mkarm64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

build=(make gcc linux-headers-amd64 linux-image-amd64 kmod xz-utils)
lint=(sparse linux-source-6.1)
kunit=(linux-source-6.1 flex bison bc libelf-dev libssl-dev python3 qemu-system-x86 xz-utils rsync)
rig=(qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 libxen-dev linux-image-amd64
     busybox-static cpio libdrm-tests libdrm-dev libpng-dev zlib1g-dev pkg-config gzip xz-utils
     util-linux kmod mmdebstrap squashfs-tools python3 file)
rig_arm64=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-source-6.1
	   linux-headers-amd64 make kmod xz-utils cpio gzip util-linux binutils)
dkms=(dkms)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(all)
pkgs=()
for g in "${groups[@]}"; do
	case $g in
	build) pkgs+=("${build[@]}") ;;
	lint) pkgs+=("${build[@]}" "${lint[@]}") ;;
	kunit) pkgs+=("${kunit[@]}") ;;
	rig) pkgs+=("${build[@]}" "${rig[@]}") ;;
	rig-arm64) pkgs+=("${build[@]}" "${rig_arm64[@]}") ;;
	dkms) pkgs+=("${build[@]}" "${dkms[@]}") ;;
	all) pkgs+=("${build[@]}" "${lint[@]}" "${kunit[@]}" "${rig[@]}" "${dkms[@]}") ;;
	*) echo "setup.sh: unknown group $g" >&2; exit 2 ;;
	esac
done
need_pkgs "${pkgs[@]}"
