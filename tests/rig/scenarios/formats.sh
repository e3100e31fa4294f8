# formats: the client draws in each pixel format it knows (XR24, AR24, RG16, RG24), one
# run each with a backend dump; every dump's checksum must equal that run's client
# checksum (RG16 expanded by bit replication on both sides).
VDISPL='backend=0,be-alloc=0,connectors=id0:800x600'
BE_ARGS=''
TIMEOUT=120

guest() {
	local f rc=0
	wait_connected 20 || return 1
	for f in XR24 AR24 RG16 RG24; do
		dump_client --conn 0 --expect-mode 800x600 --format $f --pattern gradient --flips 1 || rc=1
	done
	return $rc
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local i
	for i in 1 2 3 4; do expect_checksum_match 0 be/dump$i $i; done
}
