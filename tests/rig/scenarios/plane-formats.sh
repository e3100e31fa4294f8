# plane-formats: the primary plane offers only the formats the backend accepts (issue
# #13.2). Our backend refuses RG16 and AR24 at FB_ATTACH (--refuse-formats), as displ_be
# does on a bochs display; at connect the frontend tries every format once and offers
# the others. The client lists the plane's formats; each format it can draw (XR24, AR24,
# RG16, RG24) that is offered must display (a dump whose checksum is the client's), and
# each one not offered must be refused by ADDFB2 at once (--expect-fail).
# With displ_be the same runs against dom0's bochs display: XR24 must be offered,
# RG16 and AR24 must not.
VDISPL='backend=0,be-alloc=0,connectors=id0:640x480'
BE_ARGS='--refuse-formats RG16,AR24'
TIMEOUT=120
# (displ_be logs each format the probe finds its display refuses as an error: run.sh
# leaves out those of the 32x32 probe buffers; nothing else may fail)

guest() {
	local f list rc=0 n=1 refused=''
	wait_connected 20 || return 1
	dump_client --conn 0 --expect-mode 640x480 --format XR24 --pattern gradient --list-formats || return 1
	list=$(sed -n 's/.*CLIENT plane-formats conn=0 formats=\([A-Z0-9,]*\).*/\1/p' /tmp/client.out | head -n1)
	gsay "plane formats: $list"
	gsay "format XR24: shown (dump $n)"
	for f in AR24 RG16 RG24; do
		case ",$list," in
		*",$f,"*)
			n=$((n + 1))
			dump_client --conn 0 --expect-mode 640x480 --format $f --pattern gradient || rc=1
			gsay "format $f: shown (dump $n)" ;;
		*) refused="$refused $f" ;;
		esac
	done
	for f in $refused; do
		client --conn 0 --expect-mode 640x480 --format $f --expect-fail --timeout-ms 2000 || rc=1
		gsay "format $f: not offered, ADDFB2 refused it"
	done
	dmesg | grep -i 'refuses' | sed 's/^/dmesg| /'
	return $rc
}
judge_scenario() {
	local list f n shown
	need_real_backend || { jfail "needs a real backend (vdispl-be or displ_be)"; return; }
	list=$(sed -n 's/.*RIG-GUEST: .*plane formats: \([A-Z0-9,]*\).*/\1/p' guest.log | head -n1)
	[ -n "$list" ] || { jfail "the client listed no plane formats"; return; }
	if backend_is vdispl-be; then
		# the candidates in order, less the two refused
		[ "$list" = RG24,XR24,XR12,AR12,XR15,AR15,YUYV ] ||
			jfail "plane formats $list, expected RG24,XR24,XR12,AR12,XR15,AR15,YUYV (vdispl-be refuses RG16, AR24)"
	fi
	case ",$list," in *,XR24,*) ;; *) jfail "XR24 not offered: $list" ;; esac
	for f in RG16 AR24; do
		case ",$list," in *",$f,"*) jfail "$f offered, but the backend refuses it" ;; esac
		expect_guest_line "format $f: not offered, ADDFB2 refused it"
	done
	# every format shown: its dump's checksum is that client run's
	shown=$(grep -o 'format [A-Z0-9]*: shown (dump [0-9]*)' guest.log | sed 's/.*dump \([0-9]*\))/\1/')
	[ -n "$shown" ] || jfail "no format was shown"
	for n in $shown; do expect_checksum_match 0 "be/dump$n" "$n"; done
}
