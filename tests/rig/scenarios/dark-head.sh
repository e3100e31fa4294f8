# dark-head: a head the backend cannot light. Two connectors; the backend fails every
# SET_CONFIG on connector 1 (--fault error:5 --fault-op SET_CONFIG --fault-conn 1). No
# client: fbdev's console lights connector 0 and tries connector 1, whose link goes BAD.
# fbdev answers every hotplug with a modeset; the frontend must not re-light the dark head
# in a loop. After 2 s for the console to settle, between two backend dumps 10 s apart,
# the backend must see at most 2 SET_CONFIGs and no PG_FLIP on connector 1; over the whole
# run the guest log may have at most 1 error line for connector 1, and connector 0 must
# have been lit (a successful SET_CONFIG).
VDISPL='backend=0,be-alloc=0,connectors=id0:640x480;id1:640x480'
BE_ARGS='--fault error:5 --fault-op SET_CONFIG --fault-conn 1'
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	sleep 2
	rig_req dump || return 1
	sleep 10
	rig_req dump || return 1
	modetest -M xendrm-du -c 2>&1 | grep -E '^[0-9]|link-status|value' | sed 's/^/modetest| /'
	return 0
}

# in_window PATTERN: be/trace.log lines matching PATTERN between the first two DUMP runs
in_window() {
	awk -v pat="$1" '/ DUMP /{ if (!seen || gap) n++; seen = 1; gap = 0; next }
		{ gap = 1 } n == 1 && $0 ~ pat { c++ } END { print c + 0 }' be/trace.log
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local c0 c1 w1 f1 e1
	c0=$(grep -c ' c0 RSP id=[0-9]* SET_CONFIG status=0' be/trace.log)
	c1=$(grep -c ' c1 REQ id=[0-9]* SET_CONFIG' be/trace.log)
	w1=$(in_window ' c1 REQ id=[0-9]+ SET_CONFIG')
	f1=$(grep -c ' c1 REQ id=[0-9]* PG_FLIP' be/trace.log)
	e1=$(grep -cE 'connector 1.*fail|Failed to (enable display|send page flip)' guest.log)
	echo "dark-head: connector 0 lit $c0 time(s); connector 1: $c1 SET_CONFIG ($w1 in the 10 s window), $f1 PG_FLIP, $e1 error line(s)" > dark-head-judge.txt
	[ "$(grep -c ' DUMP ' be/trace.log)" -ge 2 ] || jfail "no backend dumps in the trace: no window"
	[ "$c0" -ge 1 ] || jfail "connector 0 was never lit (no successful SET_CONFIG)"
	[ "$c1" -ge 1 ] || jfail "connector 1 got no SET_CONFIG: the fault was not exercised"
	[ "$w1" -le 2 ] || jfail "connector 1 got $w1 SET_CONFIGs in 10 s ($c1 in all): re-lit in a loop"
	[ "$f1" = 0 ] || jfail "connector 1 got $f1 PG_FLIPs though it never lit"
	[ "$e1" -le 1 ] || jfail "$e1 error lines for connector 1 in the guest log"
}
