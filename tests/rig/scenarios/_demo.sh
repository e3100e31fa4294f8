# _demo (not part of "all"): the README's first command. Our module draws the demo test
# picture (white frame, colour bars, a big checker); demo.sh runs it with displ_be, and
# QEMU's screendump of dom0's display (identical to the client's picture, checksum for
# checksum) becomes build/rig/screen.png.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60

guest() {
	wait_connected 20 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern demo --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_checksum_match 0 be/dump1
	expect_file be/dump1/conn0.png
}
