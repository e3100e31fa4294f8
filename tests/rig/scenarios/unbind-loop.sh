# unbind-loop: vdispl-0 is unbound from the driver and bound again, round after round,
# while the console (fbdev) is lit and written to and a client flips (or has just exited,
# fbdev taking the display back), at a random moment in each round. Three phases: the
# backend answering at once, answering page flips late (restarted with --fault delay:250
# --fault-op PG_FLIP while the device is unbound), and gone (SIGKILLed just before the
# unbind, started again before the bind). A commit in flight when the device goes away
# must not oops (issue #16: NULL dereference in display_update from the console's damage
# worker) and remove must not hang; every round the frontend must connect again, and
# after the last a client draws (checksum from the backend).
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=300
# rounds per phase (answering, late, gone)
UL_ROUNDS='14 10 6'

# dom0: restart the backend with other options (the guest asks while vdispl-0 is unbound)
dom0_req_be_mode() {
	stop_backend KILL
	BE_ARGS="$*"
	start_backend $BE_ARGS
}

ul_rnd() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 )); }

ul_drv=/sys/bus/xen/drivers/vdispl

# the console goes on printing, so fbdev's damage worker commits now and then
ul_console() {
	local n=0
	while :; do
		n=$((n + 1))
		echo "unbind-loop console line $n: the quick brown fox jumps over the lazy dog" > /dev/tty0 2>/dev/null
		sleep 0.05
	done
}

ul_oops() {
	dmesg | grep -E 'BUG:|Oops|WARNING:|general protection|Call Trace' | head -n 3
}

# ul_round N MODE: one unbind + bind while the console is lit and a client flips
ul_round() {
	local n=$1 mode=$2 card cpid upid flips pause bad
	card=$(first_card)
	flips=$(( $(ul_rnd 10) + 1 ))
	pause=0.$(ul_rnd 10)
	xdisp-client --card "$card" --conn 0 --pattern bars --flips $flips --timeout-ms 4000 \
		> /tmp/ul-client.out 2>&1 &
	cpid=$!
	sleep $pause
	if [ "$mode" = gone ]; then
		rig_req kill-backend KILL > /dev/null || return 1
	fi
	rm -f /tmp/ul-unbind.rc
	( echo vdispl-0 > $ul_drv/unbind; echo $? > /tmp/ul-unbind.rc ) &
	upid=$!
	if ! gwait 20 "unbind of vdispl-0 to return (round $n, $mode; frontend state $(fe_state))" \
		test -s /tmp/ul-unbind.rc; then
		bad=$(ul_oops)
		gfail "round $n ($mode): unbind hung${bad:+; kernel: $bad}"
		return 1
	fi
	wait $upid
	[ "$(cat /tmp/ul-unbind.rc)" = 0 ] || { gfail "round $n ($mode): unbind failed"; return 1; }
	kill $cpid 2>/dev/null
	wait $cpid
	bad=$(ul_oops)
	[ -z "$bad" ] || { gfail "round $n ($mode): kernel: $bad"; return 1; }
	[ -e $ul_drv/vdispl-0 ] && { gfail "round $n ($mode): vdispl-0 still bound"; return 1; }
	if [ "$mode" = gone ]; then
		rig_req start-backend > /dev/null || return 1
	fi
	echo vdispl-0 > $ul_drv/bind || { gfail "round $n ($mode): bind failed"; return 1; }
	gwait 20 "frontend Connected again (round $n, $mode; state $(fe_state), backend $(be_state))" \
		fe_connected || return 1
	gwait 20 "a card again (round $n, $mode)" has_card || return 1
	bad=$(ul_oops)
	[ -z "$bad" ] || { gfail "round $n ($mode): kernel: $bad"; return 1; }
	gsay "unbind-loop: round $n ($mode, $flips flips, unbound after ${pause}s) ok"
}

guest() {
	local wpid mode rounds i n=0 rc=0
	wait_connected 20 || return 1
	[ -d $ul_drv ] || { gfail "no $ul_drv"; return 1; }
	ul_console &
	wpid=$!
	set -- $UL_ROUNDS
	for mode in answering late gone; do
		rounds=$1
		shift
		if [ "$mode" = late ]; then
			# restart the backend while nobody is bound to it
			echo vdispl-0 > $ul_drv/unbind &&
				rig_req be_mode --fault delay:250 --fault-op PG_FLIP &&
				echo vdispl-0 > $ul_drv/bind && wait_connected 20 ||
				{ gfail "switching the backend to late answers"; rc=1; break; }
		fi
		i=0
		while [ $i -lt "$rounds" ]; do
			i=$((i + 1))
			n=$((n + 1))
			ul_round $n $mode || { rc=1; break 2; }
		done
	done
	kill $wpid 2>/dev/null
	wait $wpid 2>/dev/null
	gsay "unbind-loop: $n rounds run, rc=$rc"
	[ $rc = 0 ] || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}

judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local want=0 r ok
	for r in $UL_ROUNDS; do want=$((want + r)); done
	ok=$(tr -d '\r' < guest.log | grep -c 'RIG-GUEST: .*unbind-loop: round [0-9]* .* ok$')
	echo "unbind-loop: $ok of $want rounds ok" > unbind-loop-judge.txt
	[ "$ok" = "$want" ] || jfail "$ok of $want unbind/bind rounds completed"
	expect_checksum_match 0 be/dump1
}
