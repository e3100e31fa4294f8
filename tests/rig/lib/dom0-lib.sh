# dom0 helpers (busybox ash), sourced by dom0-main.sh and usable from a scenario's dom0_*
# functions. Conventions:
#   say MSG         progress line on the console and in $SOUT/rig.log
#   fail REASON     record a failure (the host judge reports it), keep going
#   fact KEY=VAL    record a fact in $SOUT/facts.txt (the host judge may read it)
# Every wait has a timeout and says where it stopped.

# per scenario (dom0-main.sh sets them): SOUT (results dir: /out, emptied into
# /results/<scenario> after each scenario), GUEST (domain name), GLOG
SOUT=${SOUT:-/out}
GUEST=${GUEST:-domu}
GLOG=/var/log/xen/console/guest-$GUEST.log
BE_PID=
BE_NSTART=0
DUMP_N=0

up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "RIG: [$(up)] $*"; echo "[$(up)] $*" >> $SOUT/rig.log; }
fail() { echo "$*" >> $SOUT/fails.txt; say "FAIL: $*"; }
fact() { echo "$*" >> $SOUT/facts.txt; }

# now in tenths of a second (for timeouts)
now10() { awk '{printf "%d\n", $1 * 10}' /proc/uptime; }

# wait_for SECS DESC CMD... : poll CMD every 0.2 s; on timeout: fail and return 1
wait_for() {
	local secs=$1 desc=$2 end
	shift 2
	end=$(( $(now10) + secs * 10 ))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(now10)" -ge "$end" ]; then
			fail "timeout after ${secs}s waiting for: $desc"
			return 1
		fi
		sleep 0.2
	done
	return 0
}

toolstack_up() {
	mkdir -p /run/xenstored /run/xen /var/lib/xen /var/log/xen/console
	xenstored --pid-file /run/xenstored.pid || { fail "xenstored did not start"; return 1; }
	wait_for 10 "xenstored answering" xenstore-read /local || return 1
	xen-init-dom0 > $SOUT/xen-init-dom0.log 2>&1 || { fail "xen-init-dom0 failed"; return 1; }
	xenconsoled --log=guest --log-dir=/var/log/xen/console --pid-file=/run/xenconsoled.pid ||
		{ fail "xenconsoled did not start"; return 1; }
	say "toolstack up"
}

# ------------------------------------------------------------------ backend
# stand-in backend: moves the backend state machine only (no rings): enough for the
# frontend to connect and register its DRM device, not for any display request.
standin_backend() {
	local base=/local/domain/0/backend/vdispl d i p st fe fst
	while :; do
		for d in $(xenstore-list $base 2>/dev/null); do
			for i in $(xenstore-list $base/$d 2>/dev/null); do
				p=$base/$d/$i
				st=$(xenstore-read $p/state 2>/dev/null)
				fe=$(xenstore-read $p/frontend 2>/dev/null)
				fst=$(xenstore-read $fe/state 2>/dev/null)
				case "$st:$fst" in
				1:*|:*) xenstore-write $p/state 2 ;;
				2:3) xenstore-write $p/state 4 ;;
				4:5|2:5) xenstore-write $p/state 5 ;;
				5:6|5:|5:1) xenstore-write $p/state 6 ;;
				6:1) xenstore-write $p/state 2 ;;
				esac
			done
		done
		sleep 0.2
	done
}

have_real_backend() {
	case ${RIG_BACKEND:-real} in
	real) [ -x /payload/bin/vdispl-be ] ;;
	displ_be) [ -x /payload/bin/displ_be ] ;;
	*) false ;;
	esac
}
is_displ_be() { [ "${RIG_BACKEND:-}" = displ_be ]; }

# display_up: dom0's own display for displ_be: bochs-drm on QEMU's std VGA, /dev/dri/card0
# (the modules are in dom0's initramfs, loaded only for displ_be runs)
display_up() {
	local m
	[ -e /dev/dri/card0 ] && return 0
	for m in $(cat /etc/dom0.display-modules 2>/dev/null); do
		insmod /lib/modules/display/$m 2>> $SOUT/be.log || say "insmod $m failed"
	done
	wait_for 10 "dom0's display /dev/dri/card0 (bochs-drm)" test -e /dev/dri/card0
}

# start_backend [ARGS...]: the real backend (vdispl-be) if the payload has it, else the
# stand-in. The backend's out dir is $SOUT/be; its stdout+stderr go to $SOUT/be.log.
start_backend() {
	BE_NSTART=$((BE_NSTART + 1))
	mkdir -p $SOUT/be
	if is_displ_be; then
		have_real_backend || { fail "displ_be is not in the payload"; return 1; }
		display_up || return 1
		# -v '*:Debug': one log line per command, read by the judges; no NDEBUG build
		echo "==== start $BE_NSTART: displ_be -m DRM -d /dev/dri/card0" >> $SOUT/be.log
		LD_LIBRARY_PATH=/payload/lib displ_be -m DRM -d /dev/dri/card0 -v '*:Debug' >> $SOUT/be.log 2>&1 &
		BE_PID=$!
		say "backend displ_be started (pid $BE_PID)"
		fact backend=displ_be
		wait_for 10 "displ_be up (start $BE_NSTART)" sh -c "[ \$(grep -c 'Create backend' $SOUT/be.log) -ge $BE_NSTART ]" || return 1
	elif have_real_backend; then
		echo "==== start $BE_NSTART: vdispl-be --out $SOUT/be $*" >> $SOUT/be.log
		LD_LIBRARY_PATH=/payload/lib vdispl-be --out $SOUT/be "$@" >> $SOUT/be.log 2>&1 &
		BE_PID=$!
		say "backend vdispl-be started (pid $BE_PID): --out $SOUT/be $*"
		fact backend=vdispl-be
		wait_for 10 "vdispl-be ready (start $BE_NSTART)" sh -c "[ \$(grep -c 'vdispl-be: ready' $SOUT/be.log) -ge $BE_NSTART ]" || return 1
	else
		standin_backend >> $SOUT/be.log 2>&1 &
		BE_PID=$!
		say "stand-in backend started (pid $BE_PID)"
		fact backend=standin
	fi
	sleep 0.1
	if ! kill -0 $BE_PID 2>/dev/null; then
		fail "backend exited at once: $(tail -n 5 $SOUT/be.log | tr '\n' '|')"
		return 1
	fi
}

# stop_backend [SIG]: SIG (default TERM), wait up to BE_STOP_WAIT s (a scenario's choice,
# default 5: the backend dumps every connector first), then KILL (a failure)
stop_backend() {
	local sig=${1:-TERM} i
	[ -n "$BE_PID" ] || return 0
	[ "$sig" = KILL ] || kill -CONT $BE_PID 2>/dev/null
	kill -$sig $BE_PID 2>/dev/null
	for i in $(seq 1 $(( ${BE_STOP_WAIT:-5} * 5 ))); do
		kill -0 $BE_PID 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 $BE_PID 2>/dev/null; then
		fail "backend did not exit within ${BE_STOP_WAIT:-5} s of SIG$sig"
		kill -9 $BE_PID 2>/dev/null
	fi
	wait $BE_PID 2>/dev/null
	fact "backend_exit_$BE_NSTART=$?"
	say "backend stopped (SIG$sig)"
	BE_PID=
}

be_alive() { [ -n "$BE_PID" ] && kill -0 $BE_PID 2>/dev/null; }

# number of connectors configured in VDISPL
n_connectors() { echo "$VDISPL" | sed -n 's/.*connectors=\([^,]*\).*/\1/p' | tr ';' '\n' | grep -c .; }

# be_dump: SIGUSR1 the backend, wait until it has written conn<i>.txt for every connector,
# keep a copy of this dump in $SOUT/be/dump<N>/.
be_dump() {
	local n i
	DUMP_N=$((DUMP_N + 1))
	if ! have_real_backend; then say "dump $DUMP_N: stand-in backend, nothing to dump"; return 0; fi
	be_alive || { fail "dump $DUMP_N: backend is not running"; return 1; }
	n=$(n_connectors)
	if is_displ_be; then
		# the host takes QEMU's screendump of dom0's display when it reads this line
		# (run.sh, lib/screens.py); the guest holds its picture until we answer
		echo "RIG-SCREENDUMP $SCENARIO $DUMP_N $n"
		sleep ${SCREENDUMP_WAIT:-2}
		say "dump $DUMP_N: screendump of dom0's display requested"
		return 0
	fi
	for i in $(seq 0 $((n - 1))); do rm -f $SOUT/be/conn$i.txt $SOUT/be/conn$i.png; done
	kill -USR1 $BE_PID
	for i in $(seq 0 $((n - 1))); do
		wait_for ${DUMP_WAIT:-10} "backend dump $DUMP_N of connector $i (conn$i.txt)" test -s $SOUT/be/conn$i.txt || return 1
	done
	sleep 0.5
	mkdir -p $SOUT/be/dump$DUMP_N
	cp $SOUT/be/conn* $SOUT/be/dump$DUMP_N/ 2>/dev/null
	say "dump $DUMP_N: $(cat $SOUT/be/conn*.txt 2>/dev/null | grep -h checksum | tr '\n' ' ')"
}

# ------------------------------------------------------------------ guest
# guestroot_disk: the xl.cfg disk line giving the guest the guest root (run.sh attaches
# build/rig/guestroot.sqfs as the virtio disk with serial "rigguestroot") as a read-only
# PV disk xvda (blkback). Xen's /etc/xen/scripts/block needs bash: a busybox hotplug
# script does what it does for a plain block device (physical-device = hex major:minor).
guestroot_disk() {
	local d dev=
	for d in /sys/block/vd*; do
		[ "$(cat $d/serial 2>/dev/null)" = rigguestroot ] && dev=/dev/${d##*/}
	done
	[ -n "$dev" ] || { fail "no guest root disk (serial rigguestroot): did mkguestroot.sh fail? (build/rig/guestroot.log)"; return 1; }
	cat > /tmp/rig-vbd-hotplug <<'EOS'
#!/bin/sh
# libxl runs it with XENBUS_PATH = the vbd backend dir, $1 = add|remove
case $1 in
add)
	dev=$(xenstore-read "$XENBUS_PATH/params") || exit 1
	mm=$(stat -L -c '%t:%T' "$dev") || { xenstore-write "$XENBUS_PATH/hotplug-error" "cannot stat $dev"; exit 1; }
	xenstore-write "$XENBUS_PATH/physical-device" "$mm" "$XENBUS_PATH/physical-device-path" "$dev" \
		"$XENBUS_PATH/hotplug-status" connected ;;
remove) xenstore-rm "$XENBUS_PATH/hotplug-status" 2>/dev/null ;;
esac
exit 0
EOS
	chmod 755 /tmp/rig-vbd-hotplug
	echo "disk = [ 'format=raw, vdev=xvda, access=ro, backendtype=phy, script=/tmp/rig-vbd-hotplug, target=$dev' ]"
}

# vdispl_cfg: the scenario's VDISPL; for displ_be each connector id idN becomes the
# name of the dom0 DRM connector that shows it (displ_be maps them by name): Virtual-<N+1>
vdispl_cfg() {
	if is_displ_be; then
		echo "$VDISPL" | sed 's/id0:/Virtual-1:/; s/id1:/Virtual-2:/'
	else
		echo "$VDISPL"
	fi
}

# guest_create: the guest's xl config and xl create. GUEST_TYPE (run.env): pv or pvh; a
# PVH guest under TCG needs its CPUID trimmed: no RDTSCP (TCG's SVM saves no next RIP, Xen
# cannot emulate it), no PKU, XSAVES, XSAVEC (init dies with "Bad FPU state detected").
# A PV domU's kernel logs to tty0 as well as hvc0 by itself (xen_add_preferred_consoles());
# a PVH domU's only to the consoles named: console=tty0 gives it the same two, hvc0 last
# so that it stays /dev/console.
guest_create() {
	local cons="console=hvc0" gtype=${GUEST_TYPE:-pv}
	[ "$gtype" = pvh ] && cons="console=tty0 console=hvc0"
	# Xen on Arm has one guest type, auto-translated with PV devices: xl calls it pvh
	[ "${RIG_ARCH:-x86_64}" = arm64 ] && gtype=pvh
	cat > /tmp/$GUEST.cfg <<EOF
name = "$GUEST"
type = "$gtype"
memory = ${GUEST_MEM:-256}
vcpus = ${GUEST_VCPUS:-1}
kernel = "/payload/${DOMU_KERNEL:-vmlinux.gz}"
ramdisk = "/payload/domU.cpio.gz"
extra = "$cons loglevel=7 rig.scenario=$SCENARIO rig.backend=${RIG_BACKEND:-real} ${GUEST_CMDLINE:-}"
vdispl = [ '$(vdispl_cfg)' ]
on_crash = "destroy"
EOF
	# pinned (the bench's instruction count of the guest's physical CPU)
	[ -n "${GUEST_CPUS:-}" ] && echo "cpus = \"$GUEST_CPUS\"" >> /tmp/$GUEST.cfg
	# the bench's: how Xen gives the guest the TSC (xl.cfg tsc_mode)
	[ -n "${GUEST_TSC_MODE:-}" ] && echo "tsc_mode = \"$GUEST_TSC_MODE\"" >> /tmp/$GUEST.cfg
	# (x86 only: xl has no cpuid option on Arm)
	if [ "$gtype" = pvh ] && [ "${RIG_ARCH:-x86_64}" = x86_64 ]; then
		echo 'cpuid = "host,rdtscp=0,pku=0,xsaves=0,xsavec=0"' >> /tmp/$GUEST.cfg
	fi
	fact "guest_type=$gtype"
	if [ "${GUEST_ROOT:-}" = 1 ]; then
		guestroot_disk >> /tmp/$GUEST.cfg || return 1
	fi
	cp /tmp/$GUEST.cfg $SOUT/$GUEST.cfg
	say "xl create ($VDISPL)"
	# BE_XS_NODES (a scenario's choice): "KEY=VALUE ..." written into the backend's
	# vdispl directory before the guest runs (created paused), e.g. versions=1,2 for a
	# backend that writes none (displ_be)
	if ! timeout 60 xl create ${BE_XS_NODES:+-p} /tmp/$GUEST.cfg > $SOUT/xl-create.log 2>&1; then
		fail "xl create failed: $(tail -n 3 $SOUT/xl-create.log | tr '\n' '|')"
		return 1
	fi
	DOMID=$(xl domid $GUEST 2>/dev/null)
	if [ -n "${BE_XS_NODES:-}" ]; then
		local kv
		for kv in $BE_XS_NODES; do
			xenstore-write /local/domain/0/backend/vdispl/$DOMID/0/${kv%%=*} "${kv#*=}" ||
				fail "cannot write backend node ${kv%%=*}"
		done
		say "backend nodes written: $BE_XS_NODES; unpausing"
		xl unpause $GUEST || { fail "xl unpause failed"; return 1; }
	fi
	fact domid=$DOMID
	say "guest created: domid $DOMID"
	xenstore-write /local/domain/$DOMID/data/rig/ack 0
	GL_N=0
}

# echo_guest_log: copy the guest console lines not shown yet to dom0's console ("domU| ")
echo_guest_log() {
	local n
	[ -f $GLOG ] || return 0
	n=$(wc -l < $GLOG)
	[ "$n" -gt "${GL_N:-0}" ] || return 0
	sed -n "$((${GL_N:-0} + 1)),${n}p" $GLOG | sed 's/^/domU| /'
	GL_N=$n
}

guest_alive() { xl domid $GUEST >/dev/null 2>&1; }
fe_state() { xenstore-read /local/domain/$DOMID/device/vdispl/0/state 2>/dev/null; }
be_state() { xenstore-read /local/domain/0/backend/vdispl/$DOMID/0/state 2>/dev/null; }

# handle_req NAME ARGS: a request from the guest (guest-lib's rig_req)
handle_req() {
	local name=$1
	shift
	say "guest request: $name $*"
	case $name in
	dump) be_dump ;;
	kill-backend) stop_backend ${1:-KILL} ;;
	freeze-backend) kill -STOP $BE_PID && say "backend frozen (SIGSTOP)" ;;
	thaw-backend) kill -CONT $BE_PID && say "backend thawed (SIGCONT)" ;;
	start-backend) start_backend $BE_ARGS ;;
	restart-backend) stop_backend ${1:-KILL}; sleep 0.5; start_backend $BE_ARGS ;;
	fe-state) say "frontend state $(fe_state), backend state $(be_state)" ;;
	*)
		if type dom0_req_$name >/dev/null 2>&1; then dom0_req_$name "$@"
		else fail "unknown guest request '$name'"; fi ;;
	esac
}

# guest_loop SECS: serve guest requests until the guest prints RIG-GUEST-END. Polls every
# 0.25 s (a grep and a xenstore-read); whether the guest died or panicked, every 1.25 s
# (every fork costs dom0's only vCPU, i.e. the backend's, under TCG).
guest_loop() {
	local secs=$1 end req last=0 seq n=0
	end=$(( $(now10) + secs * 10 ))
	while :; do
		if grep -q '^RIG-GUEST-END' $GLOG 2>/dev/null; then
			echo_guest_log
			GUEST_RC=$(sed -n 's/^RIG-GUEST-END rc=\([0-9]*\).*/\1/p' $GLOG | tail -n1)
			fact guest_rc=$GUEST_RC
			say "guest finished, rc=$GUEST_RC"
			return 0
		fi
		req=$(xenstore-read /local/domain/$DOMID/data/rig/req 2>/dev/null)
		seq=${req%% *}
		if [ -n "$req" ] && [ "$seq" != "$last" ]; then
			last=$seq
			handle_req ${req#* }
			xenstore-write /local/domain/$DOMID/data/rig/ack "$seq"
		fi
		n=$((n + 1))
		if [ $((n % 5)) = 0 ]; then
			echo_guest_log
			if grep -q 'Kernel panic' $GLOG 2>/dev/null; then
				fail "guest kernel panic: $(grep -m1 'Kernel panic' $GLOG)"
				return 1
			fi
			if ! guest_alive; then
				fail "guest domain died before RIG-GUEST-END (last line: $(tail -n1 $GLOG 2>/dev/null))"
				return 1
			fi
		fi
		if [ "$(now10)" -ge "$end" ]; then
			fail "timeout after ${secs}s waiting for RIG-GUEST-END (frontend state $(fe_state), backend $(be_state); last guest line: $(tail -n1 $GLOG 2>/dev/null))"
			return 1
		fi
		sleep 0.25
	done
}

# guest_shutdown: with GUEST_SHUTDOWN=clean (a scenario's choice): xl shutdown (exercises
# the frontend's close path on guest poweroff), SHUTDOWN_TIMEOUT s (default 20), then
# destroy; by default: xl destroy (fast).
guest_shutdown() {
	guest_alive || return 0
	if [ "${GUEST_SHUTDOWN:-destroy}" != clean ]; then
		xl destroy $GUEST > /dev/null 2>&1 || fail "xl destroy failed"
		wait_for 10 "guest destroyed" sh -c "! xl domid $GUEST" && say "guest destroyed"
		return
	fi
	local t0=$(now10)
	xl shutdown $GUEST > /dev/null 2>&1
	if wait_for ${SHUTDOWN_TIMEOUT:-20} "guest shutdown (frontend state $(fe_state))" sh -c "! xl domid $GUEST"; then
		say "guest shut down"
		fact "shutdown_secs=$(( ($(now10) - t0) / 10 ))"
	else
		xl destroy $GUEST
	fi
}

# collect: this scenario's logs (dom0's dmesg since the last collect: dmesg -c)
collect() {
	xenstore-ls -f > $SOUT/xenstore-end.txt 2>&1
	cp $GLOG $SOUT/guest.log 2>/dev/null || fail "no guest console log"
	dmesg -c > $SOUT/dom0-dmesg.txt
	xl dmesg -c > $SOUT/xen-dmesg.txt 2>&1
	for f in /var/log/xen/*.log; do [ -f "$f" ] && mv "$f" $SOUT/; done
}

write_out() {
	echo "RIG: [$(up)] writing results to $OUT_DEV"
	sync
	tar cf $OUT_DEV -C ${1:-/out} . && sync
}
