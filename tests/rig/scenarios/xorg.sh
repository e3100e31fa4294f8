# xorg: Debian's Xorg (1.21, its built-in modesetting driver, no glamor) runs on the card
# from the guest root (GUEST_ROOT=1, tests/rig/mkguestroot.sh); xsetroot paints the root
# window a known colour and an xterm shows some text. The backend's dump must show it
# (that colour over most of the screen, the xterm's white window); Xorg's log must show
# the modesetting driver on /dev/dri/card0; Xorg and the xterm must still run at the dump.
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=150
GUEST_ROOT=1
GUEST_MEM=320
XORG_BG=5599aa          # xsetroot -solid, RRGGBB
XORG_SETTLE=8           # s between the xterm's start and the dump

guest() {
	local xpid tpid rc=0 t0
	wait_connected 20 || return 1
	guestroot_mount 30 || return 1
	cat > /groot/tmp/xorg.conf <<EOX
Section "ServerFlags"
	Option "AutoAddDevices" "false"
	Option "AutoEnableDevices" "false"
	Option "AutoAddGPU" "false"
	Option "BlankTime" "0"
	Option "StandbyTime" "0"
	Option "SuspendTime" "0"
	Option "OffTime" "0"
EndSection
Section "Device"
	Identifier "xen"
	Driver "modesetting"
	Option "kmsdev" "/dev/dri/card0"
	Option "AccelMethod" "none"
EndSection
Section "Screen"
	Identifier "screen"
	Device "xen"
	DefaultDepth 24
EndSection
EOX
	cp /bin/busybox /groot/rig/busybox
	export HOME=/root
	t0=$(now10)
	gsay "starting Xorg (modesetting)"
	# busybox chroot execs the program: $! is its pid
	chroot /groot /usr/lib/xorg/Xorg :0 vt1 -config /tmp/xorg.conf -logfile /tmp/Xorg.0.log \
		-nolisten tcp -noreset -s 0 > /groot/tmp/xorg.out 2>&1 &
	xpid=$!
	if gwait 60 "Xorg's socket /tmp/.X11-unix/X0" test -S /groot/tmp/.X11-unix/X0; then
		gsay "Xorg up after $(( $(now10) - t0 ))00 ms"
		export DISPLAY=:0
		chroot /groot /usr/bin/xsetroot -solid "#$XORG_BG" > /groot/tmp/clients.out 2>&1 ||
			{ gsay "FAIL: xsetroot"; rc=1; }
		chroot /groot /usr/bin/xterm -geometry 60x15+80+80 -bg white -fg black \
			-e /rig/busybox sh -c 'echo "drm_xen_front: Xorg on $(cat /proc/version)"; exec /rig/busybox sleep 600' \
			>> /groot/tmp/clients.out 2>&1 &
		tpid=$!
		sleep $XORG_SETTLE
		kill -0 $xpid 2>/dev/null || { gsay "FAIL: Xorg exited before the dump"; rc=1; }
		kill -0 $tpid 2>/dev/null || { gsay "FAIL: xterm exited before the dump"; rc=1; }
		[ $rc = 0 ] && { rig_req dump || rc=1; }
		kill $tpid 2>/dev/null
	else
		rc=1
	fi
	kill $xpid 2>/dev/null
	gwait 15 "Xorg to exit" sh -c "! kill -0 $xpid" || kill -9 $xpid 2>/dev/null
	wait $xpid 2>/dev/null
	sed 's/^/xorg-log| /' /groot/tmp/Xorg.0.log 2>/dev/null
	sed 's/^/xorg-out| /' /groot/tmp/xorg.out 2>/dev/null
	sed 's/^/clients-out| /' /groot/tmp/clients.out 2>/dev/null
	return $rc
}

judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_guest_line 'xorg-log\| .*LoadModule: "modesetting"'
	expect_guest_line 'xorg-log\| .*modeset\(0\): using drv /dev/dri/card0'
	local png=be/dump1/conn0.png st cols bg white
	[ -s $png ] || { jfail "no dump ($png)"; return; }
	st=$(python3 "$RIG_DIR/lib/png-stats.py" --colour $XORG_BG --colour ffffff $png) || { jfail "png-stats.py $png failed"; return; }
	echo "$st" > png-stats.txt
	cols=$(echo "$st" | sed -n 's/^colours=//p')
	bg=$(echo "$st" | sed -n "s/^frac_$XORG_BG=//p")
	white=$(echo "$st" | sed -n 's/^frac_ffffff=//p')
	# the root window's colour over most of the screen, the xterm (white, with black text)
	awk -v f="$bg" 'BEGIN { exit !(f >= 0.5 && f <= 0.97) }' ||
		jfail "the dump is not the X screen: root colour #$XORG_BG covers $bg of the screen (want 0.5-0.97; $(echo $st | tr '\n' ' '))"
	awk -v f="$white" 'BEGIN { exit !(f >= 0.03 && f <= 0.3) }' ||
		jfail "no xterm in the dump: white covers $white of the screen (want 0.03-0.3)"
	[ "${cols:-0}" -ge 3 ] || jfail "the dump has only ${cols:-0} colours (want >= 3: root, xterm, text)"
}
