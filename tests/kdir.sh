#!/bin/bash
# Print the kernel build directory the module is built against: $KDIR if
# set, else Debian's newest installed 6.1 -amd64 headers.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ -n "${KDIR:-}" ]; then echo "$KDIR"; exit 0; fi
v=$(kver)
[ -n "$v" ] && [ -d "/lib/modules/$v/build" ] || {
	echo "kdir.sh: no Debian -amd64 kernel headers installed (run tests/setup.sh build)" >&2
	exit 1
}
echo "/lib/modules/$v/build"
