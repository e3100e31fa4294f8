# unload: a client runs and exits; unbind vdispl-0 + rmmod drm_xen_front (xenbus pins the
# module while a device is bound), insmod it again; the frontend
# reconnects and a client can draw again (checked against the backend).
VDISPL='backend=0,be-alloc=0,connectors=id0:1024x768'
BE_ARGS=''
TIMEOUT=90

guest() {
	wait_connected 20 || return 1
	client --conn 0 --expect-mode 1024x768 --pattern checker --flips 2 || return 1
	unload_module || return 1
	gwait 10 "frontend no longer Connected after rmmod (state $(fe_state))" sh -c '[ "$(xenstore-read device/vdispl/0/state)" != 4 ]' || return 1
	gsay "after rmmod: frontend state $(fe_state), backend state $(be_state)"
	[ -z "$(first_card)" ] || gfail "a card is still there after rmmod: $(first_card)" || return 1
	load_module $MODPARAMS || return 1
	wait_connected 30 || return 1
	dump_client --conn 0 --expect-mode 1024x768 --pattern bars --flips 2
}
judge_scenario() {
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	expect_checksum_match 0 be/dump1
}
