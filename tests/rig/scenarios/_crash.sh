# _crash (rig self-test, not in ORDER): dom0 crashes in the middle of the scenario; the
# scenarios after it in a shared boot must be rerun alone, and this one must FAIL.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
TIMEOUT=30
dom0_flow() {
	say "crashing dom0 on purpose"
	echo c > /proc/sysrq-trigger
}
