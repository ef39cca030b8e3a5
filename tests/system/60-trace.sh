#!/bin/bash
# berth trace: kernel events through eBPF, attributed to the container they
# belong to; selection by container; the events table; clean failures.
# Runs on the host kernel and, unchanged, on the VM's Debian 6.1 kernel.
. "$(dirname "$0")/lib.sh"
require_root
[ -r /sys/kernel/btf/vmlinux ] || t_skip_all "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
if "$BERTH" trace --help 2>&1 | grep -q "without eBPF"; then
	t_skip_all "berth was built without eBPF (--disable-bpf)"
fi
t_begin

TRACE_PID=
T_EXTRA_CLEANUP='[ -n "$TRACE_PID" ] && kill -KILL $TRACE_PID 2>/dev/null'

# start_trace OUT ARGS...: berth trace in the background, stdout to OUT and
# stderr to OUT.err; returns once the programs are attached. Loading takes
# long under TCG (the verifier), hence the generous wait.
start_trace() {
	local out=$1
	shift
	"$BERTH" trace "$@" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	if ! wait_for 120 grep -qs "tracing" "$out.err"; then
		t_diag "berth trace did not start: $(cat "$out.err")"
		return 1
	fi
}

# stop_trace: Ctrl-C, then its exit status in TRACE_RC.
stop_trace() {
	kill -INT "$TRACE_PID"
	wait "$TRACE_PID"
	TRACE_RC=$?
	TRACE_PID=
}

# events FILE KEY VALUE...: the JSON lines of FILE that have every
# "KEY": VALUE pair given (VALUE as it appears in JSON: "exec", 7, null).
events() {
	local file=$1
	shift
	local out
	out=$(cat "$file")
	while [ $# -ge 2 ]; do
		# A value ends at "," or "}": pid 12 must not match pid 123.
		out=$(grep -F -e "\"$1\": $2," -e "\"$1\": $2}" <<<"$out")
		shift 2
	done
	printf '%s' "$out"
}
count() { events "$@" | grep -c .; }

# --- berth's own activity, JSON, --db -------------------------------------
start_trace "$ROOT/all.json" --format json --duration 300 --db
# Forks (the sleep in the background), execs /bin/sh as its init, and exits 7.
capture berth run --name tr1 busybox /bin/sh -c 'sleep 0.1 & wait; exit 7'
t_is "the traced container exits 7" 7 "$RC"
id=$(db "SELECT id FROM containers WHERE name='tr1'")
sleep 0.5
stop_trace
t_is "berth trace ends with 0 on SIGINT" 0 "$TRACE_RC"
F=$ROOT/all.json
t_is "every line is a JSON object" "" "$(grep -v '^{.*}$' "$F")"
t_is "exec of the container's init, attributed to it by id and name" 1 \
	"$(count "$F" type '"exec"' container_id "\"$id\"" container_name '"tr1"' filename '"/bin/sh"')"
init=$(events "$F" type '"exec"' container_id "\"$id\"" filename '"/bin/sh"' |
	sed -n 's/.*"pid": \([0-9]*\),.*/\1/p')
t_ok "a fork by the container's init" \
	test "$(count "$F" type '"fork"' container_id "\"$id\"" pid "$init")" -ge 1
t_is "its exit with code 7" 1 \
	"$(count "$F" type '"exit"' container_id "\"$id\"" pid "$init" exit_code 7)"
t_ok "the forked child's exit" \
	test "$(count "$F" type '"exit"' container_id "\"$id\"" ppid "$init" exit_code 0)" -ge 1
t_is "its cgroup's creation, with the path" 1 \
	"$(count "$F" type '"cgroup"' action '"mkdir"' container_id "\"$id\"" path "\"/berth/$id\"")"
t_is "and removal" 1 "$(count "$F" type '"cgroup"' action '"rmdir"' container_id "\"$id\"")"
t_match "its namespaces, made by clone" '"namespaces": \[[^]]*"pid"' \
	"$(events "$F" type '"ns"' action '"clone"' container_id "\"$id\"")"
t_ok "its rootfs mount (overlay)" \
	test "$(count "$F" type '"mount"' container_id "\"$id\"" fstype '"overlay"')" -ge 1
t_ok "berth's own exec is there, as no container's" \
	test "$(count "$F" type '"exec"' container_id null comm '"berth"')" -ge 1
t_ok "so is the supervisor's" \
	test "$(events "$F" type '"exec"' container_id null | grep -c 'berth-supervisor"')" -ge 1
t_match "the summary counts events per type" \
	'berth trace: .* events: fork [0-9]+, exec [0-9]+, exit [0-9]+, cgroup [0-9]+, ns [0-9]+, mount [0-9]+, oom [0-9]+; 0 lost in the kernel' \
	"$(cat "$F.err")"
t_ok "JSON lines also went to the default log file" \
	grep -qF "\"container_id\": \"$id\"" "$ROOT/trace.log"

t_is "--db stored the exec" 1 \
	"$(db "SELECT count(*) FROM events WHERE container_id='$id' AND type='exec' AND path='/bin/sh'")"
t_is "--db stored the exit code" 1 \
	"$(db "SELECT count(*) FROM events WHERE container_id='$id' AND type='exit'
	       AND json_extract(details, '\$.exit_code') = 7")"
t_is "--db rows join with containers" tr1 \
	"$(db "SELECT DISTINCT c.name FROM events e JOIN containers c ON c.id = e.container_id
	       WHERE e.type = 'fork'")"
t_is "--db wrote as many rows as lines" "$(grep -c . "$F")" "$(db "SELECT count(*) FROM events")"
berth rm tr1 >/dev/null

# --- text format, --output, unshare/setns/mount inside a container --------
start_trace "$ROOT/text.out" --events ns,mount,exec --output "$ROOT/text.log" --duration 300
# --privileged: by default seccomp and the dropped capabilities stop these
# calls before the tracepoints see them.
berth run --name tr2 --privileged busybox /bin/sh -c \
	'unshare -n true; mkdir -p /mnt; mount -t tmpfs none /mnt; nsenter -t 1 -n true' >/dev/null 2>&1
id2=$(db "SELECT id FROM containers WHERE name='tr2'")
sleep 0.5
stop_trace
t_match "text lines read name(id) type details pid=N" \
	"^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} tr2\(${id2:0:8}\) exec /bin/sh pid=[0-9]+$" \
	"$(grep " tr2(${id2:0:8}) exec /bin/sh " "$ROOT/text.out")"
t_ok "--output FILE gets the same lines" cmp -s "$ROOT/text.out" "$ROOT/text.log"
t_ok "unshare inside a container" grep -q "^.* tr2(${id2:0:8}) ns unshare net pid=" "$ROOT/text.out"
t_ok "setns inside a container" grep -q "^.* tr2(${id2:0:8}) ns setns net fd=[0-9]* pid=" "$ROOT/text.out"
t_ok "a mount inside a container" grep -q "^.* tr2(${id2:0:8}) mount none on /mnt type tmpfs" "$ROOT/text.out"
t_is "--events leaves the other types out" "" "$(grep -E '^[^ ]+ [^ ]+ (fork|exit|cgroup) ' "$ROOT/text.out")"
berth rm tr2 >/dev/null

# --- berth trace CONTAINER: that container's events only ------------------
# "busy" forks all the time; "quiet" is the one traced.
berth run -d --name busy busybox /bin/sh -c 'while :; do sleep 0.05; done' >/dev/null
berth run -d --name quiet busybox /bin/sh -c 'while :; do sleep 0.2; done' >/dev/null
qid=$(db "SELECT id FROM containers WHERE name='quiet'")
start_trace "$ROOT/one.json" quiet --format json --duration 300
berth run --rm --name third busybox /bin/sh -c 'sleep 0.1 & wait' >/dev/null
sleep 1
berth rm -f quiet >/dev/null
stop_trace
F=$ROOT/one.json
t_ok "the named container's forks are there" \
	test "$(count "$F" type '"fork"' container_id "\"$qid\"" container_name '"quiet"')" -ge 2
t_ok "and its end (killed)" test "$(count "$F" type '"exit"' container_id "\"$qid\"" signal 9)" -ge 1
t_ok "and its cgroup's removal" test "$(count "$F" type '"cgroup"' action '"rmdir"')" -eq 1
t_is "no event of another container or process" "" "$(grep -vF "\"container_id\": \"$qid\"" "$F")"
t_match "the summary counts only those" 'berth trace: .* events: fork [1-9]' "$(cat "$F.err")"
berth rm -f busy >/dev/null

# --- --duration ------------------------------------------------------------
before=$(stat -c %s "$ROOT/trace.log")
capture timeout 120 "$BERTH" trace --duration 0.5 --output -
t_is "--duration ends the trace by itself with 0" 0 "$RC"
t_match "and prints the summary" 'berth trace: 0\.[0-9] s, [0-9]+ events' "$ERR"
t_is "--output - writes no log file" "$before" "$(stat -c %s "$ROOT/trace.log")"
t_ok "not even one named -" test ! -e ./-

# --- OOM kills, where a memory controller allows one (the VM) --------------
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if grep -qw memory "$v2/cgroup.subtree_control" 2>/dev/null; then
	start_trace "$ROOT/oom.json" --format json --events oom,exit --duration 300
	oid=$(berth run -d --name oomer busybox /bin/sh -c 'sleep 2; x=aaaaaaaa; while :; do x=$x$x; done')
	# berth's own berth/ cgroup: enable memory for its children, then cap this one.
	echo +memory >"$v2/berth/cgroup.subtree_control"
	echo 16M >"$v2/berth/$oid/memory.max"
	echo 0 >"$v2/berth/$oid/memory.swap.max" 2>/dev/null
	wait_for 60 sh -c "[ \"\$(sqlite3 -cmd '.timeout 10000' $ROOT/state.db \"SELECT state FROM containers WHERE id='$oid'\")\" = exited ]"
	sleep 0.5
	stop_trace
	t_ok "an OOM kill in a container is reported, attributed to it" \
		test "$(count "$ROOT/oom.json" type '"oom"' container_id "\"$oid\"")" -ge 1
	berth rm -f oomer >/dev/null
else
	t_diag "no memory controller for berth's cgroups here: OOM events are tested in the VM"
fi

# --- bad input: 125 ---------------------------------------------------------
for args in "--events bogus" "--events ''" "--format xml" "--duration 0" "--duration x" \
	"--all busy" "--bogus" "no-such-container" "--buffer-size 1000" "--output ''"; do
	capture eval "timeout 60 \"\$BERTH\" trace $args"
	t_is "trace $args fails with 125" 125 "$RC"
	t_is "trace $args says why in one line" 1 "$(grep -c '^berth: ' <<<"$ERR")"
done

# --- failures to load are one line, never a crash ----------------------------
if command -v setpriv >/dev/null; then
	capture setpriv --reuid=65534 --regid=65534 --clear-groups "$BERTH" trace --duration 1
	t_is "without root: exit 125" 125 "$RC"
	t_match "without root: says that root is needed" '^berth: .*needs root' "$ERR"
	t_is "without root: one line" 1 "$(grep -c . <<<"$ERR")"
fi
if command -v unshare >/dev/null; then
	# A private mount namespace hides the BTF from berth alone.
	capture unshare -m --propagation private sh -c \
		'mount -t tmpfs none /sys/kernel/btf && exec "$0" trace --duration 1' "$BERTH"
	t_is "without kernel BTF: exit 125" 125 "$RC"
	t_match "without kernel BTF: says so" '^berth: this kernel has no BTF' "$ERR"
	t_is "without kernel BTF: one line" 1 "$(grep -c . <<<"$ERR")"
fi

t_end
