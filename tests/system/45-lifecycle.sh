#!/bin/bash
# stop, start, freeze, thaw, logs, exec, prune, rm --all.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

state() { db "SELECT state FROM containers WHERE name='$1'"; }

# stop: SIGTERM first; a container that handles it ends with its own code.
berth run -d --name term busybox sh -c 'trap "exit 11" TERM; while :; do sleep 0.1; done' >/dev/null
pid=$(db "SELECT pid FROM containers WHERE name='term'")
capture berth stop term
t_is "stop exits 0 and prints the name" "0 term" "$RC $OUT"
t_is "stop returns when the container is gone: state exited" exited "$(state term)"
t_is "the exit code is the container's answer to SIGTERM" 11 "$(db "SELECT exit_code FROM containers WHERE name='term'")"
t_ok "its process is gone" sh -c "! kill -0 $pid 2>/dev/null"
t_ok "its control socket is gone" test ! -e "$ROOT/run/$(db "SELECT id FROM containers WHERE name='term'")"
capture berth stop term
t_is "stopping a stopped container is a no-op, exit 0" 0 "$RC"
t_match "with a message" 'is not running' "$ERR"

# A container that ignores SIGTERM: killed after the grace period, and every
# process of its cgroup with it.
berth run -d --name stubborn busybox sh -c 'trap "" TERM; sleep 1000 & while :; do sleep 0.1; done' >/dev/null
id=$(db "SELECT id FROM containers WHERE name='stubborn'")
sleep 0.3
start=$(date +%s%N)
berth stop -t 1 stubborn >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
t_diag "stop -t 1 of a container ignoring SIGTERM took $ms ms"
t_ok "stop -t 1 waits about a second, not the default 10" test "$ms" -ge 900 -a "$ms" -lt 5000
t_is "it was killed: exit 137, signal 9" "137|9" "$(db "SELECT exit_code, exit_signal FROM containers WHERE name='stubborn'")"
t_ok "no process of it survives (its cgroup is gone)" test ! -e "$CGROUP_ROOT/berth/$id"

# --stop-signal
berth run -d --name usr1 --stop-signal USR1 busybox sh -c 'trap "exit 21" USR1; while :; do sleep 0.1; done' >/dev/null
berth stop usr1 >/dev/null
t_is "--stop-signal chooses the signal stop sends" 21 "$(db "SELECT exit_code FROM containers WHERE name='usr1'")"

# start: a new supervisor and pid, the same writable layer.
berth run -d --name keep busybox sh -c 'echo before > /data.txt; sleep 1000' >/dev/null
wait_for 5 test -e "$ROOT/containers/$(db "SELECT id FROM containers WHERE name='keep'")/upper/data.txt"
pid1=$(db "SELECT pid FROM containers WHERE name='keep'")
berth stop -t 0 keep >/dev/null
t_is "stop -t 0 kills at once and records it (137, not unknown)" "exited|137" "$(db "SELECT state, exit_code FROM containers WHERE name='keep'")"
capture berth start keep
t_is "start exits 0" 0 "$RC"
t_is "the container runs again" running "$(state keep)"
pid2=$(db "SELECT pid FROM containers WHERE name='keep'")
t_ok "with a new pid" test "$pid1" != "$pid2"
t_is "a file written before the stop is still there" before "$(berth exec keep cat /data.txt)"
t_is "restart_count counts the start" 1 "$(db "SELECT restart_count FROM containers WHERE name='keep'")"
capture berth start keep
t_is "starting a running container is a no-op" 0 "$RC"
berth stop -t 0 keep >/dev/null
berth run --name once busybox sh -c 'cat /data.txt 2>/dev/null; echo run > /data.txt; exit 4' >/dev/null
capture berth start -a once
t_is "start -a shows the output and returns the exit code" "4 run" "$RC $OUT"

# freeze / thaw: a counter does not move while frozen.
# The counter appends: a read in the middle of a write still counts lines.
berth run -d --name cnt busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i >> /tmp/n; done' >/dev/null
sleep 0.5
capture berth freeze cnt
t_is "freeze exits 0" 0 "$RC"
t_is "state paused" paused "$(state cnt)"
id=$(db "SELECT id FROM containers WHERE name='cnt'")
t_is "cgroup.events says frozen 1" "frozen 1" "$(grep frozen "$CGROUP_ROOT/berth/$id/cgroup.events")"
t_match "list shows paused" 'cnt +busybox.* paused ' "$(berth list)"
pid=$(db "SELECT pid FROM containers WHERE name='cnt'")
n1=$(wc -l < /proc/$pid/root/tmp/n)
t_ok "the counter ran before the freeze" test "$n1" -gt 0
sleep 1
n2=$(wc -l < /proc/$pid/root/tmp/n)
t_is "the counter does not advance while frozen" "$n1" "$n2"
capture berth exec cnt true
t_is "exec is refused on a paused container" 125 "$RC"
t_match "with a clear message" 'is paused: exec needs a running container' "$ERR"
capture berth freeze cnt
t_is "freezing a paused container is an error" 125 "$RC"
capture berth thaw cnt
t_is "thaw exits 0" "0 running" "$RC $(state cnt)"
sleep 0.5
n3=$(wc -l < /proc/$pid/root/tmp/n)
t_ok "the counter advances again after thaw" test "$n3" -gt "$n2"
berth freeze cnt >/dev/null
capture berth stop -t 1 cnt
t_is "stop works on a paused container" "0 exited" "$RC $(state cnt)"
berth run -d --name cnt2 busybox sleep 1000 >/dev/null
berth freeze cnt2 >/dev/null
capture berth rm -f cnt2
t_is "rm -f works on a paused container" "0 0" "$RC $(db "SELECT count(*) FROM containers WHERE name='cnt2'")"
capture berth thaw term
t_is "thaw of a container that is not paused fails" 125 "$RC"

# logs
berth run -d --name log busybox sh -c 'echo one; echo two >&2; echo three; printf partial' >/dev/null
wait_for_output 5 exited state log
capture berth logs log
t_is "logs prints stdout in order" "one
three
partial" "$OUT"
t_is "logs prints stderr to stderr" "two" "$ERR"
berth run -d --name tail busybox sh -c 'echo a; echo b; echo c' >/dev/null
wait_for_output 5 exited state tail
t_is "--tail 2 prints the last two lines" "b
c" "$(berth logs --tail 2 tail)"
t_match "-t adds RFC 3339 timestamps" '^20[0-9-]+T[0-9:.]+Z one$' "$(berth logs -t log 2>/dev/null | head -1)"
berth run -d --name follow busybox sh -c 'for i in 1 2 3; do echo f$i; sleep 0.3; done' >/dev/null
capture timeout 10 "$BERTH" logs -f follow
t_is "logs -f follows until the container exits" "0 f1 f2 f3" "$RC $(echo $OUT)"
berth run -d --name chatty --log-max-size 20k busybox sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i 0123456789012345678901234567890123456789"; i=$((i+1)); done' >/dev/null
wait_for_output 20 exited state chatty
cid=$(db "SELECT id FROM containers WHERE name='chatty'")
size=$(cat "$ROOT/containers/$cid/ctr.log"* | wc -c)
t_ok "--log-max-size caps the log (two files at most, $size bytes)" test "$size" -le $((2 * 20480 + 200))
t_ok "the log was rotated" test -e "$ROOT/containers/$cid/ctr.log.1"
t_match "logs reads across the rotation, ending with the last line" 'line 2999 ' "$(berth logs --tail 1 chatty)"

# exec
berth run -d --name ex -e FROMRUN=yes busybox sleep 1000 >/dev/null
capture berth exec ex sh -c 'echo $FROMRUN $$; hostname'
t_match "exec runs in the container with its environment" '^yes [0-9]+' "$OUT"
t_is "exec sees the container's hostname" "$(db "SELECT substr(id,1,12) FROM containers WHERE name='ex'")" "$(tail -1 <<<"$OUT")"
t_ok "exec is in the container's PID namespace (its pid is small)" test "$(head -1 <<<"$OUT" | awk '{print $2}')" -lt 100
capture berth exec ex sh -c 'exit 9'
t_is "exec passes the exit code through" 9 "$RC"
capture berth exec ex nosuchcmd
t_is "exec of a missing command exits 127" 127 "$RC"
t_is "exec -e and --workdir" "v /etc" "$(berth exec -e X=v --workdir /etc ex sh -c 'echo $X $(pwd)' 2>&1)"
capture berth exec --workdir /nonexistent ex true
t_is "exec with a missing --workdir exits 126" 126 "$RC"
t_match "and says so" 'working directory `/nonexistent`: No such file' "$ERR"
t_is "exec -u runs as that user (a uid not in /etc/passwd gets group 0, as in Podman)" "1234:0" "$(berth exec -u 1234 ex sh -c 'echo $(id -u):$(id -g)')"
id=$(db "SELECT id FROM containers WHERE name='ex'")
t_is "exec'd processes are in the container's cgroup" "0::/" "$(berth exec ex grep ^0:: /proc/self/cgroup)"
capture berth exec -d ex sleep 30
t_is "exec -d returns at once" 0 "$RC"
t_ok "and the process runs in the container" wait_for 3 grep -q 'sleep 30' <(berth status ex)
capture berth exec term true
t_is "exec on a stopped container is refused" 125 "$RC"
t_match "with a clear message" 'is exited: exec needs a running container' "$ERR"

# prune, stop --all, rm -f --all
capture berth stop --all -t 1
t_is "stop --all" 0 "$RC"
t_is "nothing runs after stop --all" 0 "$(db "SELECT count(*) FROM containers WHERE state IN ('running','paused')")"
berth run -d --name live busybox sleep 1000 >/dev/null
capture berth prune
t_is "prune exits 0" 0 "$RC"
t_is "prune removes exited containers and keeps running ones" "live" "$(db "SELECT name FROM containers")"
capture berth rm -f --all
t_is "rm -f --all removes everything" "0 0" "$RC $(db "SELECT count(*) FROM containers")"
t_is "and leaves no container folder" "" "$(ls "$ROOT/containers")"

t_end
