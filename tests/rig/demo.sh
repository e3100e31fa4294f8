#!/bin/bash
# The rig's demo (make run): boot Xen + dom0 + a domU with OUR drm_xen_front, with
# xen-troops displ_be (the backend deployments run) in dom0 showing the guest on dom0's
# own display, draw a test picture with the client in the guest, and leave QEMU's
# screendump of dom0's display at $RIG_BUILD/screen.png (default build/rig/screen.png).
# Installs what it needs (tests/setup.sh rig) and builds the module, the client and
# displ_be if they are missing.
set -uo pipefail
RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
export RIG_BUILD=${RIG_BUILD:-$REPO/build/rig}

"$REPO/tests/setup.sh" rig || { echo "demo: ERROR: cannot install the rig's packages" >&2; exit 1; }
if [ ! -f "$REPO/drm_xen_front.ko" ]; then
	make -C "$REPO" modules >&2 || { echo "demo: ERROR: cannot build drm_xen_front.ko" >&2; exit 1; }
fi
make -s -C "$REPO/tests/client" >&2 || { echo "demo: ERROR: cannot build the client" >&2; exit 1; }

"$RIG_DIR/run.sh" --module ours --backend displ_be _demo
rc=$?
png=$RIG_BUILD/results/ours+displ_be/_demo/be/dump1/conn0.png
if [ $rc -ne 0 ] || [ ! -s "$png" ]; then
	echo "demo: FAILED (see $RIG_BUILD/results/ours+displ_be/_demo/: serial.log, guest.log, be.log)" >&2
	exit 1
fi
cp "$png" "$RIG_BUILD/screen.png"
echo "demo: dom0's screen, showing what the guest drew through displ_be: $RIG_BUILD/screen.png"
