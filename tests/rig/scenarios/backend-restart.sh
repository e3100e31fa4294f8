# backend-restart: the backend is killed while a client displays, then started again,
# twice: first with SIGKILL (no goodbye), then with SIGTERM (the backend closes its side
# first). Each time the guest's card must be unplugged and a new card must appear, and
# a client must be able to draw on it (checked against the last backend's dump).
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=150

guest() {
	local old sig
	wait_connected 20 || return 1
	for sig in KILL TERM; do
		old=$(card_id)
		client --conn 0 --expect-mode 1024x768 --pattern checker --flips 2 \
			--exec-on-hold "rig-req restart-backend $sig" --hold 1 ||
			gsay "client failed (tolerated: its backend was stopped with SIG$sig)"
		wait_new_card "$old" 40 || return 1
		gsay "backend restarted after SIG$sig: new card $(card_id)"
	done
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	[ "$(grep -c '^==== start' be.log)" -ge 3 ] || jfail "the backend was not restarted twice"
	expect_guest_line 'backend restarted after SIGTERM'
	expect_checksum_match 0 be/dump1
}
