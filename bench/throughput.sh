# shellcheck shell=bash
# Throughput: containers started per second by 1, 2 and 8 CLIs at once,
# each starting BENCH_PER_CLI detached sleep containers one after another.
# Sourced by run.sh.

# One CLI's loop; its failures go to $2.
tp_worker()
{
	local root=$1 errs=$2 n=$3 i
	for ((i = 0; i < n; i++)); do
		if ! timeout 60 "$BERTH" --root "$root" run -d busybox sleep 100000 >/dev/null 2>>"$errs.log"; then
			echo "run $i failed" >> "$errs"
		fi
	done
}

section_throughput()
{
	local levels=${BENCH_CONCURRENCY:-1 2 8} per=${BENCH_PER_CLI:-100} c j
	log "throughput: $levels concurrent CLIs × $per containers"
	md "## 5. Throughput: containers started per second"
	md ""
	md "C shells at once, each running \`berth run -d busybox sleep 100000\` $per times in a row, into one fresh root per level; wall time from the first start to the last \`run -d\` returning; then every container is checked running in the DB and removed with \`berth rm -f --all\` (timed too)."
	md ""
	md "| concurrent CLIs | containers | wall s | containers/s | per start ms (wall / containers) | failed runs | running in the DB | \`rm -f --all\` s |"
	md "|---:|---:|---:|---:|---:|---:|---:|---:|"
	for c in $levels; do
		local root=$WORK/berth-tp$c errs=$WORK/tp$c.errors
		mkdir -p "$root"
		: > "$errs"
		# The first container makes the DB: not part of the measure.
		timeout 60 "$BERTH" --root "$root" run --rm busybox /bin/true
		local t0=$EPOCHREALTIME pids=()
		for ((j = 0; j < c; j++)); do
			tp_worker "$root" "$errs" "$per" &
			pids+=($!)
		done
		for j in "${pids[@]}"; do wait "$j"; done
		local t1=$EPOCHREALTIME total=$((c * per)) failed running
		failed=$(wc -l < "$errs")
		running=$(sqlite3 -readonly "$root/state.db" "SELECT count(*) FROM containers WHERE state = 'running'")
		local t2=$EPOCHREALTIME
		timeout 900 "$BERTH" --root "$root" rm -f --all >/dev/null
		local t3=$EPOCHREALTIME
		md "| $c | $total | $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') | $(awk -v a="$t0" -v b="$t1" -v n="$total" 'BEGIN { printf "%.1f", n / (b - a) }') | $(awk -v a="$t0" -v b="$t1" -v n="$total" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }') | $failed | $running | $(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", b - a }') |"
		if [ "$failed" != 0 ] || [ "$running" != "$total" ]; then
			md ""
			md "Errors at $c CLIs: $(sort "$errs.log" 2>/dev/null | uniq -c | head -5 | tr '\n' ';')"
			log "throughput at $c CLIs: $failed failed, $running running of $total"
		fi
	done
	md ""
	md "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
	md ""
}
