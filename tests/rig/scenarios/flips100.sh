# flips100: 100 page flips, each acknowledged by a flip event for the right CRTC; the
# backend shows the buffer flipped last. With our module, the whole client (buffers,
# mode set, 100 flips, teardown) takes at most 130 interrupts on the device's channels:
# a flip interrupts the guest once, with its EVT_PG_FLIP (the PG_FLIP's response comes
# unnotified, issue #14); only requests somebody waits for are answered with one.
# Debian's module takes two a flip; its count is logged, not judged.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=120

guest() {
	local n0 rc=0
	wait_connected 20 || return 1
	n0=$(vdispl_interrupts)
	dump_client --conn 0 --expect-mode 1024x768 --pattern checker --flips 100 --timeout-ms 3000 || rc=1
	gsay "vdispl interrupts during the client: $(($(vdispl_interrupts) - n0))"
	return $rc
}
judge_scenario() {
	local n
	expect_guest_line 'CLIENT conn=0 flips=100 events=100 '
	n=$(sed -n 's/.*vdispl interrupts during the client: \([0-9]*\).*/\1/p' guest.log | tail -n1)
	if [ "$(fact module)" = ours ]; then
		[ -n "$n" ] && [ "$n" -le 130 ] ||
			jfail "100 flips took '$n' interrupts on the vdispl channels (one a flip and one per waited-for request: at most 130)"
	fi
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_checksum_match 0 be/dump1
}
