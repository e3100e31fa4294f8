#!/bin/bash
# Lint the driver: a W=1 build and a sparse (C=2) build that must print no
# warning, and checkpatch --strict on every source file.
# Usage: tests/lint.sh [w1|sparse|checkpatch]...  (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
. tests/lib.sh

KVER=$(kver)
KDIR=${KDIR:-/lib/modules/$KVER/build}
srcs=(xen_drm_front*.c xen_drm_front*.h)
fail=0

# Build with extra flags; any compiler or sparse diagnostic is a failure.
build_clean() {
	local name=$1; shift
	local log=build/lint-$name.log
	mkdir -p build
	# Recompile the driver's own objects only: a kbuild "clean" of M=
	# would also wipe every object under build/ (the KUnit kernel).
	rm -f "$top"/xen_drm_front*.o "$top"/.xen_drm_front*.o.cmd
	if ! make -C "$KDIR" M="$top" CONFIG_DRM_XEN_FRONTEND=m "$@" modules >"$log" 2>&1; then
		echo "FAIL lint-$name: build failed"; tail -20 "$log"; fail=1; return
	fi
	if grep -E "warning:|error:|: note:" "$log" | grep -F "$top/" >/dev/null; then
		echo "FAIL lint-$name:"; grep -E "warning:|error:" "$log" | grep -F "$top/"; fail=1; return
	fi
	echo "PASS lint-$name"
}

# CamelCase names the kernel's own headers define (XenbusState*, an enum of
# include/xen/interface/io/xenbus.h) are not ours to rename: checkpatch seeds
# only #defines and typedefs from include/, so it flags every Xen driver's
# use of them. Every other report fails the lint.
checkpatch() {
	local cp out left word hdr
	cp=$(checkpatch_path)
	hdr=/usr/src/linux-headers-$(kver | sed 's/-amd64$/-common/')/include
	out=$(cd build && "$cp" --strict --no-tree --terse --show-types \
		-f "${srcs[@]/#/$top/}" 2>&1 || true)
	left=$(grep -E "WARNING|ERROR|CHECK" <<<"$out" | while IFS= read -r line; do
		if [[ $line =~ CAMELCASE:\ Avoid\ CamelCase:\ \<([A-Za-z0-9_]+)\> ]]; then
			word=${BASH_REMATCH[1]}
			grep -rqw -- "$word" "$hdr/xen" 2>/dev/null && continue
		fi
		echo "$line"
	done)
	if [ -z "$left" ] && grep -q "total: 0 errors" <<<"$out"; then
		echo "PASS lint-checkpatch (${#srcs[@]} files)"
	else
		echo "FAIL lint-checkpatch:"; echo "${left:-$out}"; fail=1
	fi
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(w1 sparse checkpatch)
for s in "${steps[@]}"; do
	case $s in
	w1) build_clean w1 W=1 ;;
	sparse) command -v sparse >/dev/null || need_pkgs sparse; build_clean sparse C=2 ;;
	checkpatch) checkpatch ;;
	*) echo "unknown lint step $s"; exit 2 ;;
	esac
done
exit $fail
