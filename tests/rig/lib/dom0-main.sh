# Sourced by dom0's /init once the payload is unpacked. Brings the toolstack up once, then
# runs each scenario of the group ($SCENARIOS from run.env) in a subshell, with its own
# guest "rig-<scenario>" and /out (moved to /results/<scenario>/ afterwards):
#   backend (scenario's BE_ARGS) -> xl create -> serve guest requests until the guest's
#   RIG-GUEST-END -> scenario's dom0_after -> xl destroy (or clean shutdown) -> stop the
#   backend -> collect logs.
# A scenario may replace the middle part by defining dom0_flow. If a scenario leaves dom0
# unhealthy (a domain that will not go away), the rest are skipped (the host reruns
# skipped scenarios in a fresh boot). Finally /results goes onto the output disk; poweroff.
. /payload/rig/run.env
SOUT=/out
. /payload/rig/dom0-lib.sh
mkdir -p /results
: > /out/fails.txt

std_flow() {
	start_backend $BE_ARGS || return 1
	guest_create || return 1
	guest_loop ${TIMEOUT:-60} || return 1
	if type dom0_after >/dev/null 2>&1; then dom0_after; fi
	xenstore-ls -f > $SOUT/xenstore-guest-end.txt 2>&1
}

run_scenario() {
	fact "scenario=$SCENARIO"
	fact "module=$MODULE"
	fact "t_begin=$(up)"
	say "scenario $SCENARIO, module $MODULE, backend $(have_real_backend && echo vdispl-be || echo stand-in)"
	if type dom0_flow >/dev/null 2>&1; then dom0_flow; else std_flow; fi
	if [ -n "$BE_PID" ] && ! be_alive; then
		wait $BE_PID; rc=$?
		fail "backend exited unexpectedly (rc $rc): $(tail -n 3 $SOUT/be.log | tr '\n' '|')"
		BE_PID=
	fi
	echo_guest_log
	guest_shutdown
	be_alive && stop_backend TERM
	fact "t_end=$(up)"
	collect
	say "scenario $SCENARIO done"
}

# move_out NAME: /out/* -> /results/NAME/
move_out() {
	mkdir -p /results/$1
	mv /out/* /results/$1/ 2>/dev/null
	: > /out/fails.txt
}

say "dom0 up; module $MODULE; scenarios: $SCENARIOS"
TS_OK=
toolstack_up && TS_OK=1
dmesg -c > /out/dom0-dmesg.txt
UNHEALTHY=
[ -n "$TS_OK" ] || UNHEALTHY="the toolstack did not come up: $(cat /out/fails.txt | tr '\n' '|')"
move_out _dom0
for sc in $SCENARIOS; do
	if [ -n "$UNHEALTHY" ]; then
		mkdir -p /results/$sc
		echo "$UNHEALTHY" > /results/$sc/skipped.txt
		continue
	fi
	(
		GUEST=rig-$sc
		GLOG=/var/log/xen/console/guest-$GUEST.log
		SCENARIO=$sc
		. /payload/rig/scenarios/$sc.sh
		run_scenario
	)
	# health: no domain but dom0 may be left
	left=$(xl list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0" {print $1}')
	if [ -n "$left" ]; then
		fail "domain(s) left after the scenario: $left"
		for d in $left; do timeout 20 xl destroy $d; done
		left=$(xl list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0" {print $1}')
		[ -z "$left" ] || UNHEALTHY="dom0 unhealthy after $sc: domain(s) $left cannot be destroyed"
	fi
	move_out $sc
	write_out /results > /dev/null   # so far: a later crash keeps these results
done
xl dmesg > /results/_dom0/xen-dmesg-end.txt 2>&1
write_out /results
echo "RIG-DOM0-DONE"
poweroff -f
sleep 10
