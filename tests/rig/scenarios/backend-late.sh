# backend-late: every response comes 500 ms late (--fault delay:500), well within the
# frontend's timeout: everything must still work.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--fault delay:500'
TIMEOUT=110

# Our module's format probe at connect makes 24 requests (issue #13.2): 12 s more here.
guest() {
	wait_connected 40 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 5 --timeout-ms 5000
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
}
