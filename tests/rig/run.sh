#!/bin/bash
# Run rig scenarios: Xen + PV dom0 + a domU per scenario, in QEMU, judged on the host.
#
#   tests/rig/run.sh [--arch x86_64|arm64] [--module ours|debian|upstream] [--guest pv|pvh]
#                    [--backend real|displ_be|standin] [--isolated] [-v] SCENARIO...|all
#
# By default all the scenarios share one boot (dom0 comes up once; each scenario gets its
# own guest, backend and results); a scenario that did not finish there (dom0 died, QEMU
# timed out, dom0 unhealthy) is rerun alone in a fresh boot. --isolated: one boot each.
# "all" = the names in scenarios/ORDER (scenarios/ORDER.displ_be with --backend displ_be,
# scenarios/ORDER.arm64 with --arch arm64).
#
# --arch arm64: Xen 4.17 for Arm in qemu-system-aarch64 (virt, TCG), dom0 and a PVH domU on
# Debian's arm64 kernel (mkarm64.sh: packages unpacked, modules and tools cross-built),
# in $RIG_BUILD (default <repo>/build/rig-arm64); the reference module is "upstream"
# (linux-source-6.1's frontend, cross-built: Debian's arm64 kernel has none).
#
# --backend: real = our test backend tests/backend/vdispl-be (fault injection, dumps);
# displ_be = xen-troops displ_be (the deployed backend, built by mkdisplbe.sh) showing the
# guest on dom0's own display (QEMU's std VGA, bochs-drm), judged on QEMU screendumps;
# standin = a shell loop that walks the XenBus states only.
# --guest: the domU type, pv (default) or pvh (xl type "pvh", with the CPUID trims TCG
# needs).
#
# Prints one line per scenario: "PASS <label> <scenario> (<secs>s)" or
# "FAIL <label> <scenario>: <reason>; ... (<secs>s)" (secs: the scenario's own time in
# dom0), and exits non-zero if any failed. <label> is the module ("ours", "debian"),
# "+displ_be" appended with --backend displ_be, "/pvh" for a PVH guest (e.g.
# "ours+displ_be/pvh").
# Results: $RIG_BUILD/results/<module>[+displ_be][-pvh]/<scenario>/ (serial.log,
# guest.log, be.log, be/, ...).
# Env: RIG_BUILD (default <repo>/build/rig), RIG_LOCK (the machine-wide QEMU lock),
#      RIG_LOCK_WAIT (s, default 3600), RIG_QEMU_MEM (MiB, default 1024),
#      RIG_DOMU_KERNEL (vmlinux.gz or vmlinux), RIG_GUEST_EXTRA / RIG_DOM0_EXTRA (trees
#      added to the guest's per-run cpio at / and to dom0's payload at /payload),
#      RIG_QEMU_ICOUNT (x86_64: QEMU's -icount argument, e.g. "shift=0,sleep=off":
#      instruction-counted virtual time, single-threaded TCG; tests/bench/run.sh uses it
#      for its deterministic mode), RIG_QEMU_PLUGIN (x86_64: QEMU's -plugin argument; the
#      bench's instruction counter, tests/bench/insncount.c), RIG_XEN_EXTRA (x86_64: added
#      to Xen's command line, e.g. dom0_vcpus_pin).
set -uo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
LOCK=${RIG_LOCK:-/tmp/drm_xen_front.cpu.lock}
LOCK_WAIT=${RIG_LOCK_WAIT:-3600}
QMEM=${RIG_QEMU_MEM:-1024}
ICOUNT=${RIG_QEMU_ICOUNT:-}
QPLUGIN=${RIG_QEMU_PLUGIN:-}
XEN_EXTRA=${RIG_XEN_EXTRA:-}

ARCH=x86_64
MODULE=ours
GUEST_TYPE=pv
BACKEND=auto
VERBOSE=0
ISOLATED=0
scenarios=()
usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--arch) ARCH=$2; shift 2 ;;
	--arch=*) ARCH=${1#*=}; shift ;;
	--module) MODULE=$2; shift 2 ;;
	--module=*) MODULE=${1#*=}; shift ;;
	--guest) GUEST_TYPE=$2; shift 2 ;;
	--guest=*) GUEST_TYPE=${1#*=}; shift ;;
	--backend) BACKEND=$2; shift 2 ;;
	--backend=*) BACKEND=${1#*=}; shift ;;
	--isolated) ISOLATED=1; shift ;;
	-v|--verbose) VERBOSE=1; shift ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
export RIG_ARCH=$ARCH
case $ARCH in
x86_64)
	REF=debian
	export RIG_BUILD=${RIG_BUILD:-$REPO/build/rig}
	BACKEND_BIN=${VDISPL_BE:-$REPO/tests/backend/vdispl-be}
	DOMU_KERNEL=${RIG_DOMU_KERNEL:-vmlinux.gz}   # or vmlinux (uncompressed)
	SR=
	;;
arm64)
	REF=upstream
	export RIG_BUILD=${RIG_BUILD:-$REPO/build/rig-arm64}
	BACKEND_BIN=${VDISPL_BE:-$RIG_BUILD/bin/vdispl-be}
	DOMU_KERNEL=vmlinux   # the uncompressed Image
	SR=$RIG_BUILD/sysroot
	[ "$BACKEND" = displ_be ] && { echo "run.sh: --backend displ_be is not built for arm64 yet" >&2; exit 2; }
	if [ ! -x "$BACKEND_BIN" ] && [ "$BACKEND" != standin ]; then
		"$RIG_DIR/mkarm64.sh" tools || exit 1
	fi
	;;
*) echo "run.sh: --arch must be x86_64 or arm64" >&2; exit 2 ;;
esac
B=$RIG_BUILD
. "$RIG_DIR/lib/elf-libs.sh"
case $MODULE in ours|"$REF") ;; *) echo "run.sh: --module must be ours or $REF on $ARCH" >&2; exit 2 ;; esac
# LABEL names module, backend and guest type in verdict lines; RES_NAME is the results
# directory
LABEL=$MODULE
[ "$BACKEND" = displ_be ] && LABEL=$MODULE+displ_be
RES_NAME=$LABEL
case $GUEST_TYPE in
pv) ;;
pvh) LABEL=$LABEL/pvh RES_NAME=$RES_NAME-pvh ;;
*) echo "run.sh: --guest must be pv or pvh" >&2; exit 2 ;;
esac
[ ${#scenarios[@]} -gt 0 ] || usage
if [ "${scenarios[0]}" = all ]; then
	order=$RIG_DIR/scenarios/ORDER
	[ "$BACKEND" = displ_be ] && order=$RIG_DIR/scenarios/ORDER.displ_be
	[ "$ARCH" = arm64 ] && order=$RIG_DIR/scenarios/ORDER.arm64
	mapfile -t scenarios < <(grep -v '^#' "$order" | grep .)
fi
for s in "${scenarios[@]}"; do
	[ -f "$RIG_DIR/scenarios/$s.sh" ] || { echo "run.sh: no scenario '$s' (tests/rig/scenarios/$s.sh)" >&2; exit 2; }
done

case $BACKEND in
auto) if [ -x "$BACKEND_BIN" ]; then BACKEND=real; else
	echo "run.sh: NOTE: $BACKEND_BIN is not built (make -C tests/backend): using the stand-in backend (state machine only)" >&2
	BACKEND=standin; fi ;;
real) [ -x "$BACKEND_BIN" ] || { echo "run.sh: ERROR: $BACKEND_BIN is not built (make -C tests/backend)" >&2; exit 2; } ;;
standin) ;;
displ_be)
	DISPL_BE=$("$RIG_DIR/mkdisplbe.sh") || {
		for sc in "${scenarios[@]}"; do echo "FAIL $LABEL $sc: displ_be not built (tests/rig/mkdisplbe.sh)"; done
		exit 1; } ;;
*) echo "run.sh: --backend must be real, displ_be or standin" >&2; exit 2 ;;
esac

# images (each rebuilt only when its inputs changed)
mkdir -p "$B"
if ! "$RIG_DIR/mkimages.sh" base "$MODULE" 2> >(tee "$B/mkimages.err" >&2); then
	sleep 0.2
	why=$(grep ERROR "$B/mkimages.err" | tail -n1)
	for sc in "${scenarios[@]}"; do echo "FAIL $LABEL $sc: images not built: ${why:-mkimages.sh failed}"; done
	exit 1
fi
# the guest root (mkguestroot.sh: Debian + weston), for scenarios that set GUEST_ROOT=1
wants_groot() { [ "$(GUEST_ROOT=; . "$RIG_DIR/scenarios/$1.sh" >/dev/null 2>&1; echo "${GUEST_ROOT:-}")" = 1 ]; }
for sc in "${scenarios[@]}"; do
	if wants_groot "$sc"; then
		"$RIG_DIR/mkimages.sh" guestroot ||
			echo "run.sh: ERROR: the guest root was not built; $sc will fail (see $B/guestroot.log)" >&2
		break
	fi
done

# ------------------------------------------------------------------ payload
make_payload() { # STAGE SCENARIO...
	local st=$1 x=$1.extra sc
	shift
	rm -rf "$st" "$x"; mkdir -p "$st/rig/scenarios" "$st/bin" "$st/lib" "$x/rig/bin" "$x/rig/scenarios"
	cp "$RIG_DIR/lib/dom0-lib.sh" "$RIG_DIR/lib/dom0-main.sh" "$st/rig/"
	# every scenario, not only this boot's: a scenario may build on another (weston-restart)
	cp "$RIG_DIR"/scenarios/*.sh "$st/rig/scenarios/"
	cp "$RIG_DIR"/scenarios/*.sh "$x/rig/scenarios/"
	printf 'SCENARIOS="%s"\nMODULE=%s\nRIG_BACKEND=%s\nDOMU_KERNEL=%s\nGUEST_TYPE=%s\nRIG_ARCH=%s\n' "$*" "$MODULE" "$BACKEND" "$DOMU_KERNEL" "$GUEST_TYPE" "$ARCH" > "$st/rig/run.env"
	# the seed of the fault-random scenario, if the caller chose one
	case ${RIG_FAULT_SEED:-} in
	'' | random) ;;
	*[!0-9]*) echo "run.sh: RIG_FAULT_SEED must be a number or 'random'" >&2; exit 2 ;;
	esac
	[ -z "${RIG_FAULT_SEED:-}" ] || printf 'RIG_FAULT_SEED=%s\n' "$RIG_FAULT_SEED" >> "$st/rig/run.env"
	ln "$B/$DOMU_KERNEL" "$st/$DOMU_KERNEL" 2>/dev/null || cp "$B/$DOMU_KERNEL" "$st/$DOMU_KERNEL"
	# the guest's per-run cpio: appended to the base domU initramfs
	cp "$RIG_DIR/lib/guest-lib.sh" "$x/rig/"
	cp "$RIG_DIR/lib/rig-req" "$x/rig/bin/"
	# optional extra files (tests/bench/run.sh): RIG_GUEST_EXTRA's tree goes into the
	# guest's per-run cpio (at /), RIG_DOM0_EXTRA's into dom0's payload (at /payload)
	if [ -n "${RIG_GUEST_EXTRA:-}" ]; then cp -a "$RIG_GUEST_EXTRA/." "$x/"; fi
	(cd "$x" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$st/extra.cpio.gz"
	cat "$B/domU-$MODULE.cpio.gz" "$st/extra.cpio.gz" > "$st/domU.cpio.gz"
	rm -f "$st/extra.cpio.gz"; rm -rf "$x"
	if [ -n "${RIG_DOM0_EXTRA:-}" ]; then cp -a "$RIG_DOM0_EXTRA/." "$st/"; fi
	if [ "$BACKEND" = real ]; then
		cp "$BACKEND_BIN" "$st/bin/vdispl-be"
		target_libs "$SR" "$BACKEND_BIN" | grep -v 'ld-linux' | while read -r l; do cp -L "$SR$l" "$st/lib/"; done
	elif [ "$BACKEND" = displ_be ]; then
		cp "$DISPL_BE/bin/displ_be" "$st/bin/displ_be"
		cp "$DISPL_BE/lib/libxenbe.so" "$st/lib/"
		LD_LIBRARY_PATH=$DISPL_BE/lib ldd "$DISPL_BE/bin/displ_be" "$DISPL_BE/lib/libxenbe.so" |
			awk '/=> \//{print $3}' | sort -u | while read -r l; do cp -L "$l" "$st/lib/"; done
		# not listed by ldd, needed by C++ exceptions
		cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$st/lib/"
	fi
	tar cf "$st.tar" -C "$st" . && rm -rf "$st"
}

# ------------------------------------------------------------------ judge
reasons=()
jfail() { local m="$*"; reasons+=("${m//$'\r'/}"); }   # (guest console lines end in CR LF)
# helpers for a scenario's judge_scenario() (run in the results dir)
be_checksum() { # CONN [DUMPDIR]
	sed -n 's/^checksum=\(0x[0-9a-fA-F]*\).*/\1/p' "${2:-be}/conn$1.txt" 2>/dev/null | head -n1 | tr A-F a-f
}
# expect_checksum_match CONN [DUMPDIR [NTH]]: the client's NTH (default: last) checksum
# for CONN in guest.log == the backend's in DUMPDIR/conn<CONN>.txt
expect_checksum_match() {
	local c=$1 d=${2:-be} nth=${3:-} cs bs
	cs=$(grep -o "CLIENT checksum=0x[0-9a-fA-F]* conn=$c " guest.log 2>/dev/null |
		if [ -n "$nth" ]; then sed -n "${nth}p"; else tail -n1; fi |
		sed 's/.*checksum=\(0x[0-9a-fA-F]*\).*/\1/' | tr A-F a-f)
	bs=$(be_checksum "$c" "$d")
	if [ -z "$cs" ]; then jfail "no client checksum for connector $c in guest.log"; return 1; fi
	if [ -z "$bs" ]; then jfail "no backend checksum in $d/conn$c.txt"; return 1; fi
	[ "$cs" = "$bs" ] || { jfail "connector $c: client checksum $cs != backend $bs ($d/conn$c.txt)"; return 1; }
}
expect_file() { [ -s "$1" ] || jfail "missing or empty: $1"; }
expect_guest_line() { grep -qE -- "$1" guest.log 2>/dev/null || jfail "guest.log lacks /$1/"; }
need_real_backend() { [ "$(fact backend)" = vdispl-be ] || [ "$(fact backend)" = displ_be ]; }
# the backend that served the scenario: vdispl-be, displ_be or standin
backend_is() { [ "$(fact backend)" = "$1" ]; }
fact() { sed -n "s/^$1=//p" facts.txt 2>/dev/null | tail -n1; }

# complete RESULTS_DIR: dom0 finished this scenario
complete() { [ -f "$1/facts.txt" ] && grep -q '^t_end=' "$1/facts.txt"; }

judge() { # SCENARIO RESULTS_DIR QEMU_RC
	local sc=$1 r=$2 qrc=$3 m
	reasons=()
	(
	cd "$r" || exit 1
	if ! complete .; then
		m=$(cat skipped.txt 2>/dev/null)
		[ -n "$m" ] && m="skipped: $m; "
		jfail "${m}no complete results from dom0 (qemu rc $qrc; serial.log ends: $(grep -v '^domU|' serial.log 2>/dev/null | tail -n 3 | tr '\n' '|' | cut -c1-300))"
		# whatever came back is still judged below
	fi
	[ -f fails.txt ] && while IFS= read -r m; do [ -n "$m" ] && jfail "$m"; done < fails.txt
	if [ -f guest.log ]; then
		m=$(grep -m3 -E 'WARNING:|BUG:|Oops|Call Trace|general protection' guest.log | tr '\n' '|')
		[ -z "$m" ] || jfail "guest log: $m"
	fi
	m=$(grep -m3 -E 'WARNING:|BUG:|Oops|Call Trace|general protection' dom0-dmesg.txt 2>/dev/null | tr '\n' '|')
	[ -z "$m" ] || jfail "dom0 dmesg: $m"
	m=$(cat be.log be/trace.log 2>/dev/null | grep -m3 VIOLATION | tr '\n' '|')
	[ -z "$m" ] || jfail "backend: $m"
	# displ_be logs what it refuses at level ERR ("| ERR -"); a scenario that provokes
	# such errors on purpose lists the expected ones in DISPL_BE_ERR_OK (an ERE). Not
	# counted: the refusals of our module's format probe at connect (issue #13.2: each
	# format is tried on a 32x32 buffer; what the display cannot show is refused there,
	# between that FB_ATTACH's "Create frame buffer, w: 32, h: 32" and its "Return status")
	if backend_is displ_be; then
		m=$(DISPL_BE_ERR_OK=; . "$RIG_DIR/scenarios/$sc.sh" >/dev/null 2>&1
			awk '/\| DBG - Create frame buffer, w: 32, h: 32,/ { probe = 1; next }
			     /Return status:/ { probe = 0 }
			     /\| ERR -/ && !probe' be.log |
			{ if [ -n "$DISPL_BE_ERR_OK" ]; then grep -vE "$DISPL_BE_ERR_OK"; else cat; fi; } | head -n 3 | tr '\n' '|')
		[ -z "$m" ] || jfail "displ_be errors: $m"
	fi
	if complete .; then
		local grc
		grc=$(fact guest_rc)
		if [ -n "$grc" ] && [ "$grc" != 0 ]; then
			m=$(grep -E 'RIG-GUEST: .*FAIL|CLIENT VERDICT: FAIL' guest.log | head -n 2 | tr '\n' '|')
			[ -n "$m" ] || m="last lines: $(grep -B2 '^RIG-GUEST-END' guest.log | head -n 2 | tr '\n' '|')"
			jfail "guest scenario rc=$grc: $m"
		fi
		# the scenario's own checks
		unset -f judge_scenario
		# shellcheck disable=SC1090
		. "$RIG_DIR/scenarios/$sc.sh"
		if type judge_scenario >/dev/null 2>&1; then judge_scenario; fi
	fi
	printf '%s\n' "${reasons[@]}" > verdict-reasons.txt
	)
	mapfile -t reasons < <(grep . "$r/verdict-reasons.txt")
}

# screens_to_dumps SCREENS RESULTS: dom0's screendumps (dump<N>-<head>.ppm) become
# RESULTS/be/dump<N>/conn<head>.{png,txt}, the form of vdispl-be's dumps, so that the
# scenarios' judges read both backends the same way
screens_to_dumps() {
	local f n h
	[ -d "$1" ] || return 0
	for f in "$1"/dump*-*.ppm; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .ppm); h=${n#*-}; n=${n%-*}
		"$RIG_DIR/lib/screens.py" convert "$f" "$2/be/$n" "$h" ||
			echo "run.sh: cannot convert the screendump $f" >&2
	done
}

# ------------------------------------------------------------------ boot
# boot_arm64 STAGE TIMEOUT SERIAL DESC: Xen for Arm in QEMU's virt machine (GICv3, EL2),
# under the machine-wide lock. Xen gets dom0's kernel and initramfs from QEMU's
# guest-loader devices (QEMU puts the DTB at 0x48000000: the images stay clear of it);
# the disks are virtio-mmio (dom0 is 1:1 mapped: no IOMMU needed).
boot_arm64() {
	local st=$1 qt=$2 serial=$3 desc=$4
	local qemu=(qemu-system-aarch64 -machine "virt,virtualization=on,gic-version=3"
		-accel tcg -cpu cortex-a57 -smp 2 -m "$QMEM" -display none -nodefaults -no-reboot
		-monitor none -serial "file:$serial"
		-kernel "$B/xen"
		-append "dom0_mem=$((QMEM / 2))M dom0_max_vcpus=1 console=dtuart dtuart=/pl011@9000000 loglvl=all guest_loglvl=all conring_size=256k"
		-device "guest-loader,addr=0x42000000,kernel=$B/vmlinux,bootargs=console=hvc0 loglevel=4 rdinit=/init"
		-device "guest-loader,addr=0x50000000,initrd=$B/dom0.cpio.gz"
		-drive "file=$st.tar,format=raw,if=none,id=pl,readonly=on"
		-device virtio-blk-device,drive=pl,serial=rigpayload
		-drive "file=$st.out,format=raw,if=none,id=out"
		-device virtio-blk-device,drive=out,serial=rigout)
	# shellcheck disable=SC2016 # expanded by the inner shell
	flock -w "$LOCK_WAIT" "$LOCK" bash -c '
		echo "run.sh: $1 [$2]: QEMU (arm64) starts (timeout $3s)" >&2
		date +%s.%N > "$4"
		shift 4
		exec timeout -k 5 "$@"' _ "$MODULE" "$desc" "$qt" "$st.t0" "$qt" "${qemu[@]}"
}

# boot SCENARIO...: one QEMU for these scenarios; results into results/$RES_NAME/<sc>/.
# Sets QRC (qemu's exit code) and QSECS (its wall time).
boot() {
	local tag=$RES_NAME-$$ st qt=60 sc t1 serial res display= mon= watchpid=
	st=$B/run/$tag
	for sc in "$@"; do
		# shellcheck disable=SC1090
		qt=$((qt + 45 + $(TIMEOUT=60; . "$RIG_DIR/scenarios/$sc.sh" >/dev/null 2>&1; echo "${TIMEOUT:-60}")))
		# Xen on Arm under TCG: each guest takes 1.5-2x longer to come and go
		[ "$ARCH" = arm64 ] && qt=$((qt + 45))
	done
	# instruction-counted time (RIG_QEMU_ICOUNT): one TCG thread for both vCPUs
	[ -n "$ICOUNT" ] && qt=$((qt * 2))
	make_payload "$st" "$@"
	# a read-only third disk with the guest root, if a scenario of this boot wants it
	local groot=
	for sc in "$@"; do
		if wants_groot "$sc" && [ -f "$B/guestroot.sqfs" ]; then
			groot="-drive file=$B/guestroot.sqfs,format=raw,if=none,id=gr,readonly=on -device virtio-blk-pci,drive=gr,serial=rigguestroot"
			break
		fi
	done
	rm -f "$st.out"; truncate -s 256M "$st.out"
	serial=$st.serial.log
	: > "$serial"
	# displ_be shows the guest on dom0's display: QEMU's std VGA (bochs-drm in dom0), read
	# back through the monitor's screendump when dom0 asks for it (lib/screens.py)
	rm -rf "$st.screens"
	local monarg="-monitor none" icountarg=
	# instruction-counted time: QEMU runs the vCPUs round-robin in one thread, and the
	# virtual clock (TSC, HPET, PIT, APIC timer) advances with the instructions executed
	[ -n "$ICOUNT" ] && icountarg="-icount $ICOUNT"
	[ -n "$QPLUGIN" ] && icountarg="$icountarg -plugin $QPLUGIN"
	if [ "$BACKEND" = displ_be ]; then
		mon=$st.mon
		rm -f "$mon"
		monarg="-monitor unix:$mon,server=on,wait=off"
		display="-device VGA,vgamem_mb=32"
		"$RIG_DIR/lib/screens.py" watch "$serial" "$mon" "$st.screens" > "$st.screens.log" 2>&1 &
		watchpid=$!
	fi
	local tailpid=
	[ $VERBOSE = 1 ] && { tail -F "$serial" 2>/dev/null & tailpid=$!; }
	echo "run.sh: $LABEL [$*]: waiting for $LOCK ..." >&2
	rm -f "$st.t0"
	if [ "$ARCH" = arm64 ]; then
		boot_arm64 "$st" "$qt" "$serial" "$*"
	else
	flock -w "$LOCK_WAIT" "$LOCK" bash -c '
		echo "run.sh: '"$LABEL"' ['"$*"']: QEMU starts (timeout '"$qt"'s'"${icountarg:+, $icountarg}"')" >&2
		date +%s.%N > "'"$st"'.t0"
		exec timeout -k 5 '"$qt"' qemu-system-x86_64 -machine q35 -accel tcg -cpu max,-smap -smp 2 \
			-m '"$QMEM"' -display none -vga none -nodefaults -no-reboot \
			'"$monarg $display $icountarg"' \
			-serial file:"'"$serial"'" \
			-kernel "'"$B"'/xen" \
			-append "console=com1 com1=115200,8n1 dom0_mem='$((QMEM / 2))'M,max:'$((QMEM / 2))'M dom0_max_vcpus=1 loglvl=all guest_loglvl=all conring_size=256k noreboot=false '"$XEN_EXTRA"'" \
			-initrd "'"$B"'/vmlinux console=hvc0 earlyprintk=xen loglevel=4,'"$B"'/dom0.cpio.gz" \
			-drive file="'"$st"'.tar",format=raw,if=none,id=pl,readonly=on \
			-device virtio-blk-pci,drive=pl,serial=rigpayload \
			-drive file="'"$st"'.out",format=raw,if=none,id=out \
			-device virtio-blk-pci,drive=out,serial=rigout '"$groot"
	fi
	QRC=$?
	t1=$(date +%s.%N)
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
	if [ -n "$watchpid" ]; then kill "$watchpid" 2>/dev/null; wait "$watchpid" 2>/dev/null; fi
	QSECS=0
	[ -f "$st.t0" ] && QSECS=$(awk -v a="$(cat "$st.t0")" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
	if [ "$QSECS" = 0 ]; then
		echo "run.sh: $LABEL [$*]: QEMU did not start (lock $LOCK not had within ${LOCK_WAIT}s, or qemu failed: rc $QRC)" >&2
	elif [ $QRC = 124 ] || [ $QRC = 137 ]; then
		echo "run.sh: $LABEL [$*]: QEMU killed after its ${qt}s timeout" >&2
	fi
	grep -q '^RIG-DOM0-DONE' "$serial" 2>/dev/null || echo "run.sh: $LABEL [$*]: dom0 did not finish (serial log: results/$RES_NAME/<scenario>/serial.log)" >&2
	res=$st.res
	rm -rf "$res"; mkdir -p "$res"
	tar xf "$st.out" -C "$res" 2>/dev/null
	for sc in "$@"; do
		R=$B/results/$RES_NAME/$sc
		rm -rf "$R"; mkdir -p "$R"
		[ -d "$res/$sc" ] && cp -a "$res/$sc/." "$R/"
		[ -d "$res/_dom0" ] && cp -a "$res/_dom0" "$R/_dom0"
		cp "$serial" "$R/serial.log"
		echo "$QRC $QSECS $*" > "$R/qemu.txt"
		screens_to_dumps "$st.screens/$sc" "$R"
	done
	[ -f "$st.screens.log" ] && mv "$st.screens.log" "$B/results/$RES_NAME/screens.log"
	rm -rf "$res" "$st.out" "$st.tar" "$st.t0" "$serial" "$st.screens" "$mon"
}

# ------------------------------------------------------------------ run
# (a function, called from the last line: editing this file while it runs is safe)
report() { # SCENARIO QRC
	local sc=$1 R=$B/results/$RES_NAME/$1 secs msg
	judge "$sc" "$R" "$2"
	secs=$(awk -F= '$1=="t_begin"{b=$2} $1=="t_end"{e=$2} END{if (b != "" && e != "") printf "%.1f", e-b; else print "?"}' "$R/facts.txt" 2>/dev/null)
	secs=${secs:-?}
	if [ ${#reasons[@]} -eq 0 ]; then
		echo "PASS $LABEL $sc (${secs}s)"
		echo "PASS ${secs}" > "$R/verdict.txt"
		return 0
	fi
	msg=$(printf '%s; ' "${reasons[@]}"); msg=${msg%; }
	echo "FAIL $LABEL $sc: $msg (${secs}s)"
	echo "FAIL ${secs} $msg" > "$R/verdict.txt"
	return 1
}

main() {
	local nfail=0 sc retry=() wall=0 nboots=0
	mkdir -p "$B/results/$RES_NAME" "$B/run"
	if [ $ISOLATED = 1 ]; then
		for sc in "${scenarios[@]}"; do
			boot "$sc"; nboots=$((nboots + 1)); wall=$(awk -v a=$wall -v b=$QSECS 'BEGIN{print a+b}')
			report "$sc" "$QRC" || nfail=$((nfail + 1))
		done
	else
		boot "${scenarios[@]}"; nboots=1; wall=$QSECS
		local grc=$QRC
		for sc in "${scenarios[@]}"; do
			if complete "$B/results/$RES_NAME/$sc"; then
				report "$sc" "$grc" || nfail=$((nfail + 1))
			else
				retry+=("$sc")
			fi
		done
		for sc in "${retry[@]}"; do
			echo "run.sh: $LABEL $sc did not finish in the shared boot$( [ -f "$B/results/$RES_NAME/$sc/skipped.txt" ] && echo " ($(cat "$B/results/$RES_NAME/$sc/skipped.txt"))"): rerunning it alone" >&2
			mv "$B/results/$RES_NAME/$sc" "$B/results/$RES_NAME/$sc.shared-boot" 2>/dev/null
			rm -rf "$B/results/$RES_NAME/$sc.shared-boot.old"
			boot "$sc"; nboots=$((nboots + 1)); wall=$(awk -v a=$wall -v b=$QSECS 'BEGIN{print a+b}')
			mv "$B/results/$RES_NAME/$sc.shared-boot" "$B/results/$RES_NAME/$sc/shared-boot" 2>/dev/null
			report "$sc" "$QRC" || nfail=$((nfail + 1))
		done
	fi
	echo "run.sh: $LABEL: ${#scenarios[@]} scenario(s), $nfail failed, $nboots boot(s), QEMU wall time ${wall}s" >&2
	return $((nfail > 0))
}

main; exit $?
