#!/bin/bash
# podman (4.3) with berth-runtime as its OCI runtime, through conmon: run
# --rm and its exit codes, run -d with logs, exec, pause, unpause, stop and
# rm, run -t on a terminal, inspect, a limit the host cannot enforce, and
# podman's containers in berth-runtime's state DB. podman runs in a mount
# namespace of its own, where /run and /dev/shm are new tmpfs and every
# cgroup v1 hierarchy is read-only: it must never make cgroups there.
. "$(dirname "$0")/lib.sh"
require_root
# A slow suite runs once per CI run, in the plain build (tests/ci-extra.sh
# sets this for the ASan build's run).
[ -z "${BERTH_SLOW_SUITES_DONE:-}" ] || t_skip_all "a slow suite: run once, in the plain build"
RUNTIME=$(cd "$(dirname "$BERTH")" && pwd)/berth-runtime
[ -x "$RUNTIME" ] || t_skip_all "no berth-runtime next to $BERTH"
command -v podman >/dev/null || t_skip_all "podman is not installed"
command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || t_skip_all "conmon is not installed"
command -v jq >/dev/null || t_skip_all "jq is not installed"
[ -n "$CGROUP_ROOT" ] || t_skip_all "no cgroup v2 hierarchy"
t_begin

P=${ROOT:?}/podman
HOLDER=
PODMAN=()
# The host's cgroup v1 folders, and whether podman's lock was there: both
# must be as they were at the end.
v1_libpod() { cgroup_v1_mounts | xargs -r -I{} find {} -name 'libpod*' -print -quit; }
v1_before=$(cgroup_v1_dirs)
lock_before=$(test -e /dev/shm/libpod_lock && echo there || echo absent)

# Every podman command runs in the holder's mount namespace.
pm() { timeout 30 "${PODMAN[@]}" "$@"; }
in_ns() { nsenter -t "$HOLDER" -m "$@"; }
# What conmon and the `podman container cleanup` it starts leave running.
ours() { pgrep -f "$P/" | grep -vx "$$"; }
no_ours() { [ -z "$(ours)" ]; }
# Run by the trap as well: podman's containers, conmon, then the holder,
# whose namespace (and every mount podman made in it) goes with it.
pm_cleanup() {
	if [ -n "$HOLDER" ] && kill -0 "$HOLDER" 2>/dev/null; then
		pm rm -af -t 0 >/dev/null 2>&1
		wait_for 10 no_ours
		local p
		for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	HOLDER=
	rmdir "$CGROUP_ROOT"/libpod_parent/* "$CGROUP_ROOT"/libpod_parent 2>/dev/null
	return 0
}
trap 'pm_cleanup; t_cleanup' EXIT

mkdir -p "$P/root" "$P/runroot" "$P/tmp" "$P/net"
# pids_limit 0: this host's cgroup v2 has no pids controller, and
# berth-runtime refuses a limit it cannot enforce. The ulimits: root here
# lacks CAP_SYS_RESOURCE, so podman's defaults cannot be set.
cat >"$P/containers.conf" <<EOF
[containers]
pids_limit = 0
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
log_driver = "k8s-file"
[engine]
runtime = "berth"
cgroup_manager = "cgroupfs"
events_logger = "none"
[engine.runtimes]
berth = ["$RUNTIME"]
EOF

# podman's namespace (lib.sh), with a /dev/shm of its own for its locks.
client_ns_start /dev/shm:1777
PODMAN=(nsenter -t "$HOLDER" -m env CONTAINERS_CONF="$P/containers.conf"
	podman --root "$P/root" --runroot "$P/runroot" --tmpdir "$P/tmp"
	--network-config-dir "$P/net" --storage-driver overlay --log-level error)
t_is "in podman's namespace only berth's cgroup v2 mount is writable" "$CGROUP_ROOT" \
	"$(client_ns_rw_cgroups)"

# busybox, made offline by berth, imported into podman's store.
berth run --rm busybox true || exit 1
tar -C "$(image_layer busybox)" -cf "$ROOT/bb.tar" .
capture pm import "$ROOT/bb.tar" localhost/bb
t_is "podman import of berth's busybox" 0 "$RC"

# run --rm: the output and the exit codes pass through conmon.
capture pm run --rm localhost/bb echo hi
t_is "run --rm: the output, status 0" "0 hi" "$RC $OUT"
capture pm run --rm localhost/bb sh -c 'exit 7'
t_is "run --rm: status 7" 7 "$RC"
capture pm run --rm localhost/bb nosuch
t_is "run --rm of a command that does not exist: status 127" 127 "$RC"
t_match "and podman says so, in runc's words" 'exec: "nosuch": executable file not found in \$PATH' "$ERR"
# A kill from outside: podman kill's SIGKILL, status 128 + 9.
ps_status() { pm ps -a --format '{{.Names}} {{.Status}}' | sed -n "s/^$1 //p"; }
k1_up() { [[ $(ps_status k1) == Up* ]]; }
pm run --rm --name k1 localhost/bb sleep 100 >/dev/null 2>&1 &
run_pid=$!
wait_for 10 k1_up
capture pm kill k1
wait "$run_pid"
krc=$?
t_is "run --rm killed by podman kill: status 137" "0 137" "$RC $krc"
t_is "and it is removed" "" "$(ps_status k1)"

# berth trace on berth-runtime's state DB attributes the kernel's events
# of podman's container to it.
in_ns "$BERTH" --root /run/berth-runtime trace --format json --duration 15 -o - \
	>"$ROOT/trace.json" 2>"$ROOT/trace.err" &
tracer=$!
tracing() { grep -q "tracing" "$ROOT/trace.err"; }
wait_for 10 tracing
tid=$(pm run -d --name tr1 localhost/bb sh -c 'echo traced; sleep 1')
pm wait tr1 >/dev/null 2>&1
kill -INT "$tracer" 2>/dev/null
wait "$tracer"
t_ok "berth trace --root /run/berth-runtime: the exec of podman's container's sh is its own" \
	jq -se --arg id "$tid" 'any(.[]; .type == "exec" and .container_id == $id and .comm == "sh")' "$ROOT/trace.json"
t_ok "and its set-up (the mounts of its root) too" \
	jq -se --arg id "$tid" 'any(.[]; .type == "mount" and .container_id == $id)' "$ROOT/trace.json"
t_ok "and its exit" jq -se --arg id "$tid" 'any(.[]; .type == "exit" and .container_id == $id)' "$ROOT/trace.json"
pm rm tr1 >/dev/null 2>&1

# run -d: logs, exec, the states podman ps shows, inspect.
capture pm run -d --name d1 localhost/bb sh -c 'trap "exit 0" TERM; echo started; sleep 100 & wait'
id=$OUT
t_match "run -d prints the container's id" '^[0-9a-f]{64}$' "$id"
t_match "ps: Up" '^Up ' "$(ps_status d1)"
logged() { [ "$(pm logs d1 2>&1)" = started ]; }
wait_for 5 logged
t_is "logs: what the process wrote" started "$(pm logs d1 2>&1)"
t_is "inspect names the runtime" "berth running" "$(pm inspect --format '{{.OCIRuntime}} {{.State.Status}}' d1)"
pid=$(pm inspect --format '{{.State.Pid}}' d1)
t_is "the init's parent is conmon: no process of berth-runtime stays" conmon \
	"$(cat /proc/"$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status)"/comm)"
t_is "berth-runtime's state DB (/run/berth-runtime in podman's namespace) has it running" "$id running $pid" \
	"$(in_ns "$BERTH" --root /run/berth-runtime list --format json | jq -r '.[] | "\(.id) \(.state) \(.pid)"')"
t_is "berth list names the engine that made it" "podman" \
	"$(in_ns "$BERTH" --root /run/berth-runtime list --format json | jq -r '.[].engine')"
t_match "in the table too" "^${id:0:12} .* podman +sh -c " \
	"$(in_ns "$BERTH" --root /run/berth-runtime list | sed 1d)"
capture pm exec d1 sh -c 'echo inexec; exit 5'
t_is "exec: its output and exit status" "5 inexec" "$RC $OUT"
capture pm exec d1 nosuch
t_is "exec of a command that is not there: status 127, as with runc" 127 "$RC"
capture pm pause d1
t_is "pause" 0 "$RC"
t_is "ps: Paused" Paused "$(ps_status d1)"
t_is "berth-runtime's state DB has it paused" "$id paused" \
	"$(in_ns "$BERTH" --root /run/berth-runtime list --format json | jq -r '.[] | "\(.id) \(.state)"')"
capture pm unpause d1
t_is "unpause" 0 "$RC"
t_match "ps: Up again" '^Up ' "$(ps_status d1)"
capture pm stop -t 5 d1
t_is "stop: SIGTERM reaches the process" 0 "$RC"
t_match "ps: Exited, with the process's status" '^Exited \(0\) ' "$(ps_status d1)"
t_ok "its cgroup is gone" test ! -e "$CGROUP_ROOT/libpod_parent/libpod-$id"
capture pm rm d1
t_is "rm" "0 " "$RC $(ps_status d1)"

# run -t: the container's own terminal, relayed by conmon to the user's.
OUT=$(python3 "$(dirname "$0")/pty-run.py" --rows 40 --cols 100 \
	--input 'tty; test -t 0 && echo stdin-is-a-tty; stty size; exit 3\r' -- \
	"${PODMAN[@]}" run -it --rm localhost/bb sh)
t_match "run -it: the exit code passes through" '^EXIT 3' "$OUT"
t_match "a terminal of the container's devpts, on stdin too" $'\n/dev/pts/0\nstdin-is-a-tty\n' "$OUT"
t_match "the window size is the user's terminal's" $'\n40 100(\n|$)' "$OUT"

# A limit this host's cgroup v2 cannot enforce: refused, saying which
# controller is missing; podman keeps the container as Created, with
# nothing of it in berth-runtime or the cgroup tree.
if grep -qw memory "$CGROUP_ROOT/cgroup.controllers"; then
	t_skip "the cgroup v2 hierarchy has a memory controller"
else
	capture pm run --name m1 --memory 64m localhost/bb true
	t_is "run --memory 64m: refused, status 126" 126 "$RC"
	t_match "and says the memory controller is missing" "cannot enforce the limits: no memory controller in the cgroup v2 hierarchy" "$ERR"
	m1=$(pm inspect --format '{{.Id}}' m1)
	t_is "ps: Created" Created "$(ps_status m1)"
	t_is "no row in berth-runtime's state DB" "" "$(in_ns "$BERTH" --root /run/berth-runtime list -q)"
	t_ok "no cgroup" test ! -e "$CGROUP_ROOT/libpod_parent/libpod-$m1"
	capture pm rm m1
	t_is "rm of it" "0 " "$RC $(ps_status m1)"
fi
if grep -qw pids "$CGROUP_ROOT/cgroup.controllers"; then
	t_skip "the cgroup v2 hierarchy has a pids controller"
else
	capture pm run --rm --pids-limit 100 localhost/bb true
	t_is "run --pids-limit 100: refused, status 126" 126 "$RC"
	t_match "and says the pids controller is missing" "no pids controller in the cgroup v2 hierarchy" "$ERR"
fi

# The end: nothing left of podman's containers, anywhere.
pm run -d --name e1 localhost/bb sleep 100 >/dev/null
capture pm rm -af -t 0
t_is "rm -af" 0 "$RC"
t_is "podman ps -a is empty" "" "$(pm ps -aq)"
t_is "so is berth-runtime's state DB" "" "$(in_ns "$BERTH" --root /run/berth-runtime list -q)"
t_is "no mount of podman's store is left" "" "$(in_ns awk -v p="$P/" 'index($2, p) == 1' /proc/self/mounts)"
t_ok "no conmon or podman of ours is left" wait_for 10 no_ours
pm_cleanup
t_is "no cgroup of podman's is left in cgroup v2" "" "$(find "$CGROUP_ROOT" -maxdepth 2 -name 'libpod*')"
t_is "no cgroup folder was made in a cgroup v1 hierarchy" "" "$(comm -13 <(echo "$v1_before") <(cgroup_v1_dirs))"
t_is "and none named libpod* anywhere in them" "" "$(v1_libpod)"
t_is "the host's /dev/shm/libpod_lock is as it was" "$lock_before" \
	"$(test -e /dev/shm/libpod_lock && echo there || echo absent)"
t_end
