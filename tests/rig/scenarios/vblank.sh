# vblank: DRM vblank support. The backend paces EVT_PG_FLIP with a 60 Hz clock
# (--vsync-hz 60). Client 1 sets the 60 Hz mode, calls drmWaitVBlank(RELATIVE, 1) 300
# times (every reply must carry the next sequence number, at most 5% of the waits may
# skip one because the client ran late, timestamps must increase and be recent, the
# measured rate must be 50-70 Hz, and the intervals between timestamps, per vblank, must
# have a standard deviation under 0.5% of their mean: timestamps clients can calibrate
# on), then flips 120 times: each flip event must carry a larger sequence number and a
# later, recent timestamp than the one before.
# Client 2 flips 60 times right after its mode set, with no vblank wait before (no client
# holds a vblank reference), with the same checks on the flip events.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS='--vsync-hz 60'
TIMEOUT=120

guest() {
	local rc=0
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern bars --vblank 10 --vblank-waits 300 --vblank-jitter-pct 0.5 --flips 120 --check-flip-events --verbose || rc=1
	client --conn 0 --expect-mode 1024x768 --pattern checker --flips 60 --check-flip-events --verbose || rc=1
	return $rc
}
judge_scenario() {
	local l hz
	l=$(grep -m1 'CLIENT conn=0 vblank: ' guest.log)
	[ -n "$l" ] || { jfail "no vblank measurement in guest.log"; return; }
	hz=$(echo "$l" | sed -n 's/.* rate=\([0-9.]*\) Hz (client clock).*/\1/p')
	echo "vblank: $l" > vblank-judge.txt
	awk -v h="$hz" 'BEGIN { exit !(h >= 50 && h <= 70) }' || jfail "vblank rate '$hz' Hz outside 50-70"
	l=$(grep -m1 'CLIENT conn=0 vblank intervals: ' guest.log)
	[ -n "$l" ] || { jfail "no vblank interval measurement in guest.log"; return; }
	echo "vblank: $l" >> vblank-judge.txt
	echo "$l" | grep -q ' n=299 ' || jfail "not 300 vblank waits: $l"
	[ "$(grep -c 'CLIENT conn=0 flip events: sequence' guest.log)" = 2 ] ||
		jfail "the flip events of both clients were not all checked"
}
