# pattern: the client draws colour bars; the backend's conn0.txt checksum equals the
# client's and the backend wrote a PNG.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 1
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_checksum_match 0 be/dump1
	expect_file be/dump1/conn0.png
}
