# be-alloc: the backend allocates the display buffers (be-alloc=1): the frontend maps the
# backend's grants; the picture must still match. With our module, its debugfs while the
# client holds the picture must show how: in a PV guest the CPU draws in a shadow copied
# to the backend's pages when shown ("be-alloc, shadowed", shadow-copied-pages > 0); in a
# PVH guest (auto-translated) it maps the backend's pages directly ("be-alloc, mapped
# directly", shadow-copied-pages: 0).
VDISPL='backend=0,be-alloc=1,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	client --exec-on-hold "rig-req dump; for f in /sys/kernel/debug/dri/*/xen_front_buffers /sys/kernel/debug/dri/*/xen_front_stats; do [ -r \$f ] && sed 's/^/be-alloc| /' \$f; done; true" \
		--hold 1 --conn 0 --expect-mode 1024x768 --pattern bars --flips 4
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_checksum_match 0 be/dump1
	expect_file be/dump1/conn0.png
	[ "$(fact module)" = ours ] || return 0
	local direct shadowed copied want=direct
	# the client's two buffers, and fbdev's
	direct=$(grep -c '^be-alloc| dbuf .*, be-alloc, mapped directly' guest.log)
	shadowed=$(grep -c '^be-alloc| dbuf .*, be-alloc, shadowed' guest.log)
	copied=$(sed -n 's/^be-alloc| shadow-copied-pages: \([0-9]*\).*/\1/p' guest.log | tail -n1)
	echo "be-alloc: guest type $(fact guest_type); buffers mapped directly $direct, shadowed $shadowed; shadow-copied-pages ${copied:-?}" > be-alloc-judge.txt
	[ "$(fact guest_type)" = pvh ] || want=shadowed
	if [ $want = direct ]; then
		{ [ "$direct" -ge 2 ] && [ "$shadowed" = 0 ]; } ||
			jfail "PVH: be-alloc buffers not all mapped directly: $direct mapped directly, $shadowed shadowed (guest.log be-alloc| lines)"
		[ "$copied" = 0 ] || jfail "PVH: shadow-copied-pages is '${copied:-?}', not 0"
	else
		{ [ "$shadowed" -ge 2 ] && [ "$direct" = 0 ]; } ||
			jfail "PV: be-alloc buffers not all shadowed: $shadowed shadowed, $direct mapped directly (guest.log be-alloc| lines)"
		[ "${copied:-0}" -gt 0 ] || jfail "PV: shadow-copied-pages is '${copied:-?}', not > 0"
	fi
}
