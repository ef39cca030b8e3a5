# shellcheck shell=bash
# The CLI at scale: `berth list` and `berth status` with 100, 1,000 and
# 10,000 containers in the state DB. Sourced by run.sh.

# The rows are written straight into a private root's state.db, after one
# real `berth run` made the schema (docs/state-db.md). Nearly all are
# exited; every 100th is `created` with a start error; one real container
# runs, so `list` also checks a live supervisor.
scale_fill()
{
	local db=$1 from=$2 to=$3 rootfs=$4 bundles=$5
	sqlite3 "$db" >/dev/null <<-EOF
		PRAGMA busy_timeout = 10000;
		BEGIN IMMEDIATE;
		WITH RECURSIVE seq(k) AS (SELECT $from UNION ALL SELECT k + 1 FROM seq WHERE k < $to),
		rows(k, id) AS (SELECT k, lower(hex(randomblob(32))) FROM seq)
		INSERT INTO containers (id, name, image, command, state, created_at, started_at,
		                        finished_at, exit_code, error, rootfs, bundle)
		SELECT id, 'bench_' || k, 'busybox', '["sleep","' || k || '"]',
		       CASE WHEN k % 100 = 99 THEN 'created' ELSE 'exited' END,
		       strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || k || ' seconds'),
		       CASE WHEN k % 100 = 99 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || k || ' seconds', '+0.02 seconds') END,
		       CASE WHEN k % 100 = 99 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || k || ' seconds', '+1 seconds') END,
		       CASE WHEN k % 100 = 99 THEN NULL ELSE k % 3 END,
		       CASE WHEN k % 100 = 99 THEN 'exec: no such file' ELSE NULL END,
		       '$rootfs', '$bundles/' || id
		FROM rows;
		COMMIT;
	EOF
}

# The columns `berth list` reads (db/container.c, CONTAINER_COLUMNS): the
# sqlite3 shell running the same query and printing every row is the
# floor for a list that reads and prints everything.
LIST_COLUMNS="id, name, image, command, state, created_at, started_at, finished_at, pid, pid_start_time, supervisor_pid, supervisor_start_time, boot_id, exit_code, exit_signal, oom_killed, error, cgroup, rootfs, bundle, auto_remove, restart_count"

podman_fill()
{
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		"${PODMAN[@]}" create "${PODMAN_RUN[@]}" localhost/berth-bench-busybox sleep 1 >/dev/null ||
			die "podman create failed after $i"
	done
}

section_cli()
{
	local counts=${BENCH_CLI_COUNTS:-100 1000 10000} pmax=${BENCH_PODMAN_PS_MAX:-1000}
	local root=$WORK/berth-scale db have=0 phave=0 n target target_id pcreate=0.2
	log "cli: list and status with $counts containers"
	mkdir -p "$root"
	db=$root/state.db
	timeout 60 "$BERTH" --root "$root" run --rm busybox /bin/true
	timeout 60 "$BERTH" --root "$root" run -d --name bench_running busybox sleep 100000 >/dev/null
	have=1
	local rootfs
	rootfs=$(sqlite3 -readonly "$db" "SELECT rootfs FROM containers LIMIT 1")
	[ "$PODMAN_OK" = 1 ] && "${PODMAN[@]}" run -d "${PODMAN_RUN[@]}" --name bench_running \
		localhost/berth-bench-busybox sleep 100000 >/dev/null && phave=1

	md "## 4. The CLI at scale"
	md ""
	md "A private root whose state DB holds N containers: one really running (\`sleep\`), the rest rows written with sqlite3 after one real \`berth run\` made the schema — 99 % \`exited\`, 1 % \`created\` with a start error. \`list\` prints the whole table (to /dev/null); \`status\` looks one container up by name and by a 12-digit id prefix. Floors: the \`sqlite3\` shell opening the DB for a \`count(*)\`, and running \`list\`'s own query (every column, \`ORDER BY created_at, id\`) and printing every row. podman's \`ps -a\` with as many containers (\`podman create\`d, one running), while that is feasible (up to $pmax: creating them costs about 0.2 s each)."
	md ""
	md "| containers | \`berth list\` ms | \`berth list -q\` ms | \`berth status NAME\` ms | \`berth status ID\` ms | \`sqlite3\` count(*) ms | \`sqlite3\` list's query ms | \`podman ps -a\` ms | podman create, s each |"
	md "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in $counts; do
		# Bundles relative to the root, as berth records them.
		[ "$n" -gt "$have" ] && scale_fill "$db" "$have" $((n - 1)) "$rootfs" containers
		have=$n
		target=bench_$(((n < 100 ? n : 100) / 2))
		target_id=$(sqlite3 -readonly "$db" "SELECT substr(id, 1, 12) FROM containers WHERE name = '$target'")
		[ -n "$target_id" ] || die "no container $target in $db"
		local got
		got=$(sqlite3 -readonly "$db" "SELECT count(*) FROM containers")
		[ "$got" = "$n" ] || die "the DB holds $got containers, expected $n"
		CMD["list_$n"]="$BERTH --root $root list"
		CMD["listq_$n"]="$BERTH --root $root list -q"
		CMD["status_$n"]="$BERTH --root $root status $target"
		CMD["statusid_$n"]="$BERTH --root $root status $target_id"
		CMD["sqlite_$n"]="sqlite3 -readonly $db 'SELECT count(*) FROM containers'"
		CMD["sqlselect_$n"]="sqlite3 -readonly $db 'SELECT $LIST_COLUMNS FROM containers ORDER BY created_at, id'"
		local tools=("list_$n" "listq_$n" "status_$n" "statusid_$n" "sqlite_$n" "sqlselect_$n") pcell="–" pcreate_cell="–"
		if [ "$PODMAN_OK" = 1 ] && [ "$n" -le "$pmax" ]; then
			local t0=$EPOCHREALTIME
			podman_fill $((n - phave))
			pcreate=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v k=$((n - phave)) 'BEGIN { printf "%.3f", (b - a) / k }')
			pcreate_cell=$pcreate
			phave=$n
			CMD["podmanps_$n"]="${PODMAN[*]} ps -a"
			SLOW["podmanps_$n"]=1
			tools+=("podmanps_$n")
		fi
		local rounds_saved=$BENCH_ROUNDS
		BENCH_ROUNDS=${BENCH_CLI_ROUNDS:-5}
		interleave "${tools[@]}" || die "cli runs failed"
		BENCH_ROUNDS=$rounds_saved
		[ "$PODMAN_OK" = 1 ] && [ "$n" -le "$pmax" ] && pcell=$(median_ms "$WORK/times/podmanps_$n")
		md "| $n | $(median_ms "$WORK/times/list_$n") | $(median_ms "$WORK/times/listq_$n") | $(median_ms "$WORK/times/status_$n") | $(median_ms "$WORK/times/statusid_$n") | $(median_ms "$WORK/times/sqlite_$n") | $(median_ms "$WORK/times/sqlselect_$n") | $pcell | $pcreate_cell |"
	done
	md ""
	if [ "$PODMAN_OK" = 1 ]; then
		md "podman above $pmax containers: not measured — \`podman create\` of that many would take $(awk -v p="$pcreate" -v n="${counts##* }" 'BEGIN { printf "%.0f", p * n / 60 }') minutes on this machine (BENCH_PODMAN_PS_MAX raises the cap)."
	else
		md "podman: not measured — $PODMAN_WHY"
	fi
	md "Targets of issue 9 at 10,000: \`list\` under 20 ms, \`status\` under 5 ms. Medians of ${BENCH_CLI_ROUNDS:-5} interleaved rounds × $BENCH_RUNS runs ($BENCH_RUNS_SLOW for podman). Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
	md ""
	timeout 120 "$BERTH" --root "$root" rm -f bench_running >/dev/null
	[ "$PODMAN_OK" = 1 ] && "${PODMAN[@]}" rm -af -t 0 >/dev/null
	return 0
}
