# shellcheck shell=bash
# Idle cost: memory of the supervisor (berth-supervisor, podman's conmon)
# of idle detached sleep containers, and how it grows with their number.
# Sourced by run.sh.

# mem_kb PID...: "rss pss" summed over the pids, from smaps_rollup (KiB).
mem_kb()
{
	local pid rss=0 pss=0 r p
	for pid in "$@"; do
		read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
			"/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
		rss=$((rss + r))
		pss=$((pss + p))
	done
	echo "$rss $pss"
}

kb_mb() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }

# The supervisors of a berth root, from its state DB (not by name: other
# roots' supervisors may run on this machine).
berth_supervisors()
{
	sqlite3 -readonly "$1/state.db" "SELECT supervisor_pid FROM containers WHERE state = 'running'"
}

# start_berth ROOT N [BUILD]: start N detached sleep containers (with the
# berth of build folder BUILD if given); prints seconds.
start_berth()
{
	local root=$1 n=$2 i t0 t1 bin=$BERTH sup=$BERTH_SUPERVISOR
	if [ -n "${3:-}" ]; then
		bin=$3/berth
		sup=$3/berth-supervisor
	fi
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do
		BERTH_SUPERVISOR=$sup timeout 60 "$bin" --root "$root" run -d busybox sleep 100000 >/dev/null ||
			die "berth run -d failed after $i containers"
	done
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

start_podman()
{
	local n=$1 i t0 t1
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do
		"${PODMAN[@]}" run -d "${PODMAN_RUN[@]}" localhost/berth-bench-busybox sleep 100000 >/dev/null ||
			die "podman run -d failed after $i containers"
	done
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

podman_conmons()
{
	"${PODMAN[@]}" ps -q --no-trunc | while read -r id; do
		"${PODMAN[@]}" inspect --format '{{.State.ConmonPid}}' "$id"
	done
}

section_idle()
{
	local counts=${BENCH_IDLE_COUNTS:-1 100 500} podman_counts=${BENCH_IDLE_PODMAN_COUNTS:-1 100}
	local root=$WORK/berth-idle have=0 n secs rss pss pids
	log "idle: supervisors of $counts idle containers"
	md "## 3. Idle cost of the supervisor"
	md ""
	md "Detached \`sleep\` containers, left idle 2 s, then \`Rss\` and \`Pss\` from \`/proc/PID/smaps_rollup\` of every supervisor (berth: \`berth-supervisor\`, one per container, pids from the state DB; podman: \`conmon\`, pids from \`podman inspect\`). The containers' own \`sleep\` processes are not counted. Start time: the containers started one after the other from one shell, \`run -d\` each."
	md ""
	md "| engine | containers | started in s (this step) | per container ms | supervisors' RSS total MiB | PSS total MiB | RSS per container KiB | PSS per container KiB |"
	md "|---|---:|---:|---:|---:|---:|---:|---:|"
	mkdir -p "$root"
	for n in $counts; do
		secs=$(start_berth "$root" $((n - have)))
		local started=$((n - have))
		have=$n
		sleep 2
		pids=$(berth_supervisors "$root")
		[ "$(wc -w <<< "$pids")" = "$n" ] || die "expected $n running containers, the DB has $(wc -w <<< "$pids")"
		# shellcheck disable=SC2086
		read -r rss pss <<< "$(mem_kb $pids)"
		md "| berth | $n | $secs (+$started) | $(awk -v s="$secs" -v n="$started" 'BEGIN { printf "%.1f", s * 1000 / n }') | $(kb_mb "$rss") | $(kb_mb "$pss") | $((rss / n)) | $((pss / n)) |"
	done
	local t0 t1
	t0=$EPOCHREALTIME
	timeout 600 "$BERTH" --root "$root" rm -f --all >/dev/null
	t1=$EPOCHREALTIME
	local rm_secs berth_max=$have
	rm_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

	if [ -n "$BENCH_BASELINE" ]; then
		# The baseline build, the same counts, in its own root (which
		# has its busybox image from bench_setup).
		have=0
		for n in $counts; do
			secs=$(start_berth "$BASE_BR" $((n - have)) "$BENCH_BASELINE")
			local started=$((n - have))
			have=$n
			sleep 2
			pids=$(berth_supervisors "$BASE_BR")
			[ "$(wc -w <<< "$pids")" = "$n" ] || die "expected $n running baseline containers, the DB has $(wc -w <<< "$pids")"
			# shellcheck disable=SC2086
			read -r rss pss <<< "$(mem_kb $pids)"
			md "| berth baseline ($(base_describe)) | $n | $secs (+$started) | $(awk -v s="$secs" -v n="$started" 'BEGIN { printf "%.1f", s * 1000 / n }') | $(kb_mb "$rss") | $(kb_mb "$pss") | $((rss / n)) | $((pss / n)) |"
		done
		bb rm -f --all >/dev/null
	fi

	if [ "$PODMAN_OK" = 1 ]; then
		have=0
		for n in $podman_counts; do
			secs=$(start_podman $((n - have)))
			local started=$((n - have))
			have=$n
			sleep 2
			pids=$(podman_conmons)
			[ "$(wc -w <<< "$pids")" = "$n" ] || die "expected $n podman containers, found $(wc -w <<< "$pids")"
			# shellcheck disable=SC2086
			read -r rss pss <<< "$(mem_kb $pids)"
			md "| podman (conmon) | $n | $secs (+$started) | $(awk -v s="$secs" -v n="$started" 'BEGIN { printf "%.1f", s * 1000 / n }') | $(kb_mb "$rss") | $(kb_mb "$pss") | $((rss / n)) | $((pss / n)) |"
		done
		"${PODMAN[@]}" rm -af -t 0 >/dev/null
	fi
	md ""
	md "Removing the $berth_max berth containers with \`berth rm -f --all\` took $rm_secs s."
	if [ "$PODMAN_OK" != 1 ]; then
		md "podman: not measured — $PODMAN_WHY. Reference (measured earlier on these machines, conmon holding one idle container): RSS 2.1 MB, PSS 1.1 MB."
	fi
	md "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
	md ""
}
