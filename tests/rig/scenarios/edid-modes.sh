# edid-modes: the backend serves an EDID (protocol v2 GET_EDID) with the configured
# 1024x768 as the preferred mode and 1280x720, 800x600, 1152x864 as extra detailed timings
# (the third one in a CTA-861 extension block, which also adds 640x480). modetest -c must
# list them all with 1024x768 first and preferred; the client then sets two
# non-preferred modes of that list, 800x600 and 1280x720 (larger than the XenStore
# resolution): the backend must see SET_CONFIG with each size, and each dump's checksum
# must equal the client's.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--edid-modes 1280x720,800x600,1152x864'
TIMEOUT=120

edid_modes_listed() {
	local out rc=0 m
	out=$(modetest -M xendrm-du -c 2>&1)
	echo "$out" | sed 's/^/modetest| /'
	echo "$out" | grep -qE '#0 1024x768 .*preferred' ||
		gfail "modetest: mode #0 is not 1024x768 marked preferred" || rc=1
	for m in 1280x720 800x600 1152x864 640x480; do
		echo "$out" | grep -qE "#[0-9]+ $m " || gfail "modetest does not list the EDID's mode $m" || rc=1
	done
	[ $rc = 0 ] && gsay "modetest lists the EDID's modes, 1024x768 first and preferred"
	return $rc
}

guest() {
	local rc=0
	wait_connected 20 || return 1
	edid_modes_listed || rc=1
	# both, even if the list was wrong: the reference's failure to set them is recorded too
	dump_client --conn 0 --mode 800x600 --pattern bars --flips 2 --verbose || rc=1
	dump_client --conn 0 --mode 1280x720 --pattern gradient --flips 2 || rc=1
	return $rc
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	grep -q 'RSP id=[0-9]* GET_EDID status=0 edid_sz=256' be/trace.log ||
		jfail "the frontend did not fetch the 2-block EDID (no GET_EDID answered with edid_sz=256)"
	local n=1 wh w h
	for wh in 800x600 1280x720; do
		w=${wh%x*} h=${wh#*x}
		grep -q "CLIENT conn=0 .*mode=$wh@[0-9]* mode_index=[1-9][0-9]*/[0-9]* preferred=no" guest.log ||
			jfail "the client did not set $wh as a non-preferred mode of the list"
		grep -qE "c0 REQ id=[0-9]+ SET_CONFIG fb=0x[0-9a-f]+ ${wh}\+0\+0 bpp=32" be/trace.log ||
			jfail "no SET_CONFIG ${wh} in the backend's trace"
		grep -q "^width=$w\$" be/dump$n/conn0.txt 2>/dev/null && grep -q "^height=$h\$" be/dump$n/conn0.txt ||
			jfail "dump $n is not ${wh}: $(grep -E '^(width|height)=' be/dump$n/conn0.txt 2>/dev/null | tr '\n' ' ')"
		expect_checksum_match 0 be/dump$n $n
		n=$((n + 1))
	done
}
