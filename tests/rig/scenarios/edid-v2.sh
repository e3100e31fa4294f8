# edid-v2: the backend offers protocol version 2 (XenStore "versions" = "1,2", written
# into the backend's directory before the guest starts: displ_be writes none), so a
# frontend that negotiates fetches the backend's EDID with GET_EDID and exposes it as
# the connector's EDID; the client then draws through the EDID's preferred mode.
# Upstream never negotiates (v1 only): no EDID.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
BE_XS_NODES='versions=1,2'
TIMEOUT=60

guest() {
	local e n
	wait_connected 20 || return 1
	gsay "frontend version: $(xenstore-read device/vdispl/0/version 2>/dev/null || echo none)"
	e=$(ls /sys/class/drm/card*-*/edid 2>/dev/null | head -n1)
	n=$(cat "$e" 2>/dev/null | wc -c)
	gsay "EDID of the connector: $n bytes ($e)"
	[ "$n" -ge 128 ] || { gsay "FAIL: the connector has no EDID"; return 1; }
	modetest -M xendrm-du -c 2>&1 | sed 's/^/modetest| /'
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_guest_line 'frontend version: 2'
	expect_checksum_match 0 be/dump1
}
