# backend-error: the backend answers page flips with an error (--fault error:5
# --fault-op PG_FLIP, status -EIO): the client sees a failure (ioctl error or the
# connector hot-unplugged), nothing oopses.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--fault error:5 --fault-op PG_FLIP'
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern bars --flips 3 --expect-fail --timeout-ms 5000 || return 1
	gsay "guest alive after the client"
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_guest_line 'guest alive after the client'
}
