#!/bin/bash
# containerd (1.6) with berth-runtime as the runc binary of its runc v2
# shim, driven by ctr: an OCI image layout made offline and imported, run
# --rm and its exit codes, run -d with the task's states (task ls), exec
# with its output and status, on a terminal too, task ps, pause and
# resume, kill, wait, delete, run -t, a limit the host cannot enforce, and
# containerd's containers in berth-runtime's state DB. containerd runs in a
# mount namespace of its own, where /run is a new tmpfs and every cgroup v1
# hierarchy is read-only: neither it nor its shims may make cgroups there.
. "$(dirname "$0")/lib.sh"
require_root
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
HOLDER=
CD_PID=
# The host's cgroup v1 folders: they must be as they were at the end.
v1_mounts() { awk '$3 == "cgroup" { print $2 }' /proc/self/mounts; }
v1_dirs() { v1_mounts | xargs -r -I{} find {} -maxdepth 1 -type d | sort; }
v1_before=$(v1_dirs)

in_ns() { nsenter -t "$HOLDER" -m "$@"; }
# Every ctr command runs in the holder's mount namespace, where its FIFOs
# (/run/containerd/fifo) are, and never for long.
cr() { timeout 20 nsenter -t "$HOLDER" -m ctr -a "$SOCK" "$@"; }
# berth-runtime's state DB, as the runc shim keeps it.
rt_list() { in_ns "$BERTH" --root /run/containerd/runc/default list "$@"; }
# containerd, its shims and any ctr still running.
ours() { pgrep -f "$CD/" | grep -vx "$$"; }
no_ours() { [ -z "$(ours)" ]; }
# Run by the trap as well: the tasks and containers, containerd, the
# shims, then the holder, whose namespace (and every mount made in it)
# goes with it.
cd_cleanup() {
	local c p
	if [ -n "$CD_PID" ] && kill -0 "$CD_PID" 2>/dev/null; then
		for c in $(cr task ls -q 2>/dev/null); do
			cr task kill -s KILL "$c" >/dev/null 2>&1
		done
		for c in $(cr container ls -q 2>/dev/null); do
			cr task delete -f "$c" >/dev/null 2>&1
			cr container rm "$c" >/dev/null 2>&1
		done
		kill "$CD_PID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$CD_PID" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$CD_PID" 2>/dev/null
		wait "$CD_PID" 2>/dev/null
	fi
	CD_PID=
	wait_for 5 no_ours
	for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
	if [ -n "$HOLDER" ] && kill -0 "$HOLDER" 2>/dev/null; then
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	HOLDER=
	rmdir "$CGROUP_ROOT"/default/* "$CGROUP_ROOT"/default 2>/dev/null
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

# The holder: a private mount namespace with every mount under
# /sys/fs/cgroup read-only but berth's cgroup v2 one, where berth-runtime
# makes the containers' cgroups.
mkfifo "$ROOT/ready"
unshare -m --propagation private bash -c '
	set -e
	mount -t tmpfs -o size=64m,mode=755 berth-test-run /run
	for m in $(awk -v keep="$2" "\$2 ~ /^\/sys\/fs\/cgroup/ && \$2 != keep { print \$2 }" /proc/self/mounts | sort -u); do
		mount -o remount,bind,ro "$m"
	done
	echo ready >"$1"
	exec sleep infinity' ns-holder "$ROOT/ready" "$CGROUP_ROOT" >/dev/null 2>&1 &
HOLDER=$!
read -r -t 10 _ <"$ROOT/ready" || { echo "Bail out! the namespace did not come up"; exit 1; }
t_is "in containerd's namespace only berth's cgroup v2 mount is writable" "$CGROUP_ROOT" \
	"$(in_ns awk '$2 ~ /^\/sys\/fs\/cgroup/ { o[$2] = $4 } END { for (m in o) if (o[m] ~ /^rw/) print m }' /proc/self/mounts)"

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
t_is "ctr image import of berth's busybox as an OCI layout" 0 "$RC"
echo "$OUT" "$ERR"
cr image ls
t_match "ctr image ls has it" "^localhost/bb:latest " "$(cr image ls | sed 1d)"

# run --rm: the output and the exit codes pass through the shim.
run() { cr run --rm --cpu-shares 0 --runc-binary "$RUNTIME" "$@"; }
capture run localhost/bb:latest t1 echo hello
t_is "run --rm: the output, status 0" "0 hello" "$RC $OUT"
echo "$ERR"
capture run localhost/bb:latest t1 sh -c 'exit 7'
t_is "run --rm: status 7" 7 "$RC"
echo "$ERR"
capture cr run --rm --runc-binary "$RUNTIME" localhost/bb:latest t1 true
echo "RC=$RC OUT=$OUT ERR=$ERR"
cr run -d --cpu-shares 0 --runc-binary "$RUNTIME" localhost/bb:latest t2 sh -c 'trap "exit 0" TERM; sleep 100 & wait'
echo rc $?
cr task ls
cr container ls
rt_list
rt_list --format json
cr task exec --exec-id e1 t2 sh -c 'echo x; exit 4'; echo rc $?
cr task exec --exec-id e2 t2 sleep 3 &
sleep 1
cr task ps t2
cr task pause t2; echo rc $?
cr task ls
rt_list
find $CGROUP_ROOT/default
cat $CGROUP_ROOT/default/t2/cgroup.freeze $CGROUP_ROOT/default/t2/cgroup.events
cr task resume t2; echo rc $?
cr task ls
wait
cr task kill -s KILL t2; echo rc $?
cr task wait t2; echo rc $?
cr task ls
cr task delete t2; echo rc $?
cr container rm t2; echo rc $?
rt_list
find $CGROUP_ROOT -maxdepth 2 -name default
cd_cleanup
t_end
