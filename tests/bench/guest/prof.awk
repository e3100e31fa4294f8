# function_graph trace (options funcgraph-tail, funcgraph-proc) -> inclusive call tree:
#   PROF <phase> <calls> <total_us> <root;child;...;func>
# Lines: " 0)  task-pid  |  dur us  |  indent func() {"  /  "... |  indent } /* func */"
#        /  "... |  dur us  |  indent func();". One stack per task.
function dur(s,   m) {
	gsub(/[+!#*@$]/, "", s)
	if (match(s, /[0-9.]+ us/)) return substr(s, RSTART, RLENGTH - 3) + 0
	return -1
}
function fname(s) {
	sub(/^ +/, "", s); sub(/\(\).*$/, "", s); sub(/ \[[^]]*\]$/, "", s)
	return s
}
{
	n = split($0, f, "|")
	if (n < 3) next
	task = f[1]; sub(/^ *[0-9]+\) */, "", task); gsub(/ /, "", task)
	d = f[n - 1]; t = f[n]
	if (t ~ /\) \{ *$/) {           # entry of a function with children
		name = fname(t)
		sp[task]++; st[task, sp[task]] = name
	} else if (t ~ /^ *\} \/\* /) {  # exit, with the name (funcgraph-tail)
		if (sp[task] < 1) next
		key = ""
		for (i = 1; i <= sp[task]; i++) key = key (i > 1 ? ";" : "") st[task, i]
		us = dur(d)
		if (us >= 0) { cnt[key]++; tot[key] += us }
		sp[task]--
	} else if (t ~ /\);/) {          # leaf
		if (sp[task] < 1) next
		name = fname(t)
		key = ""
		for (i = 1; i <= sp[task]; i++) key = key st[task, i] ";"
		key = key name
		us = dur(d)
		if (us >= 0) { cnt[key]++; tot[key] += us }
	}
}
END {
	for (k in cnt) if (tot[k] >= 1) printf "PROF %s %d %.1f %s\n", phase, cnt[k], tot[k], k
}
