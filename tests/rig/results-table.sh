#!/bin/bash
# Print a markdown table of the last results per scenario and module
# ($RIG_BUILD/results/<module>/<scenario>/verdict.txt), for the README.
# Usage: results-table.sh [--guest pvh | --arch arm64]   (pvh: results/<module>-pvh/;
# arm64: build/rig-arm64, upstream and ours)
RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${RIG_BUILD:-$RIG_DIR/../../build/rig}
mods=(debian ours)
order=$RIG_DIR/scenarios/ORDER
if [ "${1:-}" = --arch ] && [ "${2:-}" = arm64 ]; then
	B=${RIG_BUILD:-$RIG_DIR/../../build/rig-arm64}
	mods=(upstream ours)
	order=$RIG_DIR/scenarios/ORDER.arm64
elif [ "${1:-}" = --guest ] && [ "${2:-}" = pvh ]; then
	mods=(debian-pvh ours-pvh)
fi
echo "| scenario | ${mods[*]/%/ |}" | sed 's/ | / | /g'
echo "| --- |$(for m in "${mods[@]}"; do printf ' --- |'; done)"
for s in $(grep -v '^#' "$order"); do
	row="| $s |"
	for m in "${mods[@]}"; do
		v=$B/results/$m/$s/verdict.txt
		if [ -f "$v" ]; then
			read -r verdict secs rest < "$v"
			if [ "$verdict" = PASS ]; then row+=" PASS (${secs}s) |"
			else row+=" FAIL: $(echo "$rest" | cut -c1-140 | tr -d '\r' | sed 's/|/\//g') |"; fi
		else row+=" – |"; fi
	done
	echo "$row"
done
