# shutdown: a client has displayed something; then a clean guest poweroff (xl shutdown):
# the frontend must go through Closing with the backend promptly (no 'timeout closing
# device' from xenbus: the backend answers Closing with Closing) and nothing may warn.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60
GUEST_SHUTDOWN=clean
SHUTDOWN_TIMEOUT=30

guest() {
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2 --hold 1
}
judge_scenario() {
	m=$(grep -m1 'timeout closing device' guest.log)
	[ -z "$m" ] || jfail "guest shutdown: $m"
	grep -q 'RIG-GUEST: shutdown requested' guest.log || jfail "the guest never saw the shutdown request"
	[ -n "$(fact shutdown_secs)" ] || jfail "no clean shutdown"
}
