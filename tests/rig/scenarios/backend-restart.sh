# backend-restart: the backend is killed (SIGKILL) while a client displays, then started
# again. The guest's card must be unplugged, a new card must appear, and a client must
# be able to draw on it (checked against the new backend's dump).
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=120

guest() {
	local old
	wait_connected 20 || return 1
	old=$(card_id)
	client --conn 0 --expect-mode 1024x768 --pattern checker --flips 2 \
		--exec-on-hold "rig-req restart-backend KILL" --hold 1 || gsay "first client failed (tolerated: its backend was killed)"
	wait_new_card "$old" 40 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	[ "$(grep -c '^==== start' be.log)" -ge 2 ] || jfail "the backend was not restarted"
	expect_checksum_match 0 be/dump1
}
