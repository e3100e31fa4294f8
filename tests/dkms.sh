#!/bin/bash
# DKMS packaging test (no QEMU): dkms add/build/install of the repo's
# dkms.conf for the Debian 6.1 kernel the module is built against (not the
# running kernel, which may be another), then dkms remove. Prints
# "PASS dkms" or "FAIL dkms: <reason>".
#
# Checked: only the files "make dkms-src" ships are needed; the built
# module's vermagic is the kernel's, its version is dkms.conf's; after
# install, "modinfo -k KVER -n drm_xen_front" is the DKMS copy in
# updates/dkms/ (depmod prefers it to Debian's kernel/drivers/gpu/drm/xen/
# one); after remove, the kernel's module tree is exactly as before.
#
# Why it installs into the real /lib/modules/KVER (there is no other way to
# see what depmod and modinfo make of it), and why that is safe for the rig:
# - the rig's and the bench's reference module is Debian's, taken by its
#   path (tests/rig/mkimages.sh DEBIAN_KO, tests/bench/run.sh), never looked
#   up by name; dkms on Debian does not move the kernel's own module aside
#   (it does on other distributions), and this script checks that Debian's
#   file is untouched (same sha256) while ours is installed and after.
# - the DKMS registration lives in a temporary --dkmstree/--sourcetree, not
#   in /var/lib/dkms and /usr/src: nothing is left for the kernel package
#   hooks (/etc/kernel/postinst.d/dkms) to rebuild, even after a kill -9,
#   and a temporary MOK key signs the module (no /var/lib/dkms/mok.*).
# - an EXIT trap removes the module (dkms remove, else by hand) and reruns
#   depmod; then the guard compares the tree and every modules.* file with
#   the snapshot taken before, and fails the test on any difference.
# - a run killed with SIGKILL (no trap) leaves its module installed: the
#   next run removes it, recognised by the path and sha256 written to
#   $pending just before "dkms install".
# - it refuses to start if drm_xen_front otherwise resolves to anything but
#   Debian's module (a user's own DKMS install is not ours to remove).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

reason=
bad() { [ -n "$reason" ] || reason=$*; return 1; }

tests/setup.sh dkms >&2 || { echo "FAIL dkms: could not install the packages"; exit 1; }
kdir=$(tests/kdir.sh) || { echo "FAIL dkms: no kernel headers"; exit 1; }
# (Debian's include/config/kernel.release holds the upstream version)
KVER=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$KVER" ] || { echo "FAIL dkms: no UTS_RELEASE in $kdir"; exit 1; }
MODDIR=/lib/modules/$KVER
DEBIAN_KO=$MODDIR/kernel/drivers/gpu/drm/xen/drm_xen_front.ko
arch=$(uname -m)
pending=/var/tmp/drm_xen_front.dkms.pending

# One run at a time: two would install and remove the same file.
exec 9>/tmp/drm_xen_front.dkms.lock
flock -w 600 9 || { echo "FAIL dkms: /tmp/drm_xen_front.dkms.lock held for 600 s"; exit 1; }

exec 3>&1 4>&2
tmp=$(mktemp -d /tmp/drm_xen_front-dkms.XXXXXX)
mkdir -p "$tmp/src" "$tmp/dkms"
D=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms")
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
ver=
state_ok=0	# the snapshot is taken: the guard runs

# The state the guard compares: the file tree (not following build/) and
# the content of depmod's files and of Debian's module.
snapshot() {
	find "$MODDIR" | LC_ALL=C sort
	(cd "$MODDIR" && sha256sum modules.* "${DEBIAN_KO#"$MODDIR"/}")
}

depmod_like_dkms() {
	if [ -f "/boot/System.map-$KVER" ]; then depmod -a "$KVER" -F "/boot/System.map-$KVER"
	else depmod -a "$KVER"; fi
}

cleanup() {
	trap - EXIT INT TERM
	# a signal's trap runs inside whatever redirection was active
	exec 1>&3 2>&4
	if [ -n "$ver" ] && [ -d "$tmp/dkms/drm_xen_front" ]; then
		dkms remove -m drm_xen_front -v "$ver" --all "${D[@]}" >"$tmp/remove.log" 2>&1 ||
			bad "dkms remove failed: $(tail -n3 "$tmp/remove.log" | tr '\n' ' ')"
	fi
	if [ $state_ok = 1 ]; then
		# dkms remove failed or never ran: by hand (pre-check: nothing
		# of this name was there besides Debian's module).
		if compgen -G "$MODDIR/updates/dkms/drm_xen_front.ko*" >/dev/null; then
			bad "dkms remove left $MODDIR/updates/dkms/drm_xen_front.ko"
			rm -f "$MODDIR"/updates/dkms/drm_xen_front.ko*
			(cd "$MODDIR" && rmdir -p --ignore-fail-on-non-empty updates/dkms 2>/dev/null)
			depmod_like_dkms
		fi
		rm -f "$pending"
		snapshot >"$tmp/after"
		if ! cmp -s "$tmp/before" "$tmp/after"; then
			# Report, then restore what depmod owns; say so loudly.
			bad "$MODDIR differs from before the test: $(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | head -n3 | tr '\n' ' ')"
			depmod_like_dkms
		fi
		[ "$(modinfo -k "$KVER" -n drm_xen_front 2>&1)" = "$DEBIAN_KO" ] ||
			bad "after cleanup drm_xen_front resolves to $(modinfo -k "$KVER" -n drm_xen_front 2>&1), not $DEBIAN_KO"
	fi
	rm -rf "$tmp"
	if [ -n "$reason" ]; then echo "FAIL dkms: $reason"; exit 1; fi
	echo "PASS dkms"
	exit 0
}
trap cleanup EXIT
trap 'bad "interrupted"; cleanup' INT TERM

run() {
	local pk psum
	if [ -f "$pending" ] && read -r pk psum <"$pending"; then
		if [[ $pk == "$MODDIR"/updates/dkms/drm_xen_front.ko* ]] && [ -f "$pk" ] &&
		   [ "$(sha256sum <"$pk")" = "$psum" ]; then
			echo "dkms: removing $pk, left installed by a killed run"
			rm -f "$pk"
			(cd "$MODDIR" && rmdir -p --ignore-fail-on-non-empty updates/dkms 2>/dev/null)
			depmod_like_dkms
		fi
		rm -f "$pending"
	fi
	# before: only Debian's module of this name, and it is what resolves
	[ -f "$DEBIAN_KO" ] || bad "no $DEBIAN_KO (linux-image-$KVER; tests/setup.sh build)" || return
	local found resolved debian_sum
	found=$(find "$MODDIR" -name 'drm_xen_front.ko*' -not -path "$MODDIR/build/*" -not -path "$MODDIR/source/*")
	resolved=$(modinfo -k "$KVER" -n drm_xen_front 2>&1)
	[ "$found" = "$DEBIAN_KO" ] && [ "$resolved" = "$DEBIAN_KO" ] ||
		bad "before the test, drm_xen_front for $KVER is not only Debian's (found: ${found//$'\n'/ }; resolves to $resolved); a DKMS install? see 'dkms status'; not touching it" ||
		return
	snapshot >"$tmp/before" || bad "cannot snapshot $MODDIR" || return
	debian_sum=$(sha256sum <"$DEBIAN_KO")
	state_ok=1

	# the source tree a user would hand to "dkms add": only what make dkms-src ships
	make -s dkms-src DKMS_SRC="$tmp/pkg" >"$tmp/pkg.log" 2>&1 ||
		bad "make dkms-src: $(tail -n3 "$tmp/pkg.log" | tr '\n' ' ')" || return
	[ ! -e "$tmp/pkg/tests" ] || bad "make dkms-src ships tests/" || return
	ver=$(bash -c '. "$1" && echo "$PACKAGE_VERSION"' _ "$tmp/pkg/dkms.conf" 2>/dev/null)
	[ -n "$ver" ] || bad "dkms.conf gives no PACKAGE_VERSION" || return

	local step log
	for step in add build install; do
		log=$tmp/$step.log
		case $step in
		add) dkms add "$tmp/pkg" "${D[@]}" ;;
		build) dkms build -m drm_xen_front -v "$ver" -k "$KVER" --kernelsourcedir "$kdir" "${D[@]}" ;;
		install) dkms install -m drm_xen_front -v "$ver" -k "$KVER" "${D[@]}" ;;
		esac >"$log" 2>&1 || {
			[ -f "$tmp/dkms/drm_xen_front/$ver/build/make.log" ] && tail -n20 "$tmp/dkms/drm_xen_front/$ver/build/make.log"
			cat "$log"
			bad "dkms $step failed: $(tail -n2 "$log" | tr '\n' ' ')"
			return
		}
		if [ "$step" = build ]; then
			local built vm want
			built=$(find "$tmp/dkms/drm_xen_front/$ver/$KVER/$arch/module" -name 'drm_xen_front.ko*' | head -n1)
			[ -n "$built" ] || bad "dkms build made no drm_xen_front.ko" || return
			vm=$(modinfo -F vermagic "$built")
			want=$(modinfo -F vermagic "$DEBIAN_KO")
			[ "$vm" = "$want" ] || bad "built module's vermagic '$vm', the kernel's is '$want'" || return
			[ "$(modinfo -F version "$built")" = "$ver" ] ||
				bad "built module's version '$(modinfo -F version "$built")', dkms.conf's $ver" || return
			echo "$MODDIR/updates/dkms/${built##*/} $(sha256sum <"$built")" >"$pending"
		fi
	done

	# "dkms install" exits 0 even when its version check declines to
	# install: look at what depmod and modinfo see.
	local inst
	inst=$(modinfo -k "$KVER" -n drm_xen_front 2>&1)
	case $inst in
	"$MODDIR/updates/dkms/drm_xen_front.ko"*) ;;
	*) cat "$tmp/install.log"; bad "after dkms install drm_xen_front resolves to $inst, not updates/dkms/" || return ;;
	esac
	[ "$(modinfo -F version "$inst")" = "$ver" ] || bad "installed module's version is not $ver" || return
	[ "$(modinfo -F vermagic "$inst" | awk '{print $1}')" = "$KVER" ] || bad "installed module's vermagic is not $KVER" || return
	dkms status -m drm_xen_front -v "$ver" -k "$KVER" "${D[@]}" 2>&1 | grep -q ': installed$' ||
		bad "dkms status: $(dkms status -m drm_xen_front "${D[@]}" 2>&1)" || return
	[ "$(sha256sum <"$DEBIAN_KO")" = "$debian_sum" ] ||
		bad "Debian's $DEBIAN_KO changed while ours was installed" || return
	echo "dkms: $inst (version $ver, vermagic $KVER) overrides $DEBIAN_KO"
}

run
# the verdict comes from cleanup (EXIT trap): remove, restore, compare
