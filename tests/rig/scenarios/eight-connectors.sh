# eight-connectors: the largest configuration: 8 connectors, the first 3840x2160 (4K),
# the others 640x480 to 1024x768. The client drives all 8 at once (--conn all, 2 buffers
# each: 2 x 33 MB for the 4K one), flips each 4 times; all 8 backend checksums must
# equal the client's. GUEST_MEM=400: the client's buffers (~80 MB) plus fbdev's 4K
# buffer and its shadow (2 x 33 MB) fit with room to spare.
VDISPL='backend=0,be-alloc=0,connectors=id0:3840x2160;id1:640x480;id2:800x600;id3:1024x768;id4:640x480;id5:800x600;id6:1024x768;id7:720x480'
BE_ARGS=''
TIMEOUT=240
GUEST_MEM=400
# Under TCG a 4K PNG takes the backend ~8 s. After the client, fbcon shows its 3840x2160
# buffer on all 8 connectors, and the backend dumps each (the whole fb) when the guest
# goes away: give it time to finish before it is stopped, and the dump time.
BE_STOP_WAIT=120
DUMP_WAIT=40

guest() {
	wait_connected 30 || return 1
	modetest -M xendrm-du -c 2>&1 | grep -E '^[0-9]+|#0 ' | sed 's/^/modetest| /'
	dump_client --conn all --expect-mode 3840x2160,640x480,800x600,1024x768,640x480,800x600,1024x768,720x480 \
		--pattern gradient --flips 4
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	local i
	for i in 0 1 2 3 4 5 6 7; do expect_checksum_match $i be/dump1; done
	grep -q '^width=3840$' be/dump1/conn0.txt 2>/dev/null || jfail "connector 0's dump is not 3840 wide"
}
