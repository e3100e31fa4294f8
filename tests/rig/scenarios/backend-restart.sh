# backend-restart: the backend is killed while a client flips, then started again, twice:
# first with SIGKILL (no goodbye), then with SIGTERM (the backend closes its side first).
# The card must stay (the same device node: displif's recovery reconnect, issue #13.1):
# the client flips on across both restarts, every flip gets its event, and the frame it
# shows last reaches the last backend instance (its dump). Debian's module unplugs the
# card under the client instead.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=180

guest() {
	local old cpid n=0 sig rc=0
	wait_connected 20 || return 1
	old=$(card_id)
	# enough flips to outlast both restarts (checked below), each event within 20 s
	client --conn 0 --expect-mode 1024x768 --pattern checker --flips 1500 --timeout-ms 20000 \
		--exec-on-hold "rig-req dump" --hold 1 &
	cpid=$!
	sleep 2
	for sig in KILL TERM; do
		n=$((n + 1))
		rig_req restart-backend $sig || rc=1
		gwait 40 "the display back on the backend restarted after SIG$sig" display_back $n || rc=1
		[ $rc = 0 ] && gsay "backend restarted after SIG$sig: the display continues"
		sleep 1
	done
	kill -0 $cpid 2>/dev/null ||
		{ gsay "FAIL: the client ended before the second restart was over (more --flips?)"; rc=1; }
	wait $cpid || { gsay "FAIL: the client failed across the restarts"; rc=1; }
	[ "$(card_id)" = "$old" ] || { gsay "FAIL: the card changed: $old -> $(card_id)"; rc=1; }
	return $rc
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	[ "$(grep -c '^==== start' be.log)" -ge 3 ] || jfail "the backend was not restarted twice"
	expect_guest_line 'backend restarted after SIGKILL: the display continues'
	expect_guest_line 'backend restarted after SIGTERM: the display continues'
	expect_guest_line 'CLIENT VERDICT: PASS'
	expect_checksum_match 0 be/dump1
}
