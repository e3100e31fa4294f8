# fault-random: a hostile backend on the real rings (issue #17). vdispl-be's seeded random
# mode (--fault-random SEED,PERMILLE,COUNT) garbles PERMILLE/1000 of the answers and the
# events around them: wrong ids, operations and status, answers executed but reported
# failed or reported done but not executed, late, twice or never, rsp_prod moved far
# ahead or behind, events with bad types, ids and unknown or stale cookies, in_cons moved
# back and in_prod moved ahead, flips with no event, two events or a late one, garbage
# EDIDs, closes; COUNT items in all, then it behaves. Clients (buffers created and
# destroyed, modesets, flips, on both connectors, in four formats) run against it for
# FR_SECONDS. A connect the driver gave up on (it is fatal: xenbus_dev_fatal) is retried
# by unbinding and binding the device again.
#
# Checks: the guest stays alive (no oops, WARNING, BUG in its log: the rig's judge); every
# client ends within FR_CLIENT_MAX s (errors are allowed); the module unbinds and unloads;
# then the leak baseline taken with the module unloaded before the faults holds (baseline.sh's
# measures: the guest's grant entries in use by dom0 from Xen's 'g' key, its event-channel
# IRQ lines, Shmem, free memory, the backend's live dbufs and fbs); finally, with the
# backend restarted without faults, the module loads again and a client's frame reaches the
# backend pixel for pixel.
#
# The seed: RIG_FAULT_SEED (host environment; run.sh passes it on), default 17; "random"
# draws one in dom0. It is printed in the guest log ("fault-random: seed S"), in be.log,
# facts.txt (fault_seed=) and in a failure's reason: RIG_FAULT_SEED=S reruns it (up to the
# timing of the guest and the backend, which the seed does not fix).
for _d in /rig/scenarios /payload/rig/scenarios "${RIG_DIR:-.}/scenarios"; do
	if [ -f "$_d/baseline.sh" ]; then
		# measure, get, free_kb, baseline_compare, dom0_req_measure
		# shellcheck source=baseline.sh
		. "$_d/baseline.sh"
		break
	fi
done
VDISPL='backend=0,be-alloc=0,connectors=id0:640x480;id1:320x240'
BE_ARGS='--edid-modes 800x600,320x240'
TIMEOUT=170
FR_SEED=${RIG_FAULT_SEED:-17}
FR_PERMILLE=60
FR_COUNT=60
FR_SECONDS=30
FR_CLIENT_MAX=30
FR_MEMFREE_WAIT=30

# dom0: restart the backend in the random fault mode; the seed goes to the guest
dom0_req_fault_random() {
	local seed=$FR_SEED
	[ "$seed" != random ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	stop_backend TERM
	fact "fault_seed=$seed"
	say "fault-random: seed $seed, $FR_PERMILLE per mille, $FR_COUNT items"
	start_backend $BE_ARGS --fault-random "$seed,$FR_PERMILLE,$FR_COUNT" || return 1
	xenstore-write /local/domain/$DOMID/data/rig/fault_seed "$seed"
}
# dom0: a well-behaved backend again
dom0_req_fault_off() {
	stop_backend TERM
	start_backend $BE_ARGS
}

fr_oops() {
	dmesg | grep -E 'BUG:|Oops|WARNING:|general protection|Call Trace|KASAN' | head -n 3
}

# fr_rnd N: FR_V = a number below N from the guest's own sequence (seeded with the seed)
fr_rnd() {
	FR_R=$(( (FR_R * 1103515245 + 12345) % 2147483648 ))
	FR_V=$(( FR_R / 65536 % $1 ))
}

# fr_client ARGS...: one client that must end within FR_CLIENT_MAX s; its errors are allowed
fr_client() {
	local pid i=0 rc
	xdisp-client "$@" > /tmp/fr-client.out 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		if [ $i -ge $((FR_CLIENT_MAX * 10)) ]; then
			gfail "client did not end within ${FR_CLIENT_MAX}s: xdisp-client $* (last line: $(tail -n1 /tmp/fr-client.out)); kernel: $(fr_oops)"
			kill -9 $pid
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait $pid
	rc=$?
	FR_CLIENTS=$((FR_CLIENTS + 1))
	[ $rc = 0 ] && FR_CLIENTS_OK=$((FR_CLIENTS_OK + 1))
	gsay "fault-random: client $FR_CLIENTS ($*) rc $rc: $(grep -m1 'VERDICT' /tmp/fr-client.out)"
	# /tmp is shmem, which the baseline counts
	rm -f /tmp/fr-client.out
}

# fr_wait_card SECS: a card within SECS s (quietly: not having one is allowed here); 1 at
# once if the driver gave the device up (frontend Closing or Closed)
fr_wait_card() {
	local end=$(( $(now10) + $1 * 10 ))
	while ! has_card; do
		case $(fe_state) in
		5 | 6) return 1 ;;
		esac
		[ "$(now10)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# fr_rebind: the driver gave the device up (a connect that failed is fatal, as
# xenbus_dev_fatal() makes it): unbind and bind it again, as an administrator would
fr_rebind() {
	local drv=/sys/bus/xen/drivers/vdispl
	FR_REBINDS=$((FR_REBINDS + 1))
	gsay "fault-random: frontend state $(fe_state), no card: rebind $FR_REBINDS"
	echo vdispl-0 > $drv/unbind || { gfail "unbind vdispl-0 (state $(fe_state))"; return 1; }
	echo vdispl-0 > $drv/bind || { gfail "bind vdispl-0"; return 1; }
}

guest() {
	local before after seed end conn fmt flips mode bad
	wait_connected 20 || return 1
	sleep 1
	# a warm-up run: first-time allocations are not leaks
	client --conn all --pattern bars --flips 2 >/dev/null || { cat /tmp/client.out; return 1; }
	unload_module || return 1
	sleep 1
	before=$(measure) || return 1
	gsay "baseline, module unloaded: $before"

	rig_req fault_random || return 1
	seed=$(xenstore-read data/rig/fault_seed 2>/dev/null)
	gsay "fault-random: seed $seed (rerun: RIG_FAULT_SEED=$seed tests/rig/run.sh ... fault-random)"
	FR_R=${seed:-1}
	load_module $MODPARAMS || return 1
	if fr_wait_card 20; then
		gsay "fault-random: frontend Connected, card '$(first_card)'"
	else
		gsay "fault-random: no card after 20 s (frontend state $(fe_state)); clients go on"
	fi
	FR_CLIENTS=0
	FR_CLIENTS_OK=0
	FR_REBINDS=0
	end=$(( $(now10) + FR_SECONDS * 10 ))
	while [ "$(now10)" -lt "$end" ]; do
		if ! has_card; then
			case $(fe_state) in
			5 | 6) fr_rebind || return 1 ;;
			esac
			fr_wait_card 10 || continue
		fi
		fr_rnd 3
		set -- 0 1 all
		shift $FR_V
		conn=$1
		fr_rnd 4
		set -- XR24 RG16 AR24 RG24
		shift $FR_V
		fmt=$1
		fr_rnd 8
		flips=$((FR_V + 1))
		fr_rnd 4
		mode=
		[ $FR_V != 0 ] || [ "$conn" != 0 ] || mode='--mode 800x600'
		[ $FR_V != 1 ] || [ "$conn" != 1 ] || mode='--mode 320x240'
		# shellcheck disable=SC2086 # $mode: nothing or two words
		fr_client --conn $conn --format $fmt --flips $flips $mode --pattern checker \
			--timeout-ms 2000 || return 1
		bad=$(fr_oops)
		[ -z "$bad" ] || { gfail "kernel after client $FR_CLIENTS: $bad"; return 1; }
	done
	gsay "fault-random: $FR_CLIENTS clients ran, $FR_CLIENTS_OK passed, $FR_REBINDS rebinds; frontend state $(fe_state)"
	dump_debugfs
	unload_module 20 || { gfail "unload after the faults; kernel: $(fr_oops)"; return 1; }
	sleep 1
	after=$(measure) || return 1
	gsay "after the faults, module unloaded: $after"
	baseline_compare "$before" "$after" $FR_MEMFREE_WAIT grants_in_use dbufs fbs irq_lines \
		vdispl_irqs shmem_kb || return 1
	gsay "fault-random: leak baseline holds"

	rig_req fault_off || return 1
	load_module $MODPARAMS || return 1
	wait_connected 30 || return 1
	dump_client --conn 0 --pattern bars --flips 2 || return 1
	gsay "FAULT-RANDOM PASS: seed $seed, $FR_CLIENTS clients, baseline held, the device works again"
}

judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local seed acts
	seed=$(fact fault_seed)
	acts=$(grep -c 'FAULT random #' be/trace.log 2>/dev/null)
	{
		echo "seed=$seed"
		echo "garbled items: $acts"
		grep -o 'FAULT random #[0-9]*/[0-9]* [a-z-]*' be/trace.log 2>/dev/null |
			awk '{print $4}' | sort | uniq -c | sort -rn
		tr -d '\r' < guest.log | grep -o 'fault-random: [0-9]* clients ran.*'
	} > fault-random-judge.txt
	[ "${acts:-0}" -gt 0 ] || jfail "the backend garbled nothing (seed $seed)"
	expect_guest_line 'FAULT-RANDOM PASS'
	expect_checksum_match 0 be/dump1
	[ ${#reasons[@]} = 0 ] || jfail "seed $seed: rerun with RIG_FAULT_SEED=$seed"
}
