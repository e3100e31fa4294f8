# fb-pitch: framebuffers laid out otherwise than their dumb buffer (issue #13.3): FB_ATTACH
# carries no pitch and no offset, the backend shows width x height of the framebuffer
# from the start of its buffer, lines width x bpp / 8 apart; our module gives such a
# framebuffer a display buffer of its own over the same pages (width = pitch / cpp,
# data_ofs = the offset within a page, protocol v2). Four client runs at 640x480 XR24,
# each with a dump whose checksum must be the client's:
#   1. a 768x480 buffer (pitch 3072), the framebuffer at its pitch (a part of a wider buffer)
#   2. the same buffer, the framebuffer with pitch 2816 (704 pixels: not the buffer's)
#   3. a 640x960 buffer, the framebuffer at offset 1228800 (its second half, page-aligned)
#   4. a 640x961 buffer, the framebuffer at offset 1228864 (64 bytes into a page: data_ofs)
# displ_be gets protocol v2 too (BE_XS_NODES), for data_ofs.
VDISPL='backend=0,be-alloc=0,connectors=id0:640x480'
BE_ARGS=''
BE_XS_NODES='versions=1,2'
TIMEOUT=120

guest() {
	local rc=0
	wait_connected 20 || return 1
	gsay "frontend version: $(xenstore-read device/vdispl/0/version 2>/dev/null || echo none)"
	dump_client --conn 0 --expect-mode 640x480 --pattern bars --dumb 768x480 || rc=1
	dump_client --conn 0 --expect-mode 640x480 --pattern bars --dumb 768x480 --fb-pitch 2816 || rc=1
	dump_client --conn 0 --expect-mode 640x480 --pattern gradient --dumb 640x960 --fb-offset 1228800 || rc=1
	dump_client --conn 0 --expect-mode 640x480 --pattern checker --dumb 640x961 --fb-offset 1228864 || rc=1
	return $rc
}
judge_scenario() {
	local i
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_guest_line 'frontend version: 2'
	for i in 1 2 3 4; do expect_checksum_match 0 be/dump$i $i; done
}
