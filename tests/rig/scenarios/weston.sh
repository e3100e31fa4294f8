# weston: Debian's weston 10 runs on the card from the guest root (GUEST_ROOT=1: Debian +
# weston on a read-only PV disk, tests/rig/mkguestroot.sh): DRM backend, pixman renderer,
# desktop shell with a known background colour, and weston-simple-shm draws a window. The
# backend's dump must show the desktop (that background over most of the screen, plus
# the panel and the window: many colours); weston's log must show the DRM backend on
# /dev/dri/card0 with the pixman renderer (its shadow framebuffer); weston and the client
# must still run at the dump.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=150
GUEST_ROOT=1
GUEST_MEM=320
WESTON_BG=2a5599        # weston.ini background-color, RRGGBB
WESTON_SETTLE=12        # s between the client's start and the dump

w_alive() { kill -0 "$1" 2>/dev/null; }

guest() {
	local wpid cpid rc=0 t0
	wait_connected 20 || return 1
	guestroot_mount 30 || return 1
	cat > /groot/tmp/weston.ini <<EOW
[core]
require-input=false
idle-time=0

[shell]
background-color=0xff$WESTON_BG
panel-position=top
locking=false
animation=none
close-animation=none
startup-animation=none
focus-animation=none
EOW
	mkdir -p /groot/run/xdg && chmod 700 /groot/run/xdg
	# the programs run chrooted in the guest root (busybox chroot execs them: $! is theirs)
	export XDG_RUNTIME_DIR=/run/xdg HOME=/root
	t0=$(now10)
	gsay "starting weston (drm backend, pixman)"
	chroot /groot /usr/bin/weston --backend=drm-backend.so --use-pixman --tty=1 --socket=wayland-0 \
		--config=/tmp/weston.ini --log=/tmp/weston.log > /groot/tmp/weston.out 2>&1 &
	wpid=$!
	if gwait 60 "weston's socket /run/xdg/wayland-0" test -S /groot/run/xdg/wayland-0; then
		gsay "weston up after $(( $(now10) - t0 ))00 ms"
		WAYLAND_DISPLAY=wayland-0 chroot /groot /usr/bin/weston-simple-shm > /groot/tmp/client.out 2>&1 &
		cpid=$!
		sleep $WESTON_SETTLE
		if [ -n "${WESTON_RESTART:-}" ]; then
			# weston-restart.sh: the backend goes away under weston and comes back
			rig_req restart-backend "$WESTON_RESTART" || rc=1
			if gwait 40 "the display back on the restarted backend" display_back 1; then
				gsay "weston survived the backend's restart (SIG$WESTON_RESTART): the display continues"
			else
				rc=1
			fi
			sleep $((WESTON_SETTLE / 2))
		fi
		w_alive $wpid || { gsay "FAIL: weston exited before the dump"; rc=1; }
		w_alive $cpid || { gsay "FAIL: weston-simple-shm exited before the dump"; rc=1; }
		[ $rc = 0 ] && { rig_req dump || rc=1; }
		kill $cpid 2>/dev/null
	else
		rc=1
		ls -la /groot/run/xdg | sed 's/^/ls| /'
		ps | grep -v '\[' | sed 's/^/ps| /'
	fi
	kill $wpid 2>/dev/null
	gwait 15 "weston to exit" sh -c "! kill -0 $wpid" || kill -9 $wpid 2>/dev/null
	wait $wpid 2>/dev/null
	sed 's/^/weston-log| /' /groot/tmp/weston.log 2>/dev/null
	sed 's/^/weston-out| /' /groot/tmp/weston.out 2>/dev/null
	sed 's/^/client-out| /' /groot/tmp/client.out 2>/dev/null
	return $rc
}

judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	if [ -n "${WESTON_RESTART:-}" ]; then
		[ "$(grep -c '^==== start' be.log)" -ge 2 ] || jfail "the backend was not restarted"
		expect_guest_line 'weston survived the backend.s restart'
	fi
	expect_guest_line 'weston-log\| .*drm-backend\.so'
	expect_guest_line 'weston-log\| .*/dev/dri/card0'
	# weston 10 names no renderer; this line comes from the DRM backend's pixman path only
	expect_guest_line 'weston-log\| .*DRM: output .* shadow framebuffer'
	! grep -qE 'weston-log\| .*(gl-renderer|EGL)' guest.log || jfail "weston used the GL renderer"
	local png=be/dump1/conn0.png st cols bg white
	[ -s $png ] || { jfail "no dump ($png)"; return; }
	st=$(python3 "$RIG_DIR/lib/png-stats.py" --colour $WESTON_BG --colour ffffff $png) || { jfail "png-stats.py $png failed"; return; }
	echo "$st" > png-stats.txt
	cols=$(echo "$st" | sed -n 's/^colours=//p')
	bg=$(echo "$st" | sed -n "s/^frac_$WESTON_BG=//p")
	# the background over most of the screen, the panel and the window on top of it
	awk -v f="$bg" 'BEGIN { exit !(f >= 0.5 && f <= 0.97) }' ||
		jfail "the dump is not weston's desktop: background #$WESTON_BG covers $bg of the screen (want 0.5-0.97; $(echo $st | tr '\n' ' '))"
	[ "${cols:-0}" -ge 16 ] || jfail "the dump has only ${cols:-0} colours (want >= 16: panel + window)"
	# weston-simple-shm's 250x250 window has a 20-pixel white frame: 2.3% of the screen
	white=$(echo "$st" | sed -n 's/^frac_ffffff=//p')
	awk -v f="$white" 'BEGIN { exit !(f >= 0.015 && f <= 0.2) }' ||
		jfail "no weston-simple-shm window in the dump: white covers $white of the screen (want 0.015-0.2)"
}
