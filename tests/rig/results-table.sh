#!/bin/bash
# Print a markdown table of the last results per scenario and module
# ($RIG_BUILD/results/<module>/<scenario>/verdict.txt), for the README.
# --guest pvh: the PVH guests' results (results/<module>-pvh/).
RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${RIG_BUILD:-$RIG_DIR/../../build/rig}
mods=(debian ours)
[ "${1:-}" = --guest ] && [ "${2:-}" = pvh ] && mods=(debian-pvh ours-pvh)
echo "| scenario | ${mods[*]/%/ |}" | sed 's/ | / | /g'
echo "| --- |$(for m in "${mods[@]}"; do printf ' --- |'; done)"
for s in $(cat "$RIG_DIR/scenarios/ORDER"); do
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
