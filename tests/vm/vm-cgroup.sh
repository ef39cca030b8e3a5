#!/bin/bash
# The test VM is what the resource-limit tests need: a pure cgroup v2
# hierarchy at /sys/fs/cgroup with the memory, cpu, io, pids and cpuset
# controllers, a real block device for io.max, and berth itself working
# there (OverlayFS, namespaces, pivot_root). Runs only inside the VM
# (`make check-vm`), which sets BERTH_VM_DISK.
. "$(dirname "$0")/../system/lib.sh"
require_root
[ -n "${BERTH_VM_DISK:-}" ] || t_skip_all "not inside berth's test VM (run make check-vm)"
t_begin

t_is "cgroup2 is mounted at /sys/fs/cgroup" cgroup2fs "$(stat -f -c %T /sys/fs/cgroup)"
t_is "and the tests find it there" /sys/fs/cgroup "$CGROUP_ROOT"
t_ok "there is no hybrid v1 hierarchy" test ! -e /sys/fs/cgroup/unified
controllers=" $(cat /sys/fs/cgroup/cgroup.controllers) "
enabled=" $(cat /sys/fs/cgroup/cgroup.subtree_control) "
for c in memory cpu io pids cpuset; do
	t_match "the $c controller is available" " $c " "$controllers"
	t_match "and enabled for children of the root" " $c " "$enabled"
done
probe=$CGROUP_ROOT/berth-vm-probe.$$
T_EXTRA_CLEANUP="rmdir $probe 2>/dev/null"
mkdir "$probe"
for f in memory.max cpu.max io.max pids.max cpuset.cpus cgroup.freeze cgroup.kill; do
	t_ok "a child cgroup has $f" test -e "$probe/$f"
done
rmdir "$probe"

t_ok "BERTH_VM_DISK is a mounted ext4 filesystem" \
	test "$(awk -v d="$BERTH_VM_DISK" '$2 == d { print $3 }' /proc/mounts)" = ext4
t_match "BERTH_VM_DISK_DEV is a major:minor" '^[0-9]+:[0-9]+$' "${BERTH_VM_DISK_DEV:-}"
t_ok "and that device is in /sys/block/*/dev" grep -qx "${BERTH_VM_DISK_DEV:-none}" /sys/block/*/dev
t_is "the disk's device is the one mounted there" "$BERTH_VM_DISK_DEV" \
	"$(mountpoint -d "$BERTH_VM_DISK")"
t_ok "the disk is writable" sh -c "echo x >'$BERTH_VM_DISK/probe' && rm '$BERTH_VM_DISK/probe'"
t_is "/tmp can hold an OverlayFS upper dir (tmpfs)" tmpfs "$(stat -f -c %T /tmp)"

capture berth run --rm busybox echo hi
t_is "berth run --rm busybox echo hi works in the VM" "0 hi" "$RC $OUT"
t_is "and says nothing on stderr" "" "$ERR"

# A detached container gets its own cgroup under the v2 root.
capture berth run -d --name cg busybox sleep 60
id=$OUT
t_ok "the container has its cgroup at \$CGROUP_ROOT/berth/<id>" test -d "$CGROUP_ROOT/berth/$id"
pid=$(db "SELECT pid FROM containers WHERE id='$id'")
t_is "its process is in that cgroup" "0::/berth/$id" "$(grep '^0::' "/proc/$pid/cgroup")"
berth rm -f cg >/dev/null
t_ok "rm -f removes its cgroup" test ! -d "$CGROUP_ROOT/berth/$id"

# berth exec on a cgroup2 mounted with nsdelegate, as systemd mounts it:
# there the kernel places a process in a cgroup only for a caller that
# sees both its old and its new cgroup from its own cgroup namespace.
t_match "cgroup2 is mounted with nsdelegate here" nsdelegate \
	"$(awk '$2 == "/sys/fs/cgroup" { print $4 }' /proc/mounts)"
berth run -d --name ex busybox sleep 60 >/dev/null
capture berth exec ex cat /proc/self/cgroup
t_is "exec runs in the container's cgroup, seen from its cgroup namespace" "0 0::/" "$RC $OUT"
t_is "and says nothing on stderr" "" "$ERR"
berth run -d --name exu --userns auto busybox sleep 60 >/dev/null
capture berth exec exu sh -c 'id -u; cat /proc/self/cgroup'
t_is "the same with a user namespace" "0 0"$'\n'"0::/" "$RC $OUT"
berth rm -f ex exu >/dev/null

t_end
