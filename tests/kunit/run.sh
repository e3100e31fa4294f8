#!/bin/bash
# Build a KUnit kernel with the driver's objects and their test suites over
# a fake Xen (x86_64, CONFIG_XEN=n), boot it under QEMU (TCG) and report.
#
# Usage: tests/kunit/run.sh [kunit.py run options, e.g. a filter glob 'xen_drm_front_cfg*']
#
# Caches: build/linux (the unpacked linux-source-6.1, our tree symlinked at
# drivers/gpu/drm/xen) and build/kunit (the kernel build, reused: a rebuild
# after touching a driver file takes well under a minute).
#
# KUNIT_BUILD_DIR and KUNIT_CONFIG (a directory with a .kunitconfig,
# relative to the kernel tree) select another build, e.g. the KASAN one of
# tests/kunit/fuzz.sh, without invalidating build/kunit.
#
# Fails on any failed test case and on any splat in the kernel log (lockdep,
# sleeping in atomic context, KFENCE, WARN/BUG, debugobjects...). The last
# line is always "kunit: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
. tests/lib.sh

KSRC=$top/build/linux
OUT=${KUNIT_BUILD_DIR:-$top/build/kunit}
LOCK=${RIG_LOCK:-/tmp/drm_xen_front.cpu.lock}
JSON=$OUT/results.json
LOG=$OUT/kunit-run.log

summary() {
	echo "kunit: $1 passed, $2 failed"
}

# Seconds since boot: immune to wall-clock steps.
uptime_s() {
	cut -d. -f1 /proc/uptime
}

need_pkgs linux-source-6.1 xz-utils make gcc libc6-dev flex bison bc \
	libelf-dev libssl-dev python3 qemu-system-x86 util-linux || {
	echo "FAIL kunit: cannot install the build dependencies"; summary 0 1; exit 1; }

# The kernel tree, unpacked once.
if [ ! -f "$KSRC/Makefile" ]; then
	echo "unpacking linux-source-6.1 into build/linux"
	rm -rf "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	if ! tar -xf /usr/src/linux-source-6.1.tar.xz -C "$KSRC.tmp" --strip-components=1; then
		echo "FAIL kunit: cannot unpack /usr/src/linux-source-6.1.tar.xz"; summary 0 1; exit 1
	fi
	mv "$KSRC.tmp" "$KSRC"
fi

# Our tree replaces drivers/gpu/drm/xen; the in-tree driver is kept aside.
xen=$KSRC/drivers/gpu/drm/xen
if [ ! -L "$xen" ]; then
	if [ -e "$xen" ]; then
		rm -rf "$KSRC/drivers/gpu/drm/xen.intree"
		mv "$xen" "$KSRC/drivers/gpu/drm/xen.intree"
	fi
	ln -s "$top" "$xen"
elif [ "$(readlink "$xen")" != "$top" ]; then
	ln -sfn "$top" "$xen"
fi
# drivers/gpu/drm/Makefile enters xen/ for CONFIG_DRM_XEN, which needs
# CONFIG_XEN; the test option (CONFIG_XEN=n) enters it too.
drm_mk=$KSRC/drivers/gpu/drm/Makefile
grep -q 'CONFIG_DRM_XEN_FRONTEND_KUNIT_TEST' "$drm_mk" ||
	echo 'obj-$(CONFIG_DRM_XEN_FRONTEND_KUNIT_TEST) += xen/' >>"$drm_mk"

mkdir -p "$OUT"
rm -f "$JSON" "$OUT/test.log"
start=$(uptime_s)
# --timeout: the whole run in QEMU; the fuzzer's short pass takes about
# a minute and a half of it (make fuzz passes its own).
# Build and QEMU run hold the machine's CPU lock (2 cores shared). Called
# from make (make kunit), the kernel build must not inherit its flags.
(cd "$KSRC" && unset MAKEFLAGS MAKELEVEL MFLAGS MAKEOVERRIDES GNUMAKEFLAGS &&
	flock "$LOCK" python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 \
	--kunitconfig="${KUNIT_CONFIG:-drivers/gpu/drm/xen/tests/kunit}" \
	--build_dir="$OUT" \
	--jobs="$(nproc)" \
	--timeout=400 \
	--kernel_args=oops=panic --kernel_args=panic=-1 \
	--kernel_args=slub_debug=FZP \
	--json="$JSON" "$@") >"$LOG" 2>&1
rc=$?
end=$(uptime_s)

if [ ! -s "$JSON" ]; then
	echo "FAIL kunit: no results (build or boot failed, rc=$rc); last lines of $LOG:"
	grep -E "error:|Error |undefined reference|ERROR" "$LOG" | head -40
	tail -25 "$LOG"
	summary 0 1
	exit 1
fi

echo "kunit.py run: $((end - start)) s, with the wait for the CPU lock (log $LOG, kernel log $OUT/test.log)"
grep -h "Elapsed time" "$LOG" | sed 's/^\[[0-9:]*\] /kunit.py: /'

# One line per test case, then the totals; kernel-log splats count as
# failures too.
python3 - "$JSON" "$OUT/test.log" "$rc" <<'EOF'
import json, re, sys

path, klog, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = failed = 0

def walk(group, prefix):
    global passed, failed
    name = group.get("name", "")
    here = prefix + [name] if name and name != "KUnit Test Group" else prefix
    for case in group.get("test_cases", []):
        full = ".".join(here + [case["name"] or "(unnamed: crashed or hung?)"])
        status = case["status"]
        if status == "PASS":
            passed += 1
            print("PASS", full)
        elif status == "SKIP":
            print("SKIP", full)
        else:
            failed += 1
            print("FAIL", full)
    for sub in group.get("sub_groups", []):
        walk(sub, here)

walk(json.load(open(path)), [])

splat = re.compile(r"WARNING:|BUG:|possible circular locking|possible recursive locking|"
                   r"inconsistent lock state|kmemleak|KFENCE|unreferenced object|"
                   r"sleeping function called from invalid context|ODEBUG|"
                   r"list_(add|del) corruption|Oops|Kernel panic|general protection|"
                   r"UBSAN|Call Trace:|hung_task|blocked for more than|"
                   r"BUG \S+ \(|Poison overwritten|Redzone overwritten|"
                   r"Object already free|refcount_t: ")
try:
    lines = open(klog, errors="replace").read().splitlines()
except OSError:
    lines = []
splats = [l for l in lines if splat.search(l)]
if splats:
    failed += 1
    print("FAIL kernel-log: %d suspicious line(s), first ones:" % len(splats))
    for l in splats[:15]:
        print("    " + l.strip())

# Details of failed cases: the assertion messages from the kernel log.
for i, l in enumerate(lines):
    if re.search(r"(EXPECTATION|ASSERTION) FAILED at|fake_xen: ", l):
        print("    " + " | ".join(x.strip() for x in lines[i:i + 4]))

if rc != 0 and failed == 0:
    failed += 1
    print("FAIL kunit.py: exit status %d (see the run log)" % rc)
print("kunit: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
exit $?
