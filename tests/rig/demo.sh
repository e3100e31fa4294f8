#!/bin/bash
# The rig's demo: boot Xen + dom0 + a domU with OUR drm_xen_front, draw a test picture
# with the client, and leave the backend's screenshot at $RIG_BUILD/screen.png
# (default build/rig/screen.png). Needs: the module (make at the repo root); builds the
# client and the backend if they are missing.
set -uo pipefail
RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
export RIG_BUILD=${RIG_BUILD:-$REPO/build/rig}

if [ ! -f "$REPO/drm_xen_front.ko" ]; then
	echo "demo: ERROR: $REPO/drm_xen_front.ko is not built: run 'make' at the repo root first" >&2
	exit 1
fi
[ -x "$REPO/tests/client/xdisp-client" ] || make -C "$REPO/tests/client" >&2 || { echo "demo: ERROR: cannot build the client" >&2; exit 1; }
[ -x "$REPO/tests/backend/vdispl-be" ] || make -C "$REPO/tests/backend" >&2 || { echo "demo: ERROR: cannot build the backend" >&2; exit 1; }

"$RIG_DIR/run.sh" --module ours --backend real _demo
rc=$?
png=$RIG_BUILD/results/ours/_demo/be/dump1/conn0.png
if [ $rc -ne 0 ] || [ ! -s "$png" ]; then
	echo "demo: FAILED (see $RIG_BUILD/results/ours/_demo/: serial.log, guest.log, be.log)" >&2
	exit 1
fi
cp "$png" "$RIG_BUILD/screen.png"
echo "demo: the guest's screen as the backend saw it: $RIG_BUILD/screen.png"
