# bad-input: a hostile client. Absurd dumb-buffer sizes (including the one whose
# width * bpp wraps a u32), unsupported formats, tiling modifiers, offsets and foreign
# pitches, a mode the connector does not have: each must be refused with EINVAL, and
# GETFB2 must work on a framebuffer of ours. Then a normal client still draws.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=90

guest() {
	wait_connected 20 || return 1
	gsay "xdisp-stress --bad-input"
	xdisp-stress --bad-input 2>&1 | tee /tmp/stress.out
	grep -q '^CLIENT VERDICT: PASS' /tmp/stress.out || gfail "xdisp-stress --bad-input failed" || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
}
