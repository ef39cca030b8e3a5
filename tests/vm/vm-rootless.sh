#!/bin/bash
# Rootless berth in a delegated cgroup v2 subtree (the VM, whose kernel has
# every controller): a user of the test's own gets a cgroup of theirs, as
# systemd's Delegate= or an administrator's chown gives one, and runs berth
# from inside it. The limits are written and enforced, freeze and thaw
# work, stop ends the container through cgroup.kill. Runs only inside the
# VM (`make check-vm`).
. "$(dirname "$0")/../system/lib.sh"
require_root
[ -n "${BERTH_VM_DISK:-}" ] || t_skip_all "not inside berth's test VM (run make check-vm)"
for tool in newuidmap setpriv useradd usermod userdel; do
	command -v "$tool" >/dev/null || t_skip_all "needs $tool"
done
t_begin

# The user's files on the VM's ext4 disk: its tmpfs has no user.* xattrs,
# which a rootless overlay keeps its metadata in.
RL=$BERTH_VM_DISK/rl-$$
mkdir -p "$RL/bin"
chmod 755 "$RL" "$RL/bin"
cp "$BERTH" "$BERTH_SUPERVISOR" "$(dirname "$BERTH_SUPERVISOR")/berth-stage" "$RL/bin/"
U=berth-vmrl-$$
DELEGATED=$CGROUP_ROOT/rl-$$
rl_cleanup() {
	local uid pids
	if uid=$(id -u "$U" 2>/dev/null); then
		pids=$(pgrep -u "$uid")
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		for _ in $(seq 50); do pgrep -u "$uid" >/dev/null || break; sleep 0.1; done
		userdel "$U" 2>/dev/null
		rm -rf "/tmp/berth-$uid"
	fi
	local cg
	for cg in $(find "$DELEGATED" -mindepth 1 -type d 2>/dev/null | sort -r); do rmdir "$cg"; done
	rmdir "$DELEGATED" 2>/dev/null
	rm -rf "$RL"
}
T_EXTRA_CLEANUP=rl_cleanup
[ -e /etc/subuid ] || : >/etc/subuid
[ -e /etc/subgid ] || : >/etc/subgid
useradd -M -d "$RL/home" -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$U" || t_skip_all "useradd failed"
usermod --add-subuids 2000000000-2000065535 --add-subgids 2000000000-2000065535 "$U"
mkdir -m 700 "$RL/home"
chown "$U:$U" "$RL/home"
UID1=$(id -u "$U")

# The delegation: a cgroup whose folder and cgroup.procs,
# cgroup.subtree_control and cgroup.threads are the user's; the user's
# commands run in a leaf of it (a cgroup with processes cannot give its
# children controllers).
mkdir "$DELEGATED" "$DELEGATED/shell"
chown "$U" "$DELEGATED" "$DELEGATED"/cgroup.{procs,subtree_control,threads} \
	"$DELEGATED/shell" "$DELEGATED"/shell/cgroup.{procs,subtree_control,threads}
b() {
	(echo "$BASHPID" >"$DELEGATED/shell/cgroup.procs" && cd / &&
		exec setpriv --reuid="$U" --regid="$U" --init-groups env -i HOME="$RL/home" \
			PATH=/usr/bin:/bin "$RL/bin/berth" "$@")
}

t_is "a rootless run in the delegated subtree" 0 "$(b run --rm busybox id -u)"
capture b run -d --name lim -m 32m --pids-limit 16 --cpus 0.5 busybox sleep 1000
t_is "run -d with memory, pids and CPU limits" 0 "$RC"
CG=$(b status lim | awk '/^Cgroup:/ { print $2 }')
t_is "its cgroup is below the delegated one" "$DELEGATED/berth/$OUT" "$CG"
t_is "the user owns it" "$UID1" "$(stat -c %u "$CG" 2>/dev/null)"
t_is "memory.max" 33554432 "$(cat "$CG/memory.max" 2>/dev/null)"
t_is "pids.max" 16 "$(cat "$CG/pids.max" 2>/dev/null)"
t_is "cpu.max" "50000 100000" "$(cat "$CG/cpu.max" 2>/dev/null)"
b exec lim sh -c 'for i in $(seq 30); do sleep 100 & done 2>/dev/null; sleep 0.2; kill $(jobs -p) 2>/dev/null; true' >/dev/null 2>&1
t_ok "pids: forks past 16 were refused" test "$(awk '/^max / { print $2 }' "$CG/pids.events" 2>/dev/null)" -gt 0
b exec lim sh -c 'end=$(( $(date +%s) + 2 )); while [ $(date +%s) -lt $end ]; do :; done' >/dev/null 2>&1
t_ok "cpu: a busy loop was throttled" test "$(awk '/^nr_throttled / { print $2 }' "$CG/cpu.stat" 2>/dev/null)" -gt 0
capture b exec lim awk 'BEGIN { s = "x"; while (1) s = s s }'
t_is "memory: a process past 32 MiB is OOM-killed" 137 "$RC"
capture b update --memory 64m lim
t_is "update changes a limit" "0 67108864" "$RC $(cat "$CG/memory.max" 2>/dev/null)"

capture b freeze lim
t_is "freeze" 0 "$RC"
t_is "cgroup.events says frozen" "frozen 1" "$(grep frozen "$CG/cgroup.events" 2>/dev/null)"
t_match "status says paused" "State: +paused" "$(b status lim)"
capture b thaw lim
t_is "thaw" "0 frozen 0" "$RC $(grep frozen "$CG/cgroup.events" 2>/dev/null)"
capture b stop -t 1 lim
t_is "stop: the grace period, then cgroup.kill" 0 "$RC"
t_match "it is exited" "State: +exited" "$(b status lim)"
t_ok "its cgroup is gone" test ! -d "$CG"
capture b run --rm -m 16m busybox awk 'BEGIN { s = "x"; while (1) s = s s }'
t_is "a container OOM-killed whole: exit 137" 137 "$RC"
# Another user's process, seen through --pid host (which a delegated
# cgroup allows: it ends all of the container's processes): out of reach.
U2=berth-vmrl2-$$
useradd -M -d / -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$U2" &&
	T_EXTRA_CLEANUP="rl_cleanup; pkill -KILL -u $U2; userdel $U2"
(setpriv --reuid="$U2" --regid="$U2" --init-groups sleep 1000 &) 2>/dev/null
wait_for 5 pgrep -u "$U2" -x sleep >/dev/null
victim=$(pgrep -u "$U2" -x sleep | head -1)
capture b run --rm --pid host busybox sh -c "ps -o pid,comm | grep -c 'sleep'; kill -9 $victim"
t_ok "with --pid host the container sees the host's processes" test "${OUT:-0}" -ge 1
t_ok "but cannot signal another user's" kill -0 "$victim"
kill -KILL "$victim" 2>/dev/null
b rm -f lim >/dev/null
t_is "nothing of the user's is left in the subtree" "" \
	"$(find "$DELEGATED/berth" -mindepth 1 -type d 2>/dev/null)"
t_end
