# weston-restart: weston.sh, with the backend killed (SIGKILL, no goodbye) and started again
# while weston and weston-simple-shm run (issue #13.1). Weston keeps its card, and its
# desktop must reach the restarted backend: the dump is the new instance's, judged as in
# weston.sh. Debian's module unplugs the card under weston instead.
for _d in /rig/scenarios /payload/rig/scenarios "${RIG_DIR:-.}/scenarios"; do
	if [ -f "$_d/weston.sh" ]; then
		# shellcheck source=weston.sh
		. "$_d/weston.sh"
		break
	fi
done
WESTON_RESTART=KILL
TIMEOUT=200
