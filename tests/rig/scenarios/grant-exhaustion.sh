# grant-exhaustion: the guest's grant table is small (Xen's default of 64 frames), so a
# few dozen 1024x768 buffers exhaust it. The client creates buffers until the driver
# refuses: the refusal must be ENOSPC or ENOMEM, with no oops; after freeing them all a
# second round must get as many (nothing leaked), and a normal client still draws.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=240

guest() {
	wait_connected 20 || return 1
	gsay "xdisp-stress --exhaust 1024x768 --rounds 2"
	xdisp-stress --exhaust 1024x768 --rounds 2 2>&1 | tee /tmp/stress.out
	grep -q '^CLIENT VERDICT: PASS' /tmp/stress.out || gfail "xdisp-stress --exhaust failed" || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern checker --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
}
