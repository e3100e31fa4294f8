# dom0 side of `make bench` (busybox ash), sourced by the bench-suite scenario in dom0
# (travels in the payload at /payload/bench via RIG_DOM0_EXTRA with evtping and plan.txt).
#
# dom0_flow: for each line "<round> <n> <module> <part>" of plan.txt: start the backend
# (--vsync-hz 60 for the vsync part), create a fresh guest told by its command line which
# module to load and which part to run, serve it until RIG-GUEST-END, destroy it, stop the
# backend, and keep its console log, the backend's files and the ping-pong peer's log in
# $SOUT/sub/<round>-<n>-<module>-<part>/. One guest failing does not stop the plan.
BENCH_SUB_TIMEOUT=${BENCH_SUB_TIMEOUT:-400}

dom0_flow() {
	local rnd n mod part
	xl info > $SOUT/xl-info.txt 2>&1
	mkdir -p $SOUT/sub
	# the kernel's functions, for report.py to name the addresses of insncount.so's
	# profile: dom0 and the guests boot the same PV kernel at the same address (a PV
	# kernel is not relocated), which the guests' own _stext (bench_syms) confirms
	[ -f /payload/bench/pin ] &&
		awk '($2 ~ /^[tT]$/ && NF == 3) || $3 == "_etext"' /proc/kallsyms > $SOUT/kallsyms.txt
	while read -r rnd n mod part; do
		[ -n "$part" ] || continue
		bench_sub "$rnd" "$n" "$mod" "$part"
	done < /payload/bench/plan.txt
}

# the scale part's connectors: 8 (ours), 4 for Debian's (it handles at most 4: with more,
# it publishes no ring for connector 4 and never connects), all 1024x768
BENCH_SCALE_VDISPL8='backend=0,be-alloc=0,connectors=id0:1024x768;id1:1024x768;id2:1024x768;id3:1024x768;id4:1024x768;id5:1024x768;id6:1024x768;id7:1024x768'
BENCH_SCALE_VDISPL4='backend=0,be-alloc=0,connectors=id0:1024x768;id1:1024x768;id2:1024x768;id3:1024x768'

bench_sub() {
	local rnd=$1 n=$2 mod=$3 part=$4 d args= vdispl0=$VDISPL
	d=$SOUT/sub/r$rnd-$n-$mod-$part
	mkdir -p $d
	[ "$part" = vsync ] && args='--vsync-hz 60'
	if [ "$part" = scale ]; then
		VDISPL=$BENCH_SCALE_VDISPL8
		[ "$mod" = debian ] && VDISPL=$BENCH_SCALE_VDISPL4
	fi
	GUEST=bench-$n-$mod-$part
	GLOG=/var/log/xen/console/guest-$GUEST.log
	GUEST_CMDLINE="bench.module=$mod bench.part=$part bench.n=$n"
	# icount mode: the guest on CPU 1, dom0 on CPU 0 (Xen's dom0_vcpus_pin), so that the
	# instructions CPU 1 executes are the guest's and Xen's work for it (insncount.c)
	GUEST_CPUS=
	[ -f /payload/bench/pin ] && GUEST_CPUS=$(cat /payload/bench/pin)
	GUEST_TSC_MODE=
	[ -f /payload/bench/tsc ] && GUEST_TSC_MODE=$(cat /payload/bench/tsc)
	# the plugin's profile needs the guest's module symbols (bench-lib.sh: bench_syms)
	[ -n "$GUEST_CPUS" ] && GUEST_CMDLINE="$GUEST_CMDLINE bench.syms=1"
	say "bench $n: round $rnd, $mod, $part"
	fact "bench_sub_start_$n=$(up) r$rnd $mod $part"
	if start_backend $args; then
		if guest_create; then
			guest_loop $BENCH_SUB_TIMEOUT
			echo_guest_log
			guest_shutdown
		fi
		stop_backend TERM
	fi
	fact "bench_sub_end_$n=$(up) rc=${GUEST_RC:-none}"
	echo "rc=${GUEST_RC:-none}" > $d/rc.txt
	GUEST_RC=
	cp $GLOG $d/guest.log 2>/dev/null
	mv $SOUT/be $d/be 2>/dev/null
	mv $SOUT/evtpeer.log $d/ 2>/dev/null
	mv $SOUT/dstat.log $d/ 2>/dev/null
	VDISPL=$vdispl0
	cp $SOUT/$GUEST.cfg $d/ 2>/dev/null
}

# rig-req evtpeer PORT COUNT: start the dom0 end of the event-channel ping-pong
dom0_req_evtpeer() {
	/payload/bench/evtping peer --domid $DOMID --port $1 --count $2 >> $SOUT/evtpeer.log 2>&1 &
	say "evtping peer started for port $1, $2 pings"
}

# rig-req dstat LABEL: dom0's /proc/uptime ("<uptime s> <idle s>", 1 vCPU) at this point,
# for dom0's CPU time over a guest measurement (busy = uptime delta - idle delta)
dom0_req_dstat() {
	echo "$1 $(cat /proc/uptime)" >> $SOUT/dstat.log
}
