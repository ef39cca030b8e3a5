#!/bin/bash
# berth-runtime on a full cgroup v2 kernel (the VM): the memory, CPU and
# pids limits of a config.json written to the container's cgroup and
# enforced (an OOM kill, a refused fork, throttling), changed by `update`
# (flags and --resources), and reported by `events --stats`; delete
# removes the cgroup. Runs only inside the VM (`make check-vm`).
. "$(dirname "$0")/../system/lib.sh"
require_root
[ -n "${BERTH_VM_DISK:-}" ] || t_skip_all "not inside berth's test VM (run make check-vm)"
RUNTIME=$(dirname "$BERTH")/berth-runtime
[ -x "$RUNTIME" ] || t_skip_all "no berth-runtime next to $BERTH"
command -v jq >/dev/null || t_skip_all "jq is not installed"
t_begin

RT_ROOT=$ROOT/rt
rt() { "$RUNTIME" --root "$RT_ROOT" "$@"; }
T_EXTRA_CLEANUP='for c in $(sqlite3 "$RT_ROOT/state.db" "SELECT id FROM containers" 2>/dev/null); do rt delete -f "$c"; done; rmdir "$CGROUP_ROOT/berth-vm" 2>/dev/null'

berth run --rm busybox true || exit 1
B=$ROOT/bundle
mkdir -p "$B"
cp -a "$(image_layer busybox)" "$B/rootfs"
(cd "$B" && rt spec) || exit 1
# 32 MiB, half a CPU (50 ms of each 100 ms), 16 pids, in berth-vm/lim.
jq '.process.terminal = false | .process.args = ["sleep", "1000"]
	| .linux.cgroupsPath = "/berth-vm/lim"
	| .linux.resources = {"memory": {"limit": 33554432}, "cpu": {"quota": 50000, "period": 100000},
		"pids": {"limit": 16}}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
CG=$CGROUP_ROOT/berth-vm/lim

capture rt create -b "$B" lim </dev/null
t_is "create with memory, CPU and pids limits" 0 "$RC"
t_is "memory.max is the config's limit" 33554432 "$(cat "$CG/memory.max")"
t_is "memory.swap.max is 0: the limit is not stretched by swap" 0 "$(cat "$CG/memory.swap.max" 2>/dev/null || echo 0)"
t_is "cpu.max is quota and period" "50000 100000" "$(cat "$CG/cpu.max")"
t_is "pids.max is the limit" 16 "$(cat "$CG/pids.max")"
capture rt start lim
t_is "start" "0 running" "$RC $(rt state lim | jq -r .status)"

# pids: the 17th process cannot be made.
capture rt exec lim sh -c 'for i in $(seq 30); do sleep 100 & done 2>/dev/null; sleep 0.2; cat /sys/fs/cgroup/pids.current 2>/dev/null || true; kill $(jobs -p) 2>/dev/null; true'
t_ok "pids: forks past 16 were refused" test "$(cat "$CG/pids.events" | awk '/^max / { print $2 }')" -gt 0
# CPU: a busy loop is throttled to half a CPU.
rt exec lim sh -c 'end=$(( $(date +%s) + 2 )); while [ $(date +%s) -lt $end ]; do :; done' >/dev/null 2>&1
t_ok "cpu: the busy loop was throttled" test "$(awk '/^nr_throttled / { print $2 }' "$CG/cpu.stat")" -gt 0
# memory: a process that grows past 32 MiB is OOM-killed, the init goes on.
hog='BEGIN { s = "x"; while (1) s = s s }'
capture rt exec lim awk "$hog"
t_is "memory: the hog is OOM-killed (SIGKILL)" 137 "$RC"
t_ok "memory.events counts the OOM kill" grep -q 'oom_kill [1-9]' "$CG/memory.events"
t_is "the container still runs" running "$(rt state lim | jq -r .status)"

# events --stats: runc's stats event, with the usage and the limits.
capture rt events --stats lim
t_is "events --stats: a stats event of the container" "0 stats lim" \
	"$RC $(jq -r '.type, .id' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_is "with the memory limit, the pids limit, and the OOM kill" "33554432 16 true" \
	"$(jq -r '.data.memory.usage.limit, .data.pids.limit, (.data.memory.raw.oom_kill >= 1)' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_ok "memory usage, CPU time and the pids in use are counted" \
	jq -e '.data.memory.usage.usage > 0 and .data.cpu.usage.total > 0 and .data.pids.current >= 1 and .data.cpu.throttling.throttledPeriods > 0' <<<"$OUT"
# events with an interval: an oom event when the kernel OOM-kills.
rt events --interval 200ms lim >"$ROOT/events" 2>&1 &
ev=$!
sleep 0.5
rt exec lim awk "$hog" >/dev/null 2>&1
wait_for 10 grep -q '"type":"oom"' "$ROOT/events"
kill "$ev" 2>/dev/null
wait "$ev" 2>/dev/null
t_ok "events: an oom event when a process is OOM-killed" grep -q '"type":"oom","id":"lim"' "$ROOT/events"

# update: the flags, then a resources document on stdin.
capture rt update --memory 64m --cpu-quota 20000 --pids-limit 32 lim
t_is "update --memory --cpu-quota --pids-limit" "0 67108864 20000 100000 32" \
	"$RC $(cat "$CG/memory.max") $(cat "$CG/cpu.max") $(cat "$CG/pids.max")"
capture rt update -r - lim <<<'{"memory": {"limit": 50331648}, "cpu": {"quota": -1, "shares": 512}, "pids": {"limit": -1}}'
t_is "update --resources -: memory, no CPU quota, shares as weight, no pids limit" \
	"0 50331648 max 100000 max" \
	"$RC $(cat "$CG/memory.max") $(cat "$CG/cpu.max") $(cat "$CG/pids.max")"
t_ok "cpu.weight follows the shares" test "$(cat "$CG/cpu.weight")" -lt 100
t_is "events --stats reports the new limit" 50331648 "$(rt events --stats lim | jq -r .data.memory.usage.limit)"
capture rt update --memory lots lim
t_is "update with a value that is no size: refused" 1 "$RC"
t_match "and says which" "update: invalid --memory .lots." "$ERR"

capture rt delete -f lim
t_is "delete --force" 0 "$RC"
t_ok "its cgroup is gone" test ! -e "$CG"
t_ok "and the parent create made" test ! -e "$CGROUP_ROOT/berth-vm"
t_end
