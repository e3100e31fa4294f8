# baseline: everything a client used is given back when it exits. Once the frontend is
# connected (and fbdev, if any, has its buffer), the guest records a baseline; then
# clients run (two connectors, several buffers and formats, modesets, flips) and exit;
# afterwards every measure must be back at the baseline: the guest's event-channel IRQ
# lines (/proc/interrupts) and Shmem (dumb buffers are shmem; exact) and free memory
# (tolerance), the guest's grant entries the backend has in use (Xen's 'g' debug key,
# read by dom0), the backend's live dbufs and fbs (vdispl-be's status.txt), and, with our
# module, its own accounting in debugfs (grants, pages, dbufs, fbs, event channels, IRQs
# held).
# Small modes keep Xen's 'g' dump (one line per grant entry in use) well inside its console
# ring (run.sh gives Xen 256 KiB).
# With displ_be (one dom0 output, bochs: its modes only, XRGB8888 only): one connector at
# 640x480, every run in XRGB8888; its live dbufs/fbs are not measured (no status file).
VDISPL='backend=0,be-alloc=0,connectors=id0:320x240;id1:240x160'
BASELINE_MODES=320x240,240x160
BASELINE_FORMATS='XR24 RG16 AR24 RG24'
if [ "${RIG_BACKEND:-}" = displ_be ] || grep -q 'rig.backend=displ_be' /proc/cmdline 2>/dev/null; then
	VDISPL='backend=0,be-alloc=0,connectors=id0:640x480'
	BASELINE_MODES=640x480
	BASELINE_FORMATS=XR24
fi
BE_ARGS=''
TIMEOUT=180
# Client runs between the two measures, and the tolerance on free memory (kB, see
# free_kb): a run makes 4 buffers of 75 or 38 pages, so a leak of one 38-page buffer
# per run exceeds it. (Shmem, exact, is what
# catches leaked dumb buffers; free memory catches leaks of anything else.)
# Free memory may take a while to come back: dom0's gntdev unmaps asynchronously, so a
# grant the backend has just unmapped can still be in use when the frontend ends it;
# the kernel then defers it (and, with our module, keeps its page allocated, so the
# backend never sees a reused page) and retries 10 grants a second. We wait up to
# BASELINE_MEMFREE_WAIT seconds for it to be within the tolerance.
BASELINE_RUNS=8
BASELINE_MEMFREE_KB=512
BASELINE_MEMFREE_WAIT=30

# dom0: the number of the guest's grant entries in use by other domains (Xen's 'g'
# debug key prints one line per active entry, after a "grant-table for remote d<N>"
# header per domain), and the backend's live dbufs/fbs; written back to the guest.
dom0_req_measure() {
	local n st
	xl debug-keys g
	sleep 0.5
	n=$(xl dmesg | awk -v d="d$DOMID" '
		/gnttab_usage_print_all \[ key/ { cur = 0; n = 0; seen = 0 }
		/grant-table for remote d[0-9]+ / {
			cur = 0
			for (i = 1; i <= NF; i++) if ($i == d) cur = 1
			if (cur) seen = 1
			next
		}
		cur && /\[0x[0-9a-f]+\] +[0-9]+ 0x/ { n++ }
		END { print seen ? n : -1 }')
	st=$(grep -m1 '^dev ' $SOUT/be/status.txt 2>/dev/null | sed -n 's/.* \(dbufs=[0-9]*\) \(fbs=[0-9]*\).*/\1 \2/p')
	say "measure: guest d$DOMID grant entries in use $n, backend $st"
	xenstore-write /local/domain/$DOMID/data/rig/measure "grants_in_use=$n $st"
}

# Free memory in kB: MemFree plus the pages on the per-CPU free lists (/proc/zoneinfo's
# "count:"), which MemFree leaves out and which vary by a megabyte from one moment to
# the next; measured after dropping the page cache and reclaimable slabs.
free_kb() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo $(( $(awk '/^MemFree:/ {print $2}' /proc/meminfo) + \
		$(awk '$1 == "count:" {c += $2} END {print c * 4}' /proc/zoneinfo) ))
}

# One line of KEY=VALUE pairs: everything measured now.
measure() {
	local dbg s ours=""
	rig_req measure >/dev/null || return 1
	s="$(xenstore-read data/rig/measure 2>/dev/null)"
	s="$s irq_lines=$(grep -c 'xen-dyn' /proc/interrupts)"
	s="$s vdispl_irqs=$(grep -c 'vdispl' /proc/interrupts)"
	s="$s shmem_kb=$(awk '/^Shmem:/ {print $2}' /proc/meminfo)"
	s="$s memfree_kb=$(free_kb)"
	# For the record only (not compared): where memory went if MemFree fell.
	s="$s $(awk '/^(SUnreclaim|KReclaimable|PageTables|VmallocUsed|Percpu|KernelStack|AnonPages):/ {
		sub(":", "", $1); printf " info-%s=%s", $1, $2 }' /proc/meminfo)"
	for dbg in /sys/kernel/debug/dri/*/xen_front_stats; do
		[ -r "$dbg" ] || continue
		ours=$(awk -F': ' '/^held-/ {printf " %s=%s", $1, $2}' "$dbg")
		ours="$ours $(awk -F': ' '/^(dbufs|fbs):/ {printf " dev-%s=%s", $1, $2}' "${dbg%_stats}_buffers")"
		break
	done
	echo "$s$ours"
}

# get KEY LINE: the value of KEY in a measure line
get() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# baseline_compare BEFORE AFTER WAIT KEY...: each KEY of measure() the same AFTER as
# BEFORE, Xen's grant table dump present, and free memory back within BASELINE_MEMFREE_KB
# (waiting up to WAIT s for deferred grant ends); 0 if the baseline holds. Also used by
# fault-random.sh.
baseline_compare() {
	local before=$1 after=$2 wait=$3 k b a i fails=0
	shift 3
	for k in "$@"; do
		b=$(get $k "$before")
		a=$(get $k "$after")
		[ -n "$b$a" ] || continue
		if [ "$b" != "$a" ]; then
			gsay "FAIL: $k: $b before, $a after"
			fails=$((fails + 1))
		else
			gsay "ok: $k $a"
		fi
	done
	[ "$(get grants_in_use "$before")" != -1 ] ||
		{ gsay "FAIL: no grant table dump of this guest from Xen"; fails=$((fails + 1)); }
	b=$(get memfree_kb "$before")
	a=$(get memfree_kb "$after")
	i=0
	while [ $((b - a)) -gt $BASELINE_MEMFREE_KB ] && [ $i -lt $wait ]; do
		[ $i -gt 0 ] || gsay "free memory $((b - a)) kB below the baseline, waiting for deferred grants"
		sleep 1
		i=$((i + 1))
		a=$(free_kb)
	done
	if [ $((b - a)) -gt $BASELINE_MEMFREE_KB ]; then
		gsay "FAIL: free memory $((b - a)) kB below the baseline after ${i}s (tolerance $BASELINE_MEMFREE_KB kB)"
		fails=$((fails + 1))
	else
		gsay "ok: free memory $b kB before, $a kB after (${i}s wait)"
	fi
	[ $fails -eq 0 ]
}

guest() {
	local before after i fmt
	wait_connected 20 || return 1
	# fbdev's first modeset and the connectors' probing settle first.
	sleep 2
	# One warm-up run: first-time allocations (libraries, page tables) are not leaks.
	client --conn all --expect-mode $BASELINE_MODES --pattern bars --flips 2 >/dev/null ||
		{ cat /tmp/client.out; return 1; }
	sleep 1
	before=$(measure) || return 1
	gsay "baseline: $before"
	dump_debugfs
	i=0
	while [ $i -lt $BASELINE_RUNS ]; do
		# the formats in turn
		set -- $BASELINE_FORMATS
		shift $((i % $#))
		fmt=$1
		client --conn all --expect-mode $BASELINE_MODES --format $fmt \
			--pattern checker --flips 6 >/dev/null || { cat /tmp/client.out; return 1; }
		i=$((i + 1))
	done
	gsay "$BASELINE_RUNS client runs done"
	# A client that exits leaves fbdev to restore its mode; let deferred frees run.
	sleep 2
	after=$(measure) || return 1
	gsay "after: $after"
	dump_debugfs
	baseline_compare "$before" "$after" $BASELINE_MEMFREE_WAIT grants_in_use dbufs fbs \
		irq_lines vdispl_irqs shmem_kb held-grants held-pages held-dbufs held-fbs \
		held-evtchns held-irqs dev-dbufs dev-fbs || return 1
	gsay "BASELINE PASS: back to the baseline after $BASELINE_RUNS clients"
}

judge_scenario() {
	expect_guest_line 'BASELINE PASS'
}
