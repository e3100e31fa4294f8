# flips100: 100 page flips, each acknowledged by a flip event for the right CRTC; the
# backend shows the buffer flipped last.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=120

guest() {
	wait_connected 20 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern checker --flips 100 --timeout-ms 3000
}
judge_scenario() {
	expect_guest_line 'CLIENT conn=0 flips=100 events=100 '
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_checksum_match 0 be/dump1
}
