# shellcheck shell=bash
# oci_bundle DIR ROOTFS: an OCI bundle for runc and crun in DIR: ROOTFS
# read-only, /bin/true, and berth's namespaces (pid, network, ipc, uts,
# mount, cgroup). Sourced by lib.sh and vm-latency.sh.
oci_bundle()
{
	local dir=$1 rootfs=$2
	mkdir -p "$dir"
	(cd "$dir" && runc spec) || return 1
	jq --arg rf "$rootfs" '
		.root = {path: $rf, readonly: true}
		| .process.terminal = false
		| .process.args = ["/bin/true"]
		| .linux.namespaces = [{type:"pid"},{type:"network"},{type:"ipc"},
		                       {type:"uts"},{type:"mount"},{type:"cgroup"}]' \
		"$dir/config.json" >"$dir/config.json.new" &&
		mv "$dir/config.json.new" "$dir/config.json"
}
