# Guest side of `make bench` (busybox ash), sourced by the bench-suite scenario. Travels in
# the guest's per-run cpio (/bench, via RIG_GUEST_EXTRA) with xbench, evtping, prof.awk,
# xen-evtchn.ko, both modules under test (/bench/ours, /bench/debian) and bench.env.
# The guest's command line says which module to load and which part to run
# (bench.module=ours|debian bench.part=main|vsync|profile).
# Summary lines ("BENCH ...") go to the console as they come; the raw samples
# ("BENCHRAW ...") collect in $BENCH_RAW and are printed by bench_finish, after every
# measurement, so that the console traffic does not overlap them.
export PATH=/bench:$PATH
# sample counts (tests/bench/run.sh --quick writes smaller ones)
[ -f /bench/bench.env ] && . /bench/bench.env
BENCH_RAW=/tmp/bench.raw
TR=/sys/kernel/tracing

cmdline_arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

bench_kprobes() {
	mkdir -p $TR
	mount -t tracefs nodev $TR 2>/dev/null
	[ -w $TR/kprobe_events ] || { gsay "BENCH-INFO no tracefs: grant counts unavailable"; return 0; }
	echo 0 > $TR/tracing_on
	# hits are counted in kprobe_profile even with tracing_on=0 (nothing is recorded)
	echo 'p:bench/grant gnttab_grant_foreign_access_ref' >> $TR/kprobe_events &&
	echo 'p:bench/endaccess gnttab_end_foreign_access' >> $TR/kprobe_events ||
		gsay "BENCH-INFO kprobes unavailable: grant counts unavailable"
}
kprobes_on() { [ -d $TR/events/bench ] && echo 1 > $TR/events/bench/enable; return 0; }
kprobes_off() { [ -d $TR/events/bench ] && echo 0 > $TR/events/bench/enable; return 0; }

# bench_load MODULE: the dependencies from the base image, then /bench/MODULE's modules.
# Ours gets fbdev=0: Debian's has no fbdev, and fbdev would hold a framebuffer and light
# the display at load.
bench_load() {
	local mod=$1 m n params= out
	for m in $(cat /etc/modules.deps); do
		n=$(echo ${m%.ko} | tr - _)
		[ -d /sys/module/$n ] || insmod /lib/modules/$m || { gfail "insmod $m"; return 1; }
	done
	for m in /bench/$mod/*.ko; do
		n=$(basename ${m%.ko} | tr - _)
		[ "$n" = drm_xen_front ] && continue
		[ -d /sys/module/$n ] || insmod $m || { gfail "insmod $m"; return 1; }
	done
	[ "$mod" = ours ] && params=fbdev=0
	out=$(insmod /bench/$mod/drm_xen_front.ko $params 2>&1) || { gfail "insmod /bench/$mod/drm_xen_front.ko $params: $out"; return 1; }
	gsay "drm_xen_front ($mod) loaded $params"
	BENCH_PARAMS=$params
}

bench_prepare() {
	local out
	: > $BENCH_RAW
	if [ ! -c /dev/xen/evtchn ]; then
		out=$(insmod /bench/xen-evtchn.ko 2>&1) || gsay "BENCH-INFO cannot load xen-evtchn: $out"
	fi
	bench_kprobes
	bench_load $BENCH_MODULE || return 1
	wait_connected 30 || return 1
	gsay "BENCH-INFO module=$BENCH_MODULE part=$BENCH_PART params=$BENCH_PARAMS kernel=$(uname -r) mem_kb=$(sed -n 's/MemTotal: *//p' /proc/meminfo | tr -d ' kB')"
}

# bench_run NAME CMD...: run one measurement, its failure is recorded, not fatal
bench_run() {
	local name=$1 rc
	shift
	gsay "BENCH-STEP $name: $*"
	"$@"
	rc=$?
	[ $rc = 0 ] || gsay "BENCH-INFO step $name failed (rc $rc)"
	return 0
}

bench_finish() {
	gsay "BENCH-RAW-BEGIN $(wc -l < $BENCH_RAW) lines"
	cat $BENCH_RAW
	gsay "BENCH-RAW-END"
	return 0
}

# ------------------------------------------------------------------ parts
part_main() {
	local s w h
	dstat flip-begin
	bench_run flip xbench flip --n ${BENCH_FLIPS:-400} --warmup 20 --tag fast --raw $BENCH_RAW
	dstat flip-end
	# the fastest flip the module offers: DRM_MODE_PAGE_FLIP_ASYNC if it has the cap
	bench_run flipasync xbench flip --async --n ${BENCH_FLIPS:-400} --warmup 20 --tag async --raw $BENCH_RAW
	bench_run modeset xbench modeset --n ${BENCH_MODESETS:-25} --warmup 3 --raw $BENCH_RAW
	for s in ${BENCH_BUFS:-1024x768:25 1920x1080:15 2560x1440:10 3840x2160:6}; do
		w=${s%%x*}; h=${s#*x}; h=${h%:*}
		bench_run "bufs ${s%:*}" xbench bufs --w $w --h $h --n ${s#*:} --raw $BENCH_RAW
	done
	kprobes_on
	for s in 1024x768:4 1920x1080:4 3840x2160:2; do
		w=${s%%x*}; h=${s#*x}; h=${h%:*}
		bench_run "hold ${s%:*}" xbench bufs --w $w --h $h --n 0 --hold ${s#*:}
	done
	kprobes_off
	bench_run evtping evtping guest --n ${BENCH_PINGS:-600} --warmup 50 --raw $BENCH_RAW
}

# irq_deltas BEFORE AFTER: the interrupt sources that fired in between, with counts
irq_deltas() {
	awk 'NR == FNR { if ($1 ~ /:$/) b[$1] = $2; next }
	     $1 ~ /:$/ && $2 ~ /^[0-9]+$/ && $2 - b[$1] > 0 {
		name = $NF; printf "%s%s=%d", sep, name, $2 - b[$1]; sep = " " }' "$1" "$2"
}

# the instruction marks' ids (insncount.c): 4n for the vsync flips, 4n+1 for the idle
# stretch before them, n being the guest's line in the plan
part_vsync() {
	local n
	n=$(cmdline_arg bench.n)
	bench_run idle xbench idle --ms 3000 --insn-mark $((${n:-0} * 4 + 1))
	cat /proc/interrupts > /tmp/irq.0
	bench_run vsync xbench flip --n ${BENCH_VSYNC_FLIPS:-240} --warmup 30 --tag vsync --raw $BENCH_RAW --insn-mark $((${n:-0} * 4))
	cat /proc/interrupts > /tmp/irq.1
	gsay "BENCH-INFO interrupts during the vsync flips (+warm-up), over $((${BENCH_VSYNC_FLIPS:-240} + 30)) flips, by source: $(irq_deltas /tmp/irq.0 /tmp/irq.1)"
	[ "$(cmdline_arg bench.syms)" = 1 ] && bench_syms
	return 0
}

# bench_syms: where the kernel and every module's functions are in this guest, for
# report.py to name the addresses of insncount.so's profile (the kernel's own from its
# System.map, which needs only where _stext is; the modules' here: they move each boot)
bench_syms() {
	awk '$3 == "_stext" || ($2 ~ /^[tT]$/ && $4 ~ /^\[/) { print "BENCHSYM", $1, $3, $4 }' /proc/kallsyms
}

# dstat LABEL: dom0 notes its CPU time (bench-dom0.sh: dom0_req_dstat); the request
# itself is outside the measured window
dstat() { rig-req dstat "$1" > /dev/null 2>&1 || gsay "BENCH-INFO dstat $1 failed"; }

# dom0_idle_base: dom0's own CPU over 3 s of a quiet guest (its rig loop polls xenstore
# and the guest's console every 0.25 s), to subtract from its CPU during the flips
dom0_idle_base() {
	dstat idle-begin
	bench_run idle xbench idle --ms 3000
	dstat idle-end
}

# scale: flips on 1, 2, 4 and 8 connectors at once (all 1024x768; Debian's module gets
# 4 connectors, its maximum: see bench-dom0.sh), backend answering at once
part_scale() {
	local c
	dom0_idle_base
	for c in 1 2 4 8; do
		dstat mf$c-begin
		# xbench says so and fails when fewer than c connectors are connected (Debian's: 4)
		xbench multiflip --conns $c --n ${BENCH_MF_ITERS:-120} --warmup 10 --tag c$c || break
		dstat mf$c-end
	done
}

# dbe: displ_be as the backend (tests/bench/run.sh runs the rig with --backend displ_be):
# flip round trips and CPU per flip (the guest's, and dom0's where displ_be copies)
part_dbe() {
	dom0_idle_base
	dstat flip-begin
	bench_run flip xbench flip --n ${BENCH_DBE_FLIPS:-200} --warmup 20 --tag dbe --raw $BENCH_RAW
	dstat flip-end
}

part_profile() {
	prof_setup || return 0
	prof_phase flip 10 "drm_mode_page_flip_ioctl commit_work" xbench flip --n 40 --warmup 5 --tag prof
	# the event-channel handlers (ours: hard IRQ; Debian's: threaded), traced in IRQ context
	echo 1 > $TR/options/funcgraph-irqs
	prof_phase irq 8 "evtchnl_req_interrupt evtchnl_evt_interrupt evtchnl_interrupt_ctrl evtchnl_interrupt_evt" xbench flip --n 40 --warmup 5 --tag prof
	echo 0 > $TR/options/funcgraph-irqs
	prof_phase modeset 9 "drm_mode_setcrtc" xbench modeset --n 8 --warmup 1
	prof_phase bufs 6 "drm_mode_create_dumb_ioctl drm_mode_addfb2_ioctl drm_mode_rmfb_ioctl drm_mode_destroy_dumb_ioctl" xbench bufs --w 1920 --h 1080 --n 3
}

bench_guest() {
	BENCH_MODULE=$(cmdline_arg bench.module)
	BENCH_PART=$(cmdline_arg bench.part)
	[ -d "/bench/$BENCH_MODULE" ] || { gfail "bench.module='$BENCH_MODULE': no /bench/$BENCH_MODULE"; return 1; }
	type part_$BENCH_PART > /dev/null 2>&1 || { gfail "bench.part='$BENCH_PART' unknown"; return 1; }
	bench_prepare || return 1
	part_$BENCH_PART
	bench_finish
}

# ------------------------------------------------------------------ profile
# prof_setup: function_graph on a limited set of functions (DRM, the frontends, grants,
# shmem, completions, allocations): turning the tracer on patches every traced call site,
# which under PV + TCG takes ~1 s per thousand (all of the kernel's: a minute, twice).
# The tracer stays on (tracing_on=0 between phases); set_graph_function picks the roots.
PROF_FILTER=':mod:drm :mod:drm_kms_helper :mod:drm_xen_front :mod:xen_front_pgdir_shbuf
gnttab_* shmem_read_mapping_page_gfp shmem_read_folio_gfp wait_for_completion*
schedule_timeout kvmalloc_node kvfree vmap vunmap __alloc_pages alloc_pages
queue_work_on flush_work notify_remote_via_irq xen_alloc_unpopulated_pages'
prof_setup() {
	local f t0
	[ -w $TR/set_graph_function ] || { gsay "BENCH-INFO no function_graph tracer: no profile"; return 1; }
	t0=$(now10)
	echo 0 > $TR/tracing_on
	: > $TR/set_ftrace_filter
	for f in $PROF_FILTER; do echo "$f" >> $TR/set_ftrace_filter 2>/dev/null; done
	echo 32768 > $TR/buffer_size_kb
	echo function_graph > $TR/current_tracer
	echo 1 > $TR/options/funcgraph-tail
	echo 1 > $TR/options/funcgraph-proc
	echo 0 > $TR/options/funcgraph-irqs
	echo 1 > $TR/options/sleep-time
	gsay "BENCH-INFO profile: $(wc -l < $TR/set_ftrace_filter) functions traced, set up in $(( $(now10) - t0 ))00 ms"
}

# prof_phase NAME DEPTH "ROOT_FUNCS" CMD...: function_graph trace of CMD below ROOT_FUNCS
# (the ioctls / work functions that matter), summarised in the guest as an inclusive call
# tree: "PROF <phase> <calls> <total_us> <root;child;...>" (wall time: sleeping counts).
# Tracing inflates what it traces; read the shares.
prof_phase() {
	local name=$1 depth=$2 roots=$3 f ok=
	shift 3
	: > $TR/set_graph_function
	for f in $roots; do
		grep -qE "^$f( |\$)" $TR/set_ftrace_filter || continue   # not in this kernel/module
		echo $f >> $TR/set_graph_function 2>/dev/null && ok=1 ||
			gsay "BENCH-INFO profile $name: $f is not traceable"
	done
	[ -n "$ok" ] || return 0
	echo $depth > $TR/max_graph_depth
	: > $TR/trace
	echo 1 > $TR/tracing_on
	gsay "BENCH-STEP profile $name: $*"
	"$@" > /tmp/prof.out 2>&1
	echo 0 > $TR/tracing_on
	grep '^BENCH' /tmp/prof.out | sed "s/^BENCH /BENCHPROF $name /"
	gsay "BENCH-INFO profile $name: $(wc -l < $TR/trace) trace lines, $(grep -h overrun $TR/per_cpu/cpu0/stats 2>/dev/null)"
	awk -v phase=$name -f /bench/prof.awk $TR/trace
}
