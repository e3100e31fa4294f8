# Shared helpers for the project's scripts. Source it; do not run it.

# The Debian 6.1 kernel the rig and the out-of-tree build use: the newest
# installed -amd64 one.
kver() {
	ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n1
}

# Install Debian packages that are missing (CI starts from a fresh machine).
need_pkgs() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	if [ -z "${APT_UPDATED:-}" ]; then
		apt-get update -q >/dev/null
		export APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# checkpatch.pl and its data files, extracted once from linux-source-6.1.
checkpatch_path() {
	local dir=${TOP:-$PWD}/build/checkpatch
	if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
		need_pkgs linux-source-6.1 >&2
		mkdir -p "$dir"
		tar -xf /usr/src/linux-source-6.1.tar.xz -C "$dir" --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch >&2
	fi
	echo "$dir/scripts/checkpatch.pl"
}
