# shellcheck shell=bash
# Shared libraries of ELF binaries, for the rig's images and payloads (sourced by bash).

# target_libs SYSROOT BIN... : the shared libraries that BINs need, and their loader, as
# paths on the target, one a line, sorted. SYSROOT empty: the host's own (ldd); else the
# binaries are foreign (arm64) and their DT_NEEDED entries are looked up, recursively, in
# SYSROOT's library directories (copy them from SYSROOT<path>).
target_libs() {
	local sr=$1 f
	shift
	if [ -z "$sr" ]; then
		for f in "$@"; do
			ldd "$f" 2>/dev/null | awk '/=> \//{print $3} $1 ~ /^\/.*ld-linux/{print $1}' || true
		done | sort -u
		return 0
	fi
	local queue=("$@") seen=" " n d p interp
	local dirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /lib /usr/lib)
	{
	for f in "$@"; do
		interp=$(readelf -l "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
		[ -n "$interp" ] && echo "$interp"
	done
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $n "*) continue ;; esac
			seen="$seen$n "
			p=
			for d in "${dirs[@]}"; do
				if [ -e "$sr$d/$n" ]; then p=$d/$n; break; fi
			done
			if [ -z "$p" ]; then
				echo "elf-libs: $n (needed by $f) is not in $sr" >&2
				continue
			fi
			echo "$p"
			queue+=("$sr$p")
		done
	done
	} | sort -u
}
