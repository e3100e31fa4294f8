# backend-noanswer: vdispl-be's own fault: every PG_FLIP is consumed but never answered
# (--fault noanswer --fault-op PG_FLIP); everything else works. The client's first flip
# must fail visibly within 5 s (error, disconnect or link-status BAD), no hang, no oops.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--fault noanswer --fault-op PG_FLIP'
TIMEOUT=120

guest() {
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern bars --flips 3 --expect-fail --timeout-ms 5000 || return 1
	gsay "guest alive after the client"
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_guest_line 'guest alive after the client'
}
