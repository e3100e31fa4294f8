# connect: the frontend reaches Connected (4) and modetest -c lists the connector with the
# configured mode.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=60

guest() {
	wait_connected 20 && modetest_lists 1024 768
}
dom0_after() {
	fact "fe_state=$(fe_state)"
	fact "be_state=$(be_state)"
}
judge_scenario() {
	[ "$(fact fe_state)" = 4 ] || jfail "frontend state at the end: '$(fact fe_state)', want 4 (Connected)"
}
