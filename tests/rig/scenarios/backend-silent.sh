# backend-silent: the backend connects and answers the client's buffers and mode set,
# then goes silent (dom0 freezes the vdispl-be process with SIGSTOP right after the
# client's modeset: every later request, the first page flip included, gets no answer).
# The client must see an error within 5 s, nothing may hang, and the guest must stay
# alive. (Freezing at a moment the guest picks makes this independent of how many
# requests a module sends on its own, e.g. fbdev's; backend-noanswer uses vdispl-be's
# own --fault noanswer.)
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=120

guest() {
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern bars --flips 3 --expect-fail --timeout-ms 5000 \
		--exec-after-modeset "rig-req freeze-backend" || return 1
	gsay "guest alive after the client: $(cat /proc/uptime)"
	rig_req thaw-backend
	lsmod | grep -q drm_xen_front || gfail "module gone"
}
judge_scenario() {
	need_real_backend || { jfail "needs the real backend (tests/backend/vdispl-be)"; return; }
	expect_guest_line 'guest alive after the client'
}
