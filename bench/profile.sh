#!/bin/bash
# Where the time of `berth run --rm busybox /bin/true` goes: a phase
# timeline from strace (only marker syscalls traced, through seccomp-bpf,
# so the untraced ones run at full speed), a syscall summary (strace -c),
# a CPU profile by process and library (perf, software clock), and a few
# component timings (hyperfine). Writes bench/results/<date>-<host>-profile.md.
#
# Usage: bench/profile.sh (as root). Environment: BERTH, PROFILE_RUNS (30).
set -euo pipefail
shopt -s nullglob

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_SRC/lib.sh"
RUNS=${PROFILE_RUNS:-30}

mkdir -p "$BENCH_SRC/results"
OUT=${BENCH_OUT:-$BENCH_SRC/results/$(date -u +%Y-%m-%d-%H%M)-$(hostname -s)-profile.md}
: > "$OUT"

[ "$(id -u)" = 0 ] || die "run as root"
bench_need_tools
command -v perf >/dev/null || log "perf is missing (apt-get install linux-perf): no CPU profile"
WORK=$(mktemp -d /tmp/berth-profile.XXXXXX)
bench_separate_groups "$WORK"
BR=$WORK/berth
bench_note_cgroup_parent
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
b image create busybox >/dev/null
ROOTFS=$(b image list --format json | jq -r '.[] | select(.name=="busybox") | .layers[0]')
touch "$WORK/rootfs.stamp"
b run --rm busybox /bin/true # the DB exists and is warm

machine_header

# ------------------------------------------------------------ timeline

# The marker syscalls, in the order they happen, and the phase each ends.
TRACE=execve,execveat,clone,clone3,vfork,mount,pivot_root,exit_group,fdatasync,fsync,rmdir,sendto,sendmsg,waitid
phases()
{
	# One strace log in, "phase microseconds" lines out. Processes: the
	# CLI (first pid), the supervisor (the one that execs berth-supervisor
	# and later clones the init), the container's init (its child).
	awk '
	function us(t) { return t * 1000000 }
	function mark(name, t) { if (!(name in T)) { T[name] = us(t); order[++n] = name } }
	NR == 1 { cli = $1; mark("cli_exec", $2) }
	/execve\(".*berth-supervisor"/ { sup = $1; mark("supervisor_exec", $2) }
	$1 == cli && /sendmsg\(.*iov_base="\\5\\0\\0\\0/ { mark("go_sent", $2) }
	$1 == cli && /sendto\(.*"\\6\\0\\0\\0/ { mark("commit_sent", $2) }
	$1 == sup && /clone3\(\{flags=CLONE_PIDFD\|CLONE_NEWNS/ { mark("container_clone3", $2) }
	$1 != cli && $1 != sup && /mount\("overlay"/ { ctr = $1; mark("overlay_mount", $2) }
	$1 == ctr && /pivot_root\(/ { mark("pivot_root", $2) }
	$1 == ctr && /execveat\(/ { mark("exec_stage", $2) }
	$1 == ctr && /execve\("\/bin\/true"/ { mark("exec_true", $2) }
	$1 == sup && /sendto\(.*"\\1\\0\\0\\0/ { mark("running_sent", $2) }
	$1 == ctr && /exit_group\(/ { mark("true_exits", $2) }
	$1 == sup && /sendto\(.*"\\3\\0\\0\\0/ { mark("exited_sent", $2) }
	$1 == cli && /exit_group\(/ { mark("cli_exit", $2) }
	$1 == sup && /rmdir\("\/sys\/fs\/cgroup/ { mark("cgroup_removed", $2) }
	$1 == sup && /exit_group\(/ { mark("supervisor_exit", $2) }
	$1 == cli && /fdatasync/ { cli_sync++ }
	$1 == sup && /fdatasync/ { sup_sync++ }
	END {
		for (i = 2; i <= n; i++) printf "%s %.0f\n", order[i], T[order[i]] - T[order[i - 1]]
		printf "TOTAL_cli %.0f\n", T["cli_exit"] - T["cli_exec"]
		printf "SYNC_cli %d\nSYNC_sup %d\n", cli_sync, sup_sync
	}' "$1"
}

log "timeline: $RUNS traced runs"
mkdir -p "$WORK/trace"
for ((i = 0; i < RUNS; i++)); do
	strace -f -ttt --seccomp-bpf -e trace=$TRACE -o "$WORK/trace/$i.txt" \
		"$BERTH" --root "$BR" run --rm busybox /bin/true
	phases "$WORK/trace/$i.txt" > "$WORK/trace/$i.phases"
done
# A sample of untraced runs for scale.
hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$WORK/untraced.json" \
	"$BERTH --root $BR run --rm busybox /bin/true" >/dev/null
untraced=$(jq '.results[0].median * 1000' "$WORK/untraced.json")

declare -A desc=(
	[supervisor_exec]="CLI: exec, dynamic linking, arguments, id; forks a child, which leaves the session and vfork()s the supervisor's exec"
	[go_sent]="CLI: DB open (first reader: -shm reset, WAL index, schema), image look-up, configuration; SYNC_GO with config.json in a memfd. Beside it the supervisor starts (static PIE, C library), berth-stage copy, cgroup, takes a spare folder"
	[commit_sent]="CLI: INSERT of the row, SYNC_COMMIT"
	[container_clone3]="supervisor: SYNC_GO read, configuration parsed, init plan; clone3() with five namespaces into the cgroup"
	[overlay_mount]="init: signals, stdio, setsid, / a slave; beside it the supervisor: seccomp filter (cached), device program, config.json, DB connection, control socket"
	[pivot_root]="init: the overlay mount, then /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup /tmp, device nodes"
	[exec_stage]="init: pivot_root, masked and read-only paths, waits for the commit byte (and the seccomp filter), identity, capabilities, seccomp; execveat() of the sealed berth-stage"
	[exec_true]="berth-stage: execve() of the command"
	[running_sent]="supervisor: EOF on the error pipe, UPDATE to running, SYNC_RUNNING"
	[true_exits]="/bin/true runs and exits"
	[exited_sent]="supervisor: waitid(), folder to trash/, DELETE of the row, SYNC_EXITED"
	[cli_exit]="CLI: receives, exits"
	[cgroup_removed]="(after the CLI) supervisor: mount namespace let go, folder kept as a spare, cgroup removed"
	[supervisor_exit]="(after the CLI) supervisor: checkpoint if due, exit"
)
md "## Where the time of \`berth run --rm busybox /bin/true\` goes"
md ""
md "Median over $RUNS runs traced with \`strace -f -ttt --seccomp-bpf\` on marker syscalls only ($TRACE): each row is the time from the previous marker to this one. Tracing stops the process at each marker, so the traced total is larger than the untraced median ($(printf '%.1f' "$untraced") ms here, same machine, right after)."
md ""
md "| phase ends at | what happens in it | median ms | share of the CLI's total |"
md "|---|---|---:|---:|"
total=$(cat "$WORK"/trace/*.phases | awk '$1 == "TOTAL_cli" { print $2 / 1e6 }' > "$WORK/total.txt"; median_ms "$WORK/total.txt")
for ph in supervisor_exec go_sent commit_sent container_clone3 overlay_mount pivot_root exec_stage exec_true running_sent true_exits exited_sent cli_exit cgroup_removed supervisor_exit; do
	cat "$WORK"/trace/*.phases | awk -v p="$ph" '$1 == p { print $2 / 1e6 }' > "$WORK/ph.txt"
	m=$(median_ms "$WORK/ph.txt")
	share=$(awk -v a="$m" -v t="$total" 'BEGIN { printf "%.0f %%", a * 100 / t }')
	case $ph in cgroup_removed | supervisor_exit) share="(after)" ;; esac
	md "| $ph | ${desc[$ph]} | $m | $share |"
done
md "| **total** | CLI exec to CLI exit, traced | **$total** | 100 % |"
md ""
md "fdatasync calls per run: CLI $(cat "$WORK"/trace/*.phases | awk '$1 == "SYNC_cli" { print $2 }' | sort -n | uniq -c | awk '{ printf "%s%s×%s", s, $2, $1; s = ", " }'), supervisor $(cat "$WORK"/trace/*.phases | awk '$1 == "SYNC_sup" { print $2 }' | sort -n | uniq -c | awk '{ printf "%s%s×%s", s, $2, $1; s = ", " }') (value×runs; the supervisor checkpoints the WAL after its reply, every 128 pages)."
md ""

# ------------------------------------------------------------ strace -c

log "strace -c"
strace -c -f -o "$WORK/strace-c.txt" "$BERTH" --root "$BR" run --rm busybox /bin/true
md "### Syscalls of one run (\`strace -c -f\`, every process)"
md ""
md '```'
sed -n 1,25p "$WORK/strace-c.txt" >> "$OUT"
md "..."
tail -n 2 "$WORK/strace-c.txt" >> "$OUT"
md '```'
md ""

# ------------------------------------------------------------ perf

if command -v perf >/dev/null && perf record -o "$WORK/perf.test" -e cpu-clock -- true >/dev/null 2>&1; then
	log "perf: $RUNS runs"
	cat > "$WORK/loop.sh" <<-EOF
		#!/bin/bash
		for ((i = 0; i < $RUNS; i++)); do "$BERTH" --root "$BR" run --rm busybox /bin/true; done
	EOF
	chmod +x "$WORK/loop.sh"
	perf record -q -o "$WORK/perf.data" -e cpu-clock -F 10000 -g -- "$WORK/loop.sh" >/dev/null 2>&1
	# One sample per 0.1 ms of CPU (cpu-clock at 10 kHz).
	local_samples=$(perf script -i "$WORK/perf.data" -F comm 2>/dev/null | wc -l)
	perms() { awk -v p="$1" -v n="$local_samples" -v r="$RUNS" 'BEGIN { printf "%.2f", p / 100 * n / 10 / r }'; }
	# Supervisors rename themselves "berth-<9 hex>": fold those together.
	perf report -i "$WORK/perf.data" --no-children --sort comm,dso --stdio -g none 2>/dev/null |
		awk '/^ +[0-9.]+%/ { p = $1; sub("%", "", p); c = $2; d = $3
			if (c ~ /^berth-[0-9a-f]+$/ || c == "berth-superviso") c = "berth-supervisor"
			s[c " " d] += p } END { for (k in s) if (s[k] >= 0.5) printf "%.1f %s\n", s[k], k }' |
		sort -rn > "$WORK/perf-dso.txt"
	perf report -i "$WORK/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
		awk '/^ +[0-9.]+%/ { c = $1; sub("%", "", c); print $4, c }' > "$WORK/perf-children.txt"
	sym_pct() { awk -v s="$1" '$1 == s { print $2; f = 1; exit } END { if (!f) print 0 }' "$WORK/perf-children.txt"; }
	md "### CPU profile (\`perf record -e cpu-clock -g\`, $RUNS runs in a loop)"
	md ""
	md "$(awk -v n="$local_samples" -v r="$RUNS" 'BEGIN { printf "%.1f", n / 10 / r }') ms of CPU per run, every process of the loop included (the bash loop itself is a few %). Where it goes, inclusive of callees (so rows overlap), in ms of CPU per run:"
	md ""
	md "| kernel or library function | CPU ms per run | what it is |"
	md "|---|---:|---|"
	for row in \
		"exc_page_fault|page faults: dynamic loading, copy-on-write after fork/clone, first touches" \
		"_dl_start_user|user-space dynamic linking and relocation (ld.so) of the CLI and its libraries" \
		"__x64_sys_execve|execve in the kernel (berth, berth-supervisor, /bin/true)" \
		"kernel_clone|fork/vfork/clone3 in the kernel (the CLI's child, its vfork, the container)" \
		"copy_namespaces|  of which: new namespaces" \
		"copy_net_ns|the network namespace (clone3 of the container)" \
		"__x64_sys_mount|mount(2): overlay, /proc, /dev, /sys, masks" \
		"__x64_sys_fdatasync|fdatasync(2) by SQLite (WAL checkpoints, after the reply)" \
		"__x64_sys_unlinkat|unlinkat(2): emptying the folder for the spare slot" \
		"__x64_sys_mkdir|mkdir(2): the cgroup, the control socket's folder" \
		"__x64_sys_openat|openat(2): files, DB, WAL, -shm, config.json" \
		"__ext4_new_inode|ext4 inode allocation: OverlayFS's work/work, probes and volatile marker (7), the control socket and its folder" \
		"find_inode_bit|  of which: the scan past recently freed inodes (ext4 without a journal)" \
		"ext4_evict_inode|ext4 inode freeing: the same removed again" \
		"cgroup_mkdir|cgroup v2 mkdir (berth/<id>)" \
		"do_exit|process exit (namespaces and mounts torn down)"; do
		sym=${row%%|*}
		md "| \`$sym\` | $(perms "$(sym_pct "$sym")") | ${row#*|} |"
	done
	md ""
	md "CPU by process and library (self time; supervisors folded together; ≥ 0.5 % of samples), in ms per run:"
	md ""
	md "| CPU ms per run | % | process | library |"
	md "|---:|---:|---|---|"
	while read -r p c d; do md "| $(perms "$p") | $p | $c | \`$d\` |"; done < "$WORK/perf-dso.txt"
	md ""
else
	md "perf: not available here."
	md ""
fi

# ------------------------------------------------------------ components

log "component timings"
id=$(b run -d --name profile-idle busybox sleep 100000)
echo x > "$WORK/f"
CMD[version]="$BERTH --version"
CMD[list]="$BERTH --root $BR list"
CMD[status]="$BERTH --root $BR status profile-idle"
CMD[true]="/bin/true"
CMD[sync]="dd if=$WORK/f of=$WORK/g bs=4k count=1 conv=fdatasync status=none"
CMD[nosync]="dd if=$WORK/f of=$WORK/g bs=4k count=1 status=none"
CMD[unshare]="unshare --mount --uts --ipc --net --pid --cgroup --fork --mount-proc --root=$ROOTFS /bin/true"
CMD[run]="$BERTH --root $BR run --rm busybox /bin/true"
# The same run on a root whose DB one idle reader connection holds open:
# then the CLI is never the DB's first reader, which resets the -shm file
# and rebuilds the WAL index from the WAL (berth keeps its WAL between
# commands: SQLITE_FCNTL_PERSIST_WAL, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE).
HELD=$WORK/berth-held
mkdir -p "$HELD"
timeout 60 "$BERTH" --root "$HELD" run --rm busybox /bin/true
mkfifo "$WORK/held.fifo"
sqlite3 "$HELD/state.db" < "$WORK/held.fifo" > /dev/null &
HOLDER_PID=$!
exec 9> "$WORK/held.fifo"
echo 'SELECT count(*) FROM containers;' >&9
sleep 0.3
[ -e "$HELD/state.db-wal" ] || die "the held DB has no WAL file"
CMD[run_held]="$BERTH --root $HELD run --rm busybox /bin/true"
interleave true version list status nosync sync unshare run run_held
exec 9>&-
wait "$HOLDER_PID" || true
md "### Component timings (interleaved hyperfine, medians)"
md ""
md "| command | median ms | what it isolates |"
md "|---|---:|---|"
md "| \`/bin/true\` | $(median_ms "$WORK/times/true") | fork+exec of a small dynamic binary |"
md "| \`berth --version\` | $(median_ms "$WORK/times/version") | the CLI's exec and dynamic linking |"
md "| \`berth list\` (2 rows) | $(median_ms "$WORK/times/list") | + open the DB (schema check, WAL files), one query |"
md "| \`berth status C\` | $(median_ms "$WORK/times/status") | + look-up, pidfd check of the supervisor, cgroup reads |"
md "| \`dd\` 4 KiB | $(median_ms "$WORK/times/nosync") | a write to this disk (ext4 on virtio) |"
md "| \`dd\` 4 KiB + fdatasync | $(median_ms "$WORK/times/sync") | the same with one fdatasync: the difference is one sync |"
md "| \`unshare\` 6 namespaces | $(median_ms "$WORK/times/unshare") | the floor: clone + proc mount + exec |"
md "| \`berth run --rm\` | $(median_ms "$WORK/times/run") | everything |"
md "| \`berth run --rm\`, DB held open | $(median_ms "$WORK/times/run_held") | the same, while an idle sqlite3 keeps the DB open: the CLI is not its first reader (no -shm reset, no WAL index rebuild) |"
md ""
b rm -f "$id" >/dev/null
log "report: $OUT"
