# bench-suite (not in ORDER; `make bench` runs it through tests/bench/run.sh, which adds
# /bench to the guest and /payload/bench to dom0): ours vs Debian's drm_xen_front in one
# boot. dom0 runs a plan (/payload/bench/plan.txt: "<round> <n> <module> <part>" lines):
# one fresh guest per line, modules alternating, each loading the module named on its
# command line (bench.module=ours|debian) and running one part (bench.part=):
#   main     unpaced backend: flip round trips, modesets, dumb buffers (timing, grants,
#            memory), the event-channel floor
#   vsync    backend at 60 Hz (--vsync-hz 60): sustained flips, guest CPU per flip
#   profile  function_graph call trees of the above
# Each guest's console and the backend's files land in sub/<round>-<n>-<module>-<part>/.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=1800
NO_AUTOLOAD=1
GUEST_MEM=384
[ -f /payload/bench/bench-dom0.sh ] && . /payload/bench/bench-dom0.sh
[ -f /bench/bench-lib.sh ] && . /bench/bench-lib.sh

guest() {
	[ -x /bench/xbench ] || { gfail "no /bench/xbench: run this scenario through tests/bench/run.sh"; return 1; }
	bench_guest
}
