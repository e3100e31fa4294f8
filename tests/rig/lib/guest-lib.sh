# domU helpers (busybox ash), sourced by the guest's /init before the scenario.
# A scenario's guest() returns 0 for success. Output goes to the guest console, which
# dom0's xenconsoled logs and the host judge reads.

gsay() { echo "RIG-GUEST: [$(cut -d' ' -f1 /proc/uptime)] $*"; }
gfail() { gsay "FAIL: $*"; return 1; }
now10() { awk '{printf "%d\n", $1 * 10}' /proc/uptime; }

# gwait SECS DESC CMD... : poll CMD every 0.1 s until it succeeds; on timeout say so, return 1
gwait() {
	local secs=$1 desc=$2 end
	shift 2
	end=$(( $(now10) + secs * 10 ))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(now10)" -ge "$end" ]; then
			gsay "FAIL: timeout after ${secs}s waiting for: $desc"
			return 1
		fi
		sleep 0.1
	done
}

# load_module [PARAMS...]: dependencies (once), then drm_xen_front with PARAMS
load_module() {
	local m n
	for m in $(cat /etc/modules.deps); do
		n=$(echo ${m%.ko} | tr - _)
		[ -d /sys/module/$n ] || insmod /lib/modules/$m || { gsay "FAIL: insmod $m"; return 1; }
	done
	insmod /lib/modules/drm_xen_front.ko "$@" || { gsay "FAIL: insmod drm_xen_front.ko $*"; return 1; }
	gsay "drm_xen_front loaded $*"
}

# unload_module [SECS]: unbind vdispl-0 from its driver (xenbus_dev_probe holds a module
# reference for every bound device, so rmmod alone always fails with EBUSY), then rmmod
# drm_xen_front, retried for SECS (default 10) while it is busy.
unload_module() {
	local t0 d
	t0=$(now10)
	for d in /sys/bus/xen/drivers/*/vdispl-0; do
		[ -e "$d" ] || continue
		gsay "unbinding vdispl-0 from ${d%/vdispl-0}"
		echo vdispl-0 > "${d%/vdispl-0}/unbind" || { gsay "FAIL: unbind vdispl-0"; return 1; }
	done
	gwait ${1:-10} "rmmod drm_xen_front to succeed ($(lsmod | grep '^drm_xen_front'))" rmmod drm_xen_front ||
		return 1
	gsay "drm_xen_front unloaded after $(( $(now10) - t0 ))00 ms"
}

fe_state() { xenstore-read device/vdispl/0/state 2>/dev/null; }
be_path() { xenstore-read device/vdispl/0/backend 2>/dev/null; }
be_state() { xenstore-read "$(be_path)/state" 2>/dev/null; }
fe_connected() { [ "$(fe_state)" = 4 ]; }

# first_card: path of the first /dev/dri/card* (empty if none)
first_card() { ls /dev/dri/card* 2>/dev/null | head -n1; }
has_card() { [ -n "$(first_card)" ]; }
card_is_not() { local c; c=$(first_card); [ -n "$c" ] && [ "$c" != "$1" ]; }

# wait_connected [SECS]: frontend in Connected (4) and a DRM card present
wait_connected() {
	local secs=${1:-20}
	gwait $secs "frontend Connected (state $(fe_state), backend $(be_state))" fe_connected || return 1
	gwait $secs "a /dev/dri/card*" has_card || return 1
	gsay "frontend Connected, card $(first_card)"
}

# rig_req NAME [ARGS]: ask dom0 to do something (see dom0-lib.sh handle_req), wait for the ack
rig_req() {
	local seq secs=${RIG_REQ_TIMEOUT:-30} end
	seq=$(( $(cat /tmp/rig-seq 2>/dev/null || echo 0) + 1 ))
	echo $seq > /tmp/rig-seq
	gsay "request to dom0: $*"
	xenstore-write data/rig/req "$seq $*" || { gsay "FAIL: cannot write data/rig/req"; return 1; }
	end=$(( $(now10) + secs * 10 ))
	while [ "$(xenstore-read data/rig/ack 2>/dev/null)" != "$seq" ]; do
		if [ "$(now10)" -ge "$end" ]; then
			gsay "FAIL: timeout after ${secs}s waiting for dom0 to ack request '$*'"
			return 1
		fi
		sleep 0.1
	done
	gsay "dom0 done: $*"
}

# modetest_lists W H: modetest -c shows a connected connector with mode WxH
modetest_lists() {
	local want=$1x$2 out
	out=$(modetest -M xendrm-du -c 2>&1)
	echo "$out" | sed 's/^/modetest| /'
	echo "$out" | grep -q '[[:space:]]connected' || { gsay "FAIL: modetest shows no connected connector"; return 1; }
	echo "$out" | grep -q "#0 $want " || { gsay "FAIL: modetest does not list mode $want"; return 1; }
	gsay "modetest lists a connected connector with mode $want"
}

default_guest() {
	wait_connected 20 && modetest_lists 1024 768
}

# client ARGS...: run the client, keep its output in /tmp/client.out (and on the console)
client() {
	local rc
	gsay "xdisp-client $*"
	{ xdisp-client "$@"; echo $? > /tmp/client.rc; } 2>&1 | tee /tmp/client.out
	rc=$(cat /tmp/client.rc)
	gsay "xdisp-client exit $rc"
	return $rc
}

# vdispl_interrupts: interrupts taken so far on the device's event channels (the IRQ lines
# named "vdispl" in /proc/interrupts: each connector's request and event channel)
vdispl_interrupts() {
	awk '/ vdispl$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' \
		/proc/interrupts
}

# card_id: "<path>:<inode>" of the first card; a re-created device node has a new inode
card_id() { local c; c=$(first_card); [ -n "$c" ] && echo "$c:$(stat -c %i "$c")"; }
card_id_is_not() { local id; id=$(card_id); [ -n "$id" ] && [ "$id" != "$1" ]; }
# wait_new_card OLD_ID [SECS]: a card other than OLD_ID appears and the frontend is Connected
wait_new_card() {
	local old=$1 secs=${2:-30}
	gwait $secs "a new card (old $old, now '$(card_id)', frontend state $(fe_state))" card_id_is_not "$old" || return 1
	gwait $secs "frontend Connected again (state $(fe_state), backend $(be_state))" fe_connected || return 1
	gsay "new card $(card_id)"
}

# display_back N: our module has logged its N-th return of a backend that went away with
# the display kept ("backend back: the display continues", issue #13.1)
display_back() { [ "$(dmesg | grep -c 'backend back: the display continues')" -ge "$1" ]; }

# dump_debugfs: our module's debugfs files (xen_front_*, xen_unique_id), prefixed "debugfs| "; nothing
# for a module without them. guest-init calls it when the scenario ends.
dump_debugfs() {
	local f
	for f in /sys/kernel/debug/dri/*/xen_front_* /sys/kernel/debug/dri/*/*/xen_unique_id; do
		[ -r "$f" ] || continue
		echo "debugfs| --- $f"
		sed 's/^/debugfs| /' "$f"
	done
}

# dump_client ARGS...: run the client with a backend frame dump while it holds the picture
dump_client() {
	client --exec-on-hold "rig-req dump" --hold 1 "$@"
}

# guestroot_mount [SECS]: for a scenario with GUEST_ROOT=1: load xen-blkfront, squashfs and
# overlay, wait for the PV disk xvda (the guest root, build/rig/guestroot.sqfs: Debian +
# weston + Xorg), mount it read-only at /groot.ro with a writable overlay (tmpfs) at
# /groot, and /dev (with devpts), /proc, /sys, tmpfs /tmp and /run inside, so that
# `chroot /groot PROGRAM` runs Debian's binaries on our card.
guestroot_mount() {
	local m n
	for m in $(cat /etc/modules.extra 2>/dev/null); do
		n=$(echo ${m%.ko} | tr - _)
		[ -d /sys/module/$n ] || insmod /lib/modules/extra/$m || { gsay "FAIL: insmod $m"; return 1; }
	done
	gwait ${1:-30} "the guest root's PV disk /dev/xvda" test -b /dev/xvda || return 1
	mkdir -p /groot /groot.ro /groot.rw
	mount -t squashfs -o ro /dev/xvda /groot.ro || { gsay "FAIL: mount the guest root (/dev/xvda)"; return 1; }
	mount -t tmpfs tmpfs /groot.rw && mkdir -p /groot.rw/upper /groot.rw/work &&
		mount -t overlay -o lowerdir=/groot.ro,upperdir=/groot.rw/upper,workdir=/groot.rw/work overlay /groot ||
		{ gsay "FAIL: overlay on the guest root"; return 1; }
	mount --bind /dev /groot/dev && mkdir -p /groot/dev/pts && mount -t devpts devpts /groot/dev/pts &&
		mount -t proc proc /groot/proc && mount -t sysfs sysfs /groot/sys &&
		mount -t tmpfs -o mode=1777 tmpfs /groot/tmp && mount -t tmpfs -o mode=755 tmpfs /groot/run ||
		{ gsay "FAIL: mounts inside the guest root"; return 1; }
	gsay "guest root mounted: $(df -m /groot.ro | awk 'NR == 2 {print $2}') MiB"
}
