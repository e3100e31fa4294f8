#!/bin/bash
# make bench: our drm_xen_front vs Debian's, side by side, in one rig run.
#
#   tests/bench/run.sh [--mode icount|wall|both] [--parts core,scale,displ_be]
#                      [--rounds N] [--quick] [--no-profile] [--report-only]
#                      [--tsc default|native]
#
# --mode: both (default: icount, then wall, reported side by side, icount first);
# icount runs the rig's QEMU with instruction-counted time
# (-icount shift=0,sleep=off; BENCH_ICOUNT overrides the argument): the guest's clock
# follows the instructions executed, so every figure taken inside the guest is a count,
# not the host's load; it also pins the guest to Xen's CPU 1 and dom0 to CPU 0 and loads
# tests/bench/insncount.so, which counts the instructions each CPU executes between
# xbench's marks (the guest's CPU cost per flip as an instruction count);
# wall = the plain TCG run (two vCPU threads, host time).
# --tsc (icount mode; default native): the guests' xl.cfg tsc_mode. Under TCG the CPU
# has no invariant TSC, so Xen's default emulates every RDTSC of a PV guest (a #GP trap
# and x86_emulate: ~1,400 instructions each, 40% of a flip's), which Xen on hardware
# with an invariant TSC (any x86 server of the last 15 years) does not: native gives
# the guests that; default keeps Xen's choice (tests/bench/analysis.md has both).
# --parts (default all three): core = rounds of main (unpaced backend) + vsync (backend
# at 60 Hz) per module, then the profile; scale = flips on 1/2/4/8 connectors at once,
# one guest per module (buffer sizes are in main); displ_be = a second boot with
# xen-troops displ_be as the backend, flips, one guest per module. --quick: fewer
# samples (a smoke run, not for the record).
#
# One QEMU boot (the rig's bench-suite scenario) runs a plan of fresh guests, one per
# (round, module, part), modules alternating within each round and the order flipped
# from round to round (ours, debian | debian, ours | ...): identical kernel, backend,
# client and boot for both. Raw results (build/bench/<mode>/raw/) become BENCHMARKS.md
# (repo root) and build/bench/bench.json (copied to tests/bench/last-run.json) through
# tests/bench/report.py; --report-only rewrites them from the last run's raw results.
# Env: BENCH_BUILD (default <repo>/build/bench), BENCH_OURS_KO (default: the repo-root
# drm_xen_front.ko; another build of ours to compare), BENCH_MD (default
# <repo>/BENCHMARKS.md; last-run.json is only updated with the default). --rounds 0:
# no main/vsync rounds. The rig's cache lives in $BENCH_BUILD/rig; ours is a snapshot
# taken at the start (a rebuild during the run changes nothing).
set -uo pipefail
# (one brace group, read whole before it runs: editing this file during a run is safe)
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BB=${BENCH_BUILD:-$REPO/build/bench}
ROUNDS=4
MODE=both
PARTS=core,scale,displ_be
ICOUNT_SPEC=${BENCH_ICOUNT:-shift=0,sleep=off}
QUICK=0
REPORT_ONLY=0
PROFILE=1
TSC_MODE=${BENCH_TSC:-native}
OURS_SRC=${BENCH_OURS_KO:-$REPO/drm_xen_front.ko}
MD=${BENCH_MD:-$REPO/BENCHMARKS.md}
CMDLINE="tests/bench/run.sh $*"
[ -n "${MAKELEVEL:-}" ] && [ $# = 0 ] && CMDLINE="make bench"
[ -n "${BENCH_CMD:-}" ] && CMDLINE=$BENCH_CMD

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--mode) MODE=$2; shift 2 ;;
	--mode=*) MODE=${1#*=}; shift ;;
	--parts) PARTS=$2; shift 2 ;;
	--parts=*) PARTS=${1#*=}; shift ;;
	--quick) QUICK=1; shift ;;
	--report-only) REPORT_ONLY=1; shift ;;
	--no-profile) PROFILE=0; shift ;;
	--tsc) TSC_MODE=$2; shift 2 ;;
	-h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
done

say() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
case $MODE in icount|wall) MODES=$MODE ;; both) MODES="icount wall" ;;
*) die "--mode must be icount, wall or both" ;; esac
case $TSC_MODE in default|native) ;; *) die "--tsc must be default or native" ;; esac
has_part() { case ",$PARTS," in *",$1,"*) return 0 ;; esac; return 1; }
for p in ${PARTS//,/ }; do case $p in core|scale|displ_be) ;; *) die "--parts: unknown part $p" ;; esac; done

report() {
	python3 "$HERE/report.py" --build "$BB" --repo "$REPO" --md "$MD" --cmd "$CMDLINE" --modes "$(cat "$BB/modes.txt" 2>/dev/null || echo "$MODES")" || die "report.py failed"
	if [ "$MD" = "$REPO/BENCHMARKS.md" ]; then
		cp "$BB/bench.json" "$HERE/last-run.json"
		say "wrote $MD, $BB/bench.json, tests/bench/last-run.json"
	else
		say "wrote $MD, $BB/bench.json"
	fi
}

if [ $REPORT_ONLY = 1 ]; then report; exit 0; fi

T0=$(date +%s)
# ------------------------------------------------------------------ build
make -s -C "$HERE" || die "cannot build tests/bench"
[ -x "$REPO/tests/backend/vdispl-be" ] || make -s -C "$REPO/tests/backend" || die "cannot build vdispl-be"
[ -f "$OURS_SRC" ] || die "$OURS_SRC is not built (make)"
KVER=$(ls /lib/modules | sort -V | tail -n1)
EVTCHN_KO=$(find /lib/modules/$KVER -name 'xen-evtchn.ko*' | head -n1)
[ -n "$EVTCHN_KO" ] || die "no xen-evtchn.ko under /lib/modules/$KVER"

DEBIAN_DIR=/lib/modules/$KVER/kernel/drivers
DEBIAN_KO=$DEBIAN_DIR/gpu/drm/xen/drm_xen_front.ko
PGDIR_KO=$(find $DEBIAN_DIR/xen -name 'xen-front-pgdir-shbuf.ko*' | head -n1)
[ -f "$DEBIAN_KO" ] && [ -n "$PGDIR_KO" ] || die "Debian's drm_xen_front.ko or xen-front-pgdir-shbuf.ko missing under $DEBIAN_DIR"
unxz_cp() { case $1 in *.xz) xz -dc "$1" > "$2" ;; *) cp "$1" "$2" ;; esac; }

mkdir -p "$BB"
rm -rf "$BB/extra" "$BB/raw" "$BB/icount" "$BB/wall"
: > "$BB/rig.err"
echo "$MODES" > "$BB/modes.txt"
G=$BB/extra/guest/bench
mkdir -p "$G/ours" "$G/debian" "$BB/extra/dom0/bench" "$BB/ours"
cp "$OURS_SRC" "$BB/ours/drm_xen_front.ko"
cp "$BB/ours/drm_xen_front.ko" "$G/ours/"
unxz_cp "$DEBIAN_KO" "$G/debian/drm_xen_front.ko"
unxz_cp "$PGDIR_KO" "$G/debian/xen-front-pgdir-shbuf.ko"
unxz_cp "$EVTCHN_KO" "$G/xen-evtchn.ko"
cp "$HERE/xbench" "$HERE/evtping" "$HERE/guest/bench-lib.sh" "$HERE/guest/prof.awk" "$G/"
if [ $QUICK = 1 ]; then
	printf 'BENCH_FLIPS=100\nBENCH_MODESETS=10\nBENCH_VSYNC_FLIPS=60\nBENCH_PINGS=300\nBENCH_BUFS="1024x768:5 1920x1080:3 2560x1440:2 3840x2160:2"\nBENCH_MF_ITERS=30\nBENCH_DBE_FLIPS=60\n' > "$G/bench.env"
else
	: > "$G/bench.env"
fi
cp "$HERE/evtping" "$HERE/dom0/bench-dom0.sh" "$BB/extra/dom0/bench/"
# the plan: rounds of (module, part), order flipped every round (ABBA...)
n=0
{
if has_part core; then
	for r in $(seq 1 "$ROUNDS"); do
		order="ours debian"
		[ $((r % 2)) = 0 ] && order="debian ours"
		for m in $order; do
			for p in main vsync; do n=$((n + 1)); echo "$r $n $m $p"; done
		done
	done
	if [ $PROFILE = 1 ]; then
		for m in ours debian; do n=$((n + 1)); echo "$ROUNDS $n $m profile"; done
	fi
fi
if has_part scale; then
	for m in ours debian; do n=$((n + 1)); echo "1 $n $m scale"; done
fi
} > "$BB/plan.txt"
{ has_part displ_be && for m in ours debian; do n=$((n + 1)); echo "1 $n $m dbe"; done; } > "$BB/plan-displ_be.txt"
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n1)"
	echo "host_kernel=$(uname -r)"
	echo "guest_kernel=$KVER"
	echo "xen_pkg=$(dpkg-query -W -f '${Package} ${Version}' 'xen-hypervisor-4.17-amd64' 2>/dev/null)"
	echo "ours_ko=$(sha256sum < "$BB/ours/drm_xen_front.ko" | cut -c1-12) ($OURS_SRC)"
	echo "debian_ko=$(sha256sum < /lib/modules/$KVER/kernel/drivers/gpu/drm/xen/drm_xen_front.ko | cut -c1-12) (linux-image-$KVER $(dpkg-query -W -f '${Version}' linux-image-$KVER 2>/dev/null))"
	echo "git=$(cd "$REPO" && git describe --always --dirty 2>/dev/null)"
	echo "rounds=$ROUNDS quick=$QUICK profile=$PROFILE modes=$MODES parts=$PARTS icount=$ICOUNT_SPEC tsc=$TSC_MODE"
} > "$BB/machine.txt"

export RIG_BUILD="$BB/rig"
export OURS_KO="$BB/ours/drm_xen_front.ko"
export RIG_GUEST_EXTRA="$BB/extra/guest"
export RIG_DOM0_EXTRA="$BB/extra/dom0"

# rig_boot MODE BACKEND PLAN RAWDIR: one rig boot running PLAN's guests
rig_boot() {
	local mode=$1 be=$2 plan=$3 raw=$4 res=ours t0
	[ -s "$plan" ] || return 0
	cp "$plan" "$BB/extra/dom0/bench/plan.txt"
	[ "$be" = displ_be ] && res=ours+displ_be
	say "$mode mode, backend $be: $(wc -l < "$plan") guests in one boot: $(awk '{s = s (NR > 1 ? ", " : "") $3 "-" $4} END {print s}' "$plan")"
	t0=$(date +%s)
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$BB/$mode/machine-$be.txt"
	rm -f "$BB/extra/dom0/bench/pin" "$BB/extra/dom0/bench/tsc" "$BB/$mode/insn-$be.txt"
	if [ "$mode" = icount ]; then
		# the guest pinned to CPU 1, dom0 to CPU 0; insncount.so counts what each runs
		echo 1 > "$BB/extra/dom0/bench/pin"
		echo "$TSC_MODE" > "$BB/extra/dom0/bench/tsc"
		RIG_QEMU_ICOUNT=$ICOUNT_SPEC RIG_XEN_EXTRA=dom0_vcpus_pin \
		RIG_QEMU_PLUGIN="$HERE/insncount.so,out=$BB/$mode/insn-$be.txt,prof=1" \
			"$REPO/tests/rig/run.sh" --module ours --backend "$be" bench-suite
	else
		RIG_QEMU_ICOUNT= "$REPO/tests/rig/run.sh" --module ours --backend "$be" bench-suite
	fi 2>> "$BB/rig.err" | tee -a "$BB/$mode/runs.txt" | sed 's/^/bench: /' >&2
	mkdir -p "$raw"
	cp -a "$RIG_BUILD/results/$res/bench-suite" "$raw/bench-suite" 2>/dev/null || say "no results from the rig ($mode, $be)"
	[ -f "$BB/$mode/insn-$be.txt" ] && cp "$BB/$mode/insn-$be.txt" "$raw/insn.txt"
	cp "$plan" "$raw/plan.txt"
	{ echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"; echo "wall_s=$(( $(date +%s) - t0 ))"
	  echo "qemu_s=$(cut -d' ' -f2 "$raw/bench-suite/qemu.txt" 2>/dev/null)"; } >> "$BB/$mode/machine-$be.txt"
}

# ------------------------------------------------------------------ the run
for mode in $MODES; do
	mkdir -p "$BB/$mode"
	: > "$BB/$mode/runs.txt"
	rig_boot "$mode" real "$BB/plan.txt" "$BB/$mode/raw"
	rig_boot "$mode" displ_be "$BB/plan-displ_be.txt" "$BB/$mode/raw-displ_be"
done
echo "wall_s=$(( $(date +%s) - T0 ))" >> "$BB/machine.txt"
say "done in $(( $(date +%s) - T0 )) s"
report
exit $?
}
