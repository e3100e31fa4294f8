# save-restore: dom0 saves the guest (xl save) while a client flips, and restores it
# (xl restore: a new domain, a new backend connection, no grant or event channel of
# before). The guest keeps its card: the driver creates its buffers, framebuffers and
# mode again on the new backend, the client's flips go on and reach it, and the frame the
# client shows last is the restored backend's dump. Upstream has no resume callback.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--vsync-hz 60'
TIMEOUT=300
# The save image lives in dom0's RAM (tmpfs): keep the guest small.
GUEST_MEM=128

guest() {
	local old rc
	wait_connected 20 || return 1
	old=$(card_id)
	# Save and restore ~3 s into the client's 900 flips (15 s at 60 Hz).
	( sleep 3; RIG_REQ_TIMEOUT=240 rig_req saverestore ) > /tmp/saverestore.out 2>&1 &
	RIG_REQ_TIMEOUT=240 client --conn 0 --expect-mode 1024x768 --pattern bars --flips 900 \
		--timeout-ms 20000 --exec-on-hold "rig-req dump" --hold 1
	rc=$?
	wait
	cat /tmp/saverestore.out
	grep -q FAIL /tmp/saverestore.out && { gsay "FAIL: the save/restore request failed"; return 1; }
	[ "$rc" = 0 ] || return 1
	if [ "$(card_id)" != "$old" ]; then
		gsay "FAIL: the card changed across save/restore ($old -> $(card_id))"
		return 1
	fi
	gsay "same card across save/restore: $old"
	dmesg | grep -q 'restored: the display continues' || { gsay "FAIL: the driver did not report the restore"; return 1; }
}

dom0_req_saverestore() {
	local t0
	t0=$(up)
	say "xl save $GUEST"
	if ! timeout 180 xl save $GUEST /tmp/rig-save.img > $SOUT/xl-save.log 2>&1; then
		fail "xl save failed: $(tail -n 3 $SOUT/xl-save.log | tr '\n' '|')"
		return 1
	fi
	fact "save_image_kib=$(du -k /tmp/rig-save.img | cut -f1)"
	fact "old_domid=$DOMID"
	say "saved; xl restore"
	if ! timeout 180 xl restore /tmp/rig-save.img > $SOUT/xl-restore.log 2>&1; then
		fail "xl restore failed: $(tail -n 3 $SOUT/xl-restore.log | tr '\n' '|')"
		rm -f /tmp/rig-save.img
		return 1
	fi
	rm -f /tmp/rig-save.img
	DOMID=$(xl domid $GUEST 2>/dev/null)
	fact "new_domid=$DOMID"
	fact "save_restore_s=$(awk -v a=$t0 -v b=$(up) 'BEGIN { printf "%.1f", b - a }')"
	say "restored: domid $DOMID"
}

judge_scenario() {
	local old new n
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	old=$(fact old_domid)
	new=$(fact new_domid)
	[ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ] || { jfail "no save/restore happened (domids '$old' -> '$new')"; return; }
	if backend_is displ_be; then
		# displ_be has no request trace: it served the restored domain, and dom0's
		# screen shows the frame the client flipped to last
		grep -q "New frontend found, domid: $new," be.log || jfail "displ_be never served the restored domain $new"
		expect_checksum_match 0 be/dump1
		return
	fi
	# Flips of the restored domain reached the backend.
	n=$(grep -c " $new/0 c0 REQ id=[0-9]* PG_FLIP" be/trace.log 2>/dev/null)
	[ "${n:-0}" -ge 10 ] || jfail "only ${n:-0} PG_FLIP from the restored domain $new reached the backend"
	grep -q " $new/0 c0 REQ id=[0-9]* SET_CONFIG" be/trace.log || jfail "no SET_CONFIG from the restored domain"
	expect_checksum_match 0 be/dump1
}
