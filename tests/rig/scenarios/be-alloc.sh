# be-alloc: the backend allocates the display buffers (be-alloc=1): the frontend maps the
# backend's grants; the picture must still match.
VDISPL='backend=0,be-alloc=1,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 4
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
	expect_file be/dump1/conn0.png
}
