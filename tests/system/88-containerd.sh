#!/bin/bash
# containerd (1.6) with berth-runtime as the runc binary of its runc v2
# shim, driven by ctr: an OCI image layout made offline and imported, run
# --rm and its exit codes, run -d with the task's states (task ls), exec
# with its output and status, on a terminal too, task ps, pause and
# resume, kill and the status it leaves, delete, run -t, a limit the host
# cannot enforce, and containerd's containers in berth-runtime's state DB. containerd runs in a
# mount namespace of its own, where /run is a new tmpfs and every cgroup v1
# hierarchy is read-only: neither it nor its shims may make cgroups there.
. "$(dirname "$0")/lib.sh"
require_root
# A slow suite runs once per CI run, in the plain build (tests/ci-extra.sh
# sets this for the ASan build's run).
[ -z "${BERTH_SLOW_SUITES_DONE:-}" ] || t_skip_all "a slow suite: run once, in the plain build"
RUNTIME=$(cd "$(dirname "$BERTH")" && pwd)/berth-runtime
[ -x "$RUNTIME" ] || t_skip_all "no berth-runtime next to $BERTH"
for c in containerd ctr containerd-shim-runc-v2; do
	command -v "$c" >/dev/null || t_skip_all "$c is not installed"
done
command -v jq >/dev/null || t_skip_all "jq is not installed"
[ -n "$CGROUP_ROOT" ] || t_skip_all "no cgroup v2 hierarchy"
t_begin

# containerd's sockets live in here: a unix socket's path has at most 107
# bytes, so a long $ROOT gets a short folder of its own.
CD=${ROOT:?}/cd
if [ ${#ROOT} -gt 40 ]; then
	CD=$(mktemp -d /tmp/berth-cd.XXXXXX)
fi
SOCK=$CD/containerd.sock
# containerd's namespace, of this run only: the shim gives berth-runtime
# cgroupsPath /NS/ID, so the cgroups made under $CGROUP_ROOT are ours.
NS=berth-test-$$
HOLDER=
CD_PID=
# The host's cgroup v1 folders: they must be as they were at the end.
v1_ours() { cgroup_v1_mounts | xargs -r -I{} find {} -name "$NS" -print -quit; }
v1_before=$(cgroup_v1_dirs)

in_ns() { nsenter -t "$HOLDER" -m "$@"; }
# Every ctr command runs in the holder's mount namespace, where its FIFOs
# (/run/containerd/fifo) are, and never for long.
CTR=(ctr -a "$SOCK" -n "$NS")
cr() { timeout 20 nsenter -t "$HOLDER" -m "${CTR[@]}" "$@"; }
# berth-runtime's state DB, as the runc shim keeps it.
rt_list() { in_ns "$BERTH" --root "/run/containerd/runc/$NS" list "$@"; }
# containerd, its shims and any ctr still running.
ours() { pgrep -f "$CD/" | grep -vx "$$"; }
no_ours() { [ -z "$(ours)" ]; }
# Not there, or a zombie of ours that no one has waited for yet.
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*zombie' "/proc/$1/status" 2>/dev/null; }
cg_empty() { [ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }
no_shims() { ! pgrep -f "containerd-shim.* -address $SOCK" >/dev/null; }
# Run by the trap as well: the tasks and containers, containerd, the
# shims, then the holder, whose namespace (and every mount made in it)
# goes with it.
cd_cleanup() {
	local c p cg
	if [ -n "$CD_PID" ] && kill -0 "$CD_PID" 2>/dev/null; then
		for c in $(cr task ls -q 2>/dev/null); do
			cr task kill -s KILL "$c" >/dev/null 2>&1
		done
		for c in $(cr container ls -q 2>/dev/null); do
			cr task delete -f "$c" >/dev/null 2>&1
			cr container rm "$c" >/dev/null 2>&1
		done
		kill "$CD_PID" 2>/dev/null
		wait_for 10 gone "$CD_PID" || kill -KILL "$CD_PID" 2>/dev/null
	fi
	[ -n "$CD_PID" ] && wait "$CD_PID" 2>/dev/null
	CD_PID=
	wait_for 5 no_ours
	for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
	if [ -n "$HOLDER" ] && kill -0 "$HOLDER" 2>/dev/null; then
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	HOLDER=
	# A container whose shim was killed: its processes, then its cgroup.
	for cg in "$CGROUP_ROOT/$NS"/*/; do
		[ -d "$cg" ] || continue
		echo 1 >"$cg/cgroup.kill" 2>/dev/null
		wait_for 5 cg_empty "$cg"
		rmdir "$cg" 2>/dev/null
	done
	rmdir "$CGROUP_ROOT/$NS" 2>/dev/null
	[ "$CD" != "$ROOT/cd" ] && rm -rf "$CD"
	return 0
}
trap 'cd_cleanup; t_cleanup' EXIT

mkdir -p "$CD"
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF

# containerd's namespace (lib.sh).
client_ns_start
t_is "in containerd's namespace only berth's cgroup v2 mount is writable" "$CGROUP_ROOT" \
	"$(client_ns_rw_cgroups)"

nsenter -t "$HOLDER" -m containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CD_PID=$!
cd_up() { cr version >/dev/null 2>&1; }
if ! wait_for 15 cd_up; then
	sed 's/^/# /' "$CD/containerd.log" | tail -n 20
	echo "Bail out! containerd did not come up"
	exit 1
fi
t_ok "containerd is up on its own socket" true

# busybox, made offline by berth, as an OCI image layout: one gzipped
# layer, its config, a manifest and the index that names it.
berth run --rm busybox true || exit 1
I=$CD/image
mkdir -p "$I/blobs/sha256"
tar -C "$(image_layer busybox)" -cf "$CD/layer.tar" .
diff_id=$(sha256sum <"$CD/layer.tar" | cut -d' ' -f1)
gzip -n <"$CD/layer.tar" >"$CD/layer.tar.gz"
# blob FILE: moves FILE into the layout, prints its digest and size.
blob() {
	local d
	d=$(sha256sum <"$1" | cut -d' ' -f1)
	echo "$d $(stat -c %s "$1")"
	mv "$1" "$I/blobs/sha256/$d"
}
read -r layer layer_size < <(blob "$CD/layer.tar.gz")
rm -f "$CD/layer.tar"
jq -cn --arg d "sha256:$diff_id" '{architecture: "amd64", os: "linux",
	config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"]},
	rootfs: {type: "layers", diff_ids: [$d]}}' >"$CD/config.json"
read -r config config_size < <(blob "$CD/config.json")
jq -cn --arg c "sha256:$config" --argjson cs "$config_size" --arg l "sha256:$layer" --argjson ls "$layer_size" '{
	schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
	layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$CD/manifest.json"
read -r manifest manifest_size < <(blob "$CD/manifest.json")
jq -cn --arg m "sha256:$manifest" --argjson ms "$manifest_size" '{schemaVersion: 2,
	manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
		annotations: {"io.containerd.image.name": "localhost/bb:latest", "org.opencontainers.image.ref.name": "latest"}}]}' >"$I/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$I/oci-layout"
tar -C "$I" -cf "$CD/bb.tar" oci-layout index.json blobs
capture cr image import "$CD/bb.tar"
t_is "ctr image import of berth's busybox as an OCI image layout" 0 "$RC"
t_match "ctr image ls: under the name its index gives, for linux/amd64" \
	"^localhost/bb:latest application/vnd.oci.image.manifest.v1\+json sha256:$manifest .* linux/amd64 " \
	"$(cr image ls | sed 1d | tr -s ' ')"

# Every container runs with berth-runtime as the shim's runc, and without
# ctr's default of 1024 CPU shares: this host's cgroup v2 has no cpu
# controller, and berth-runtime refuses a limit it cannot enforce.
IMG=localhost/bb:latest
RUN=(run --runc-binary "$RUNTIME" --cpu-shares 0)
task_status() { cr task ls | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { cr task ls | awk -v id="$1" '$1 == id { print $2 }'; }

# run --rm: the output and the exit codes pass through the shim.
capture cr "${RUN[@]}" --rm "$IMG" r1 echo hello
t_is "run --rm: the output, status 0" "0 hello" "$RC $OUT"
capture cr "${RUN[@]}" --rm "$IMG" r1 sh -c 'exit 7'
t_is "run --rm: status 7" 7 "$RC"
capture cr "${RUN[@]}" --rm "$IMG" r1 nosuch
t_is "run --rm of a command that does not exist: refused" 1 "$RC"
t_match "in runc's words, through the shim" 'OCI runtime create failed: .*exec: "nosuch": executable file not found in \$PATH' "$ERR"
t_is "and nothing is left of it: no container, no row in berth-runtime's state DB" " " \
	"$(cr container ls -q) $(rt_list -q)"
# A kill from outside: ctr task kill's SIGKILL, status 128 + 9.
k1_up() { [ "$(task_status k1)" = RUNNING ]; }
cr "${RUN[@]}" --rm "$IMG" k1 sleep 100 >/dev/null 2>&1 &
run_pid=$!
wait_for 10 k1_up
capture cr task kill -s KILL k1
wait "$run_pid"
krc=$?
t_is "run --rm killed by ctr task kill -s KILL: status 137" "0 137" "$RC $krc"
t_is "and it is removed" "" "$(cr container ls -q)"

# run -d: the task's states, exec, ps, pause and resume, kill, delete.
capture cr "${RUN[@]}" -d "$IMG" d1 sh -c 'sleep 100 & wait'
t_is "run -d" "0 " "$RC $OUT"
t_is "task ls: RUNNING" RUNNING "$(task_status d1)"
pid=$(task_pid d1)
t_is "the init's parent is the shim: no process of berth-runtime stays" containerd-shim \
	"$(cat /proc/"$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status)"/comm)"
rt_json() { rt_list --format json | jq -r '.[] | "\(.id) \(.engine) \(.state) \(.pid) \(.cgroup)"'; }
t_is "berth-runtime's state DB (/run/containerd/runc/NS in containerd's namespace) has it running, made by containerd" \
	"d1 containerd running $pid $CGROUP_ROOT/$NS/d1" "$(rt_json)"
t_match "in berth list's table too" "^d1 +d1 .* containerd +sh -c sleep 100 & wait +running +$pid " \
	"$(rt_list | sed 1d)"
capture cr task exec --exec-id e1 d1 sh -c 'echo inexec; exit 4'
t_is "task exec: its output and exit status" "4 inexec" "$RC $OUT"
cr task exec --exec-id e2 d1 sleep 2 >/dev/null 2>&1 &
exec_pid=$!
e2_up() { cr task ps d1 | grep -q 'ExecID:e2'; }
wait_for 10 e2_up
ps_out=$(cr task ps d1 | sed 1d)
t_match "task ps: the init" $'(^|\n)'"$pid " "$ps_out"
t_match "and the exec's process" $'(^|\n)''[0-9]+ +&ProcessDetails\{ExecID:e2,' "$ps_out"
wait "$exec_pid"
t_is "which ends with status 0" 0 "$?"
OUT=$(python3 "$(dirname "$0")/pty-run.py" --rows 30 --cols 90 \
	--input 'tty; test -t 0 && echo stdin-is-a-tty; stty size; exit 3\r' -- \
	nsenter -t "$HOLDER" -m "${CTR[@]}" task exec -t --exec-id e3 d1 sh)
t_match "task exec -t: the exit code passes through" '^EXIT 3' "$OUT"
t_match "a terminal of the container's devpts, on stdin too" $'\n/dev/pts/0\nstdin-is-a-tty\n' "$OUT"
t_match "the window size is the user's terminal's" $'\n30 90(\n|$)' "$OUT"
capture cr task pause d1
t_is "task pause" 0 "$RC"
t_is "task ls: PAUSED" PAUSED "$(task_status d1)"
t_is "berth-runtime's state DB has it paused" "d1 paused" "$(rt_list --format json | jq -r '.[] | "\(.id) \(.state)"')"
t_is "its cgroup is frozen" "frozen 1" "$(grep '^frozen' "$CGROUP_ROOT/$NS/d1/cgroup.events")"
capture cr task resume d1
t_is "task resume" 0 "$RC"
t_is "task ls: RUNNING again" RUNNING "$(task_status d1)"
t_is "thawed" "frozen 0" "$(grep '^frozen' "$CGROUP_ROOT/$NS/d1/cgroup.events")"
capture cr task kill -s KILL d1
t_is "task kill -s KILL" 0 "$RC"
d1_stopped() { [ "$(task_status d1)" = STOPPED ]; }
wait_for 10 d1_stopped
t_is "task ls: STOPPED" STOPPED "$(task_status d1)"
capture cr task delete d1
t_is "task delete" 0 "$RC"
t_match "reports the exit status 137" "task d1 exit with non-zero exit code 137" "$ERR"
t_is "berth-runtime's state DB has no row left" "" "$(rt_list -q)"
t_ok "the cgroup is gone" test ! -e "$CGROUP_ROOT/$NS/d1"
capture cr container rm d1
t_is "container rm" "0 " "$RC $(cr container ls -q)"

# run -t: the container's own terminal, relayed by the shim to the user's.
OUT=$(python3 "$(dirname "$0")/pty-run.py" --rows 40 --cols 100 \
	--input 'tty; test -t 0 && echo stdin-is-a-tty; stty size; exit 5\r' -- \
	nsenter -t "$HOLDER" -m "${CTR[@]}" "${RUN[@]}" --rm -t "$IMG" t1 sh)
t_match "run -t: the exit code passes through" '^EXIT 5' "$OUT"
t_match "a terminal of the container's devpts, on stdin too" $'\n/dev/pts/0\nstdin-is-a-tty\n' "$OUT"
t_match "the window size is the user's terminal's" $'\n40 100(\n|$)' "$OUT"

# ctr's default of 1024 CPU shares, which this host's cgroup v2 cannot
# enforce: refused, saying which controller is missing, with nothing of it
# left in berth-runtime or the cgroup tree.
if grep -qw cpu "$CGROUP_ROOT/cgroup.controllers"; then
	t_skip "the cgroup v2 hierarchy has a cpu controller"
else
	capture cr run --runc-binary "$RUNTIME" --rm "$IMG" c1 true
	t_is "run with ctr's default --cpu-shares 1024: refused" 1 "$RC"
	t_match "and says the cpu controller is missing" "OCI runtime create failed: cannot enforce the limits: no cpu controller in the cgroup v2 hierarchy" "$ERR"
	t_is "no container, no row in berth-runtime's state DB" " " "$(cr container ls -q) $(rt_list -q)"
	t_ok "no cgroup" test ! -e "$CGROUP_ROOT/$NS/c1"
fi

# The end: nothing left of containerd's containers, anywhere.
t_is "ctr task ls and container ls are empty" " " "$(cr task ls -q) $(cr container ls -q)"
t_is "so is berth-runtime's state DB" "" "$(rt_list -q)"
t_is "no mount of containerd's state is left" "" "$(in_ns awk -v p="$CD/" 'index($2, p) == 1' /proc/self/mounts)"
t_ok "no shim is left once the tasks are deleted" wait_for 5 no_shims
t_is "berth-runtime removed the cgroups it made, and their parent, /NS" "" "$(find "$CGROUP_ROOT" -maxdepth 2 -name "$NS")"
kill "$CD_PID"
t_ok "containerd stops on SIGTERM" wait_for 10 gone "$CD_PID"
t_ok "and nothing of ours is left running: no containerd, no shim, no ctr" wait_for 5 no_ours
cd_cleanup
t_is "no cgroup folder was made in a cgroup v1 hierarchy" "" "$(comm -13 <(echo "$v1_before") <(cgroup_v1_dirs))"
t_is "and none named NS anywhere in them" "" "$(v1_ours)"
t_end
