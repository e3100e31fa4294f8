# two-connectors: two connectors of different sizes; the client drives both at once
# (one CRTC each), and the backend shows each connector's own picture.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768;id1:800x600'
BE_ARGS=''
TIMEOUT=90

guest() {
	wait_connected 20 || return 1
	dump_client --conn 0,1 --expect-mode 1024x768,800x600 --pattern gradient --flips 10
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
	expect_checksum_match 1 be/dump1
	expect_file be/dump1/conn1.png
}
