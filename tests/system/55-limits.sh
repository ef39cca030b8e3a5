#!/bin/bash
# Resource limits. Everywhere: bad values are refused. On a host whose
# cgroup v2 hierarchy lacks a controller (a hybrid host): the limit is
# refused before anything is made. Where the controllers exist (the VM of
# tests/vm): each limit is enforced, measured by a test that would fail
# without it.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

# Inside the VM, keep the containers' storage on the test disk so that
# io.max applies to a real block device.
if [ -n "${BERTH_VM_DISK:-}" ]; then
	rm -rf "$ROOT"
	ROOT=$(mktemp -d "$BERTH_VM_DISK/berth-test.XXXXXX")
	export BERTH_ROOT=$ROOT
fi

snapshot_sum() { (cd "$ROOT" && find . -path ./run -prune -o -print | sort; db .dump 2>/dev/null) | md5sum; }
berth image create busybox >/dev/null
before=$(snapshot_sum)

bad() {
	local desc=$1 re=$2
	shift 2
	capture berth run --rm "$@" busybox true
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: says why" "^berth: $re" "$ERR"
}
bad "negative memory" 'invalid --mem `-5M`' -m -5M
bad "unknown unit" 'invalid --mem `1Q`' --mem 1Q
bad "overflowing size" 'invalid --mem `99999999999999999999`' -m 99999999999999999999
bad "tiny memory" 'invalid --mem `5`' -m 5
bad "bad quota" 'invalid --cpu `abc`' -C abc
bad "bad --cpus" 'invalid --cpus `0`' --cpus 0
bad "shares out of range" 'invalid --cpu-shares `1`' --cpu-shares 1
bad "weight out of range" 'invalid --cpu-weight `10001`' --cpu-weight 10001
bad "pids limit 0" 'invalid --pids-limit `0`' --pids-limit 0
bad "bad io rate" 'invalid --io-write-bps `fast`' -w fast
bad "bad cpu list" 'invalid --cpuset-cpus `3-1`' --cpuset-cpus 3-1
bad "bad pin cpu" 'invalid --pin-cpu `x`' --pin-cpu=x
bad "rt priority out of range" 'invalid --rt-priority `100`' --pin-cpu --rt-priority 100
bad "rt priority without pin" '--rt-priority needs --pin-cpu' --rt-priority 5
bad "swap below memory" '--memory-swap must be at least --mem' -m 100M --memory-swap 50M
bad "io device that is not a block device" '--io-device `/etc/passwd` is not a block device' -w 1M --io-device /etc/passwd
t_is "bad limits leave the DB and the files as they were" "$before" "$(snapshot_sum)"

have() { grep -qw "$1" "$CGROUP_ROOT/cgroup.controllers"; }

if ! have memory; then
	capture berth run --rm --name nomem -m 50M busybox true
	t_is "on this host --mem cannot be enforced: refused, exit 125" 125 "$RC"
	t_match "naming the missing controller and the way to get it" \
		'no memory controller .*unified_cgroup_hierarchy=1' "$ERR"
	capture berth run -d --name noio -w 1M -C 20000 busybox true
	t_match "several missing controllers are all named" 'no cpu, io controllers' "$ERR"
	t_is "nothing is left behind" "$before" "$(snapshot_sum)"
	t_is "not even a supervisor was started" "" "$(pgrep -f "berth-supervisor --root $ROOT ")"
	capture berth update --mem 10M nosuch
	t_is "update of an unknown container fails" 125 "$RC"
	t_end
fi

state() { db "SELECT state FROM containers WHERE name='$1'"; }
cg() { echo "$CGROUP_ROOT/berth/$(db "SELECT id FROM containers WHERE name='$1'")"; }

# Memory: past --mem the kernel's OOM killer ends the container, and berth says so.
# awk doubles a string until the kernel's OOM killer stops it.
hog='BEGIN { s = "x"; while (1) s = s s }'
capture berth run --name oom -m 20M busybox awk "$hog"
t_is "a container allocating past --mem is killed (137)" 137 "$RC"
t_is "the DB records the OOM kill" "exited|137|1" "$(db "SELECT state, exit_code, oom_killed FROM containers WHERE name='oom'")"
t_match "list says so" 'oom +busybox .* exited \(137, oom\)' "$(berth list)"
t_match "status says so" 'OOM killed: +yes' "$(berth status oom)"
t_ok "the killed awk left the DB consistent (no error recorded)" test -z "$(db "SELECT error FROM containers WHERE name='oom'")"
# A process of a running container is OOM-killed; the container goes on.
berth run -d --name oom2 -m 20M busybox sh -c "awk '$hog'; echo survived > /tmp/s; sleep 1000" >/dev/null
wait_for 30 sh -c "grep -q 'oom_kill [1-9]' $(cg oom2)/memory.events"
t_is "after a process was OOM-killed the container still runs" running "$(state oom2)"
t_match "status shows the OOM kill in its usage" 'OOM kills [1-9]' "$(berth status oom2)"
t_is "memory.max is the limit" 20971520 "$(cat "$(cg oom2)/memory.max")"
t_is "memory.swap.max is 0 without --memory-swap" 0 "$(cat "$(cg oom2)/memory.swap.max" 2>/dev/null || echo 0)"
capture berth update --mem 30M oom2
t_is "update changes the limit of a running container" "0 31457280" "$RC $(cat "$(cg oom2)/memory.max")"
t_match "and keeps it in config.json" '"limit": 31457280' "$(cat "$ROOT/containers/$(db "SELECT id FROM containers WHERE name='oom2'")/config.json")"
berth rm -f oom2 oom >/dev/null
# /tmp's cap follows the limit: half of it, so that a full /tmp ends in
# ENOSPC rather than in the OOM killer (its pages count against memory.max).
capture berth run --rm -m 64M busybox sh -c 'df -k /tmp | awk "NR>1 {print \$2}"; dd if=/dev/zero of=/tmp/f bs=1M count=40; echo alive'
t_is "-m 64M: /tmp is 32 MiB, and a process writing past it lives on" "32768 alive" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
t_match "writing past it: ENOSPC" 'No space left on device' "$ERR"
t_is "--tmpfs /tmp:size= wins over the limit" 49152 \
	"$(berth run --rm -m 64M --tmpfs /tmp:size=48m busybox sh -c 'df -k /tmp | awk "NR>1 {print \$2}"')"

# CPU: a busy loop under --cpu 20000 gets about 20% of one CPU.
berth run -d --name cpu -C 20000 busybox sh -c 'while :; do :; done' >/dev/null
sleep 1
u1=$(awk '/^usage_usec/{print $2}' "$(cg cpu)/cpu.stat")
t1=$(date +%s%N)
sleep 4
u2=$(awk '/^usage_usec/{print $2}' "$(cg cpu)/cpu.stat")
t2=$(date +%s%N)
pct=$(( (u2 - u1) * 100000 / ((t2 - t1) / 1000) ))
t_diag "busy loop under --cpu 20000: $((pct / 1000)).$((pct % 1000 / 100))% of a CPU"
t_ok "it gets between 15% and 25% of a CPU" test "$pct" -ge 15000 -a "$pct" -le 25000
t_is "cpu.max" "20000 100000" "$(cat "$(cg cpu)/cpu.max")"
t_match "status shows the limit and the throttling" 'throttled [0-9.]+ s in [1-9]' "$(berth status cpu)"
berth rm -f cpu >/dev/null
berth run -d --name shares --cpu-shares 512 busybox sleep 100 >/dev/null
t_is "--cpu-shares 512 becomes cpu.weight 20 (runc's formula)" 20 "$(cat "$(cg shares)/cpu.weight")"
berth rm -f shares >/dev/null

# pids: a fork loop stops at --pids-limit.
# A subshell forks until it cannot (busybox sh gives up at the first
# failed fork); the parent counts with builtins only, then reads the
# cgroup's own count of refused forks.
capture berth run --rm --pids-limit 10 busybox sh -c '(i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done) 2>/dev/null; set -- /proc/[0-9]*; echo $#; cat /sys/fs/cgroup/pids.events'
t_diag "processes seen at the limit: $(head -1 <<<"$OUT"); $(tail -1 <<<"$OUT")"
t_ok "a fork loop stops at the limit (saw $(head -1 <<<"$OUT") processes)" test "$(head -1 <<<"$OUT")" -le 10
t_match "the cgroup counted the refused forks" '^max [1-9]' "$(tail -1 <<<"$OUT")"

# io: dd with O_DIRECT under --io-write-bps 1048576 writes at about 1 MB/s.
# io: dd with O_DIRECT under --io-write-bps 1048576 writes at about 1 MB/s.
# Timed inside the container, so that its start-up does not count.
# busybox date has no %N: /proc/uptime gives hundredths of a second.
timed='read s _ </proc/uptime; CMD; read e _ </proc/uptime; s=${s%.*}${s#*.}; e=${e%.*}${e#*.}; echo $(( (e - s) * 10 ))'
if [ -n "${BERTH_VM_DISK:-}" ]; then
	capture berth run --rm -w 1048576 busybox sh -c "${timed/CMD/dd if=/dev/zero of=/data bs=64k count=48 oflag=direct 2>/dev/null}"
	t_diag "3 MiB written with O_DIRECT under -w 1048576: $OUT ms"
	t_ok "writes are throttled to about 1 MB/s (3 MiB in ${OUT}ms)" test "${OUT:-0}" -ge 2000 -a "${OUT:-0}" -le 6000
	# Written unthrottled, then read back with O_DIRECT under -r.
	capture berth run --rm -r 1048576 busybox sh -c "dd if=/dev/zero of=/data bs=64k count=48 oflag=direct 2>/dev/null; ${timed/CMD/dd if=/data of=/dev/null bs=64k iflag=direct 2>/dev/null}"
	t_diag "3 MiB read with O_DIRECT under -r 1048576: $OUT ms"
	t_ok "reads are throttled likewise (3 MiB in ${OUT}ms)" test "${OUT:-0}" -ge 2000 -a "${OUT:-0}" -le 6000
	capture berth run --rm busybox sh -c "${timed/CMD/dd if=/dev/zero of=/data bs=64k count=48 oflag=direct 2>/dev/null}"
	t_diag "the same write without a limit: $OUT ms"
fi

# pin: every process on one CPU, with SCHED_RR.
capture berth run --rm --pin-cpu=0 busybox sh -c 'sleep 0.1 & grep Cpus_allowed_list /proc/$!/status; grep Cpus_allowed_list /proc/self/status; grep -E "^policy" /proc/self/sched'
t_is "--pin-cpu=0: every process runs only on CPU 0" "Cpus_allowed_list:	0 Cpus_allowed_list:	0" "$(head -2 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_match "with policy SCHED_RR (2)" 'policy +: +2' "$OUT"
capture berth run --rm --pin-cpu --rt-priority 7 busybox grep -E '^prio' /proc/self/sched
t_match "--rt-priority sets the RR priority (prio 99-7=92)" 'prio +: +92' "$OUT"

t_end
