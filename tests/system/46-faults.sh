#!/bin/bash
# The DB tells the truth when processes die: a killed supervisor, a reboot,
# a CLI killed half-way, a reused pid.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

state() { db "SELECT state FROM containers WHERE name='$1'"; }

# The supervisor is killed: the container does not run on unsupervised.
berth run -d --name orphan busybox sleep 1000 >/dev/null
id=$(db "SELECT id FROM containers WHERE name='orphan'")
sup=$(db "SELECT supervisor_pid FROM containers WHERE name='orphan'")
pid=$(db "SELECT pid FROM containers WHERE name='orphan'")
kill -KILL "$sup"
t_ok "the container's process dies with its supervisor" wait_for 5 sh -c "! kill -0 $pid 2>/dev/null"
capture berth list
t_match "the next list shows it exited (unknown), not running" 'orphan +busybox +sleep 1000 +exited \(unknown\)' "$OUT"
t_is "the DB says so too" "exited||its supervisor is gone" "$(db "SELECT state, exit_code, error FROM containers WHERE name='orphan'")"
t_ok "its cgroup is removed" test ! -e "$CGROUP_ROOT/berth/$id"
capture berth start orphan
t_is "it can be started again" "0 running" "$RC $(state orphan)"
berth rm -f orphan >/dev/null

# A reboot: the runtime folder and every process are gone, the boot id
# differs. (Simulated: kill the supervisor, remove run/, change boot_id.)
berth run -d --name boot busybox sh -c 'echo kept > /kept; sleep 1000' >/dev/null
wait_for 5 test -e "$ROOT/containers/$(db "SELECT id FROM containers WHERE name='boot'")/upper/kept"
sup=$(db "SELECT supervisor_pid FROM containers WHERE name='boot'")
# A reboot leaves no process; make the supervisor look alive to the pid
# check, so that only the boot id can tell.
kill -STOP "$sup"
db "UPDATE containers SET boot_id = '00000000-0000-0000-0000-000000000000' WHERE name='boot'"
capture berth list
t_match "after a reboot list shows exited (unknown)" 'boot +busybox .* exited \(unknown\)' "$OUT"
t_is "with the reason" "the machine rebooted while the container ran" "$(db "SELECT error FROM containers WHERE name='boot'")"
kill -KILL "$sup" 2>/dev/null
kill -CONT "$sup" 2>/dev/null
rm -rf "$ROOT/run"
capture berth start boot
t_is "start works after the reboot" "0 running" "$RC $(state boot)"
t_is "on the same writable layer" kept "$(berth exec boot cat /kept)"
berth rm -f boot >/dev/null

# A CLI killed with SIGKILL in the middle of `run`: here, while the
# supervisor it started has not reported yet (a stand-in that hangs).
cat >"$ROOT/slow-supervisor" <<EOS
#!/bin/sh
echo \$\$ > "$ROOT/slow.pid"
exec sleep 30
EOS
chmod +x "$ROOT/slow-supervisor"
BERTH_SUPERVISOR="$ROOT/slow-supervisor" "$BERTH" run --name halfway busybox true &
cli=$!
wait_for_output 5 created state halfway
kill -KILL $cli
wait $cli 2>/dev/null
wait_for 5 test -s "$ROOT/slow.pid"
kill -KILL "$(cat "$ROOT/slow.pid")" 2>/dev/null
t_is "the half-made container is visible as created" created "$(state halfway)"
capture berth rm halfway
t_is "rm removes what a killed CLI left" "0 0" "$RC $(db "SELECT count(*) FROM containers WHERE name='halfway'")"
t_is "nothing of it is left on disk" "" "$(ls "$ROOT/containers")"

# A foreground CLI killed with SIGKILL: the container carries on under its
# supervisor and its end is still recorded.
"$BERTH" run --name fg busybox sh -c 'sleep 0.5; exit 6' >/dev/null &
cli=$!
wait_for_output 5 running state fg
kill -KILL $cli 2>/dev/null
wait $cli 2>/dev/null
t_ok "the container's end is recorded without its CLI" wait_for_output 5 exited state fg
t_is "with its exit code" 6 "$(db "SELECT exit_code FROM containers WHERE name='fg'")"
berth rm fg >/dev/null

# PID reuse: a row whose supervisor pid now belongs to another process (a
# different start time) must never make berth signal that process.
berth run --name stale busybox true
sleep 1000 &
foreign=$!
db "UPDATE containers SET state='running', pid=$foreign, pid_start_time=1, supervisor_pid=$foreign, supervisor_start_time=1, boot_id=NULL WHERE name='stale'"
capture berth stop -t 1 stale
t_ok "stop of a container whose pid was reused does not signal the new owner" kill -0 $foreign
t_is "and records the container as exited" exited "$(state stale)"
db "UPDATE containers SET state='running', pid=$foreign, pid_start_time=1, supervisor_pid=$foreign, supervisor_start_time=1 WHERE name='stale'"
berth rm -f stale >/dev/null
t_ok "rm -f does not signal it either" kill -0 $foreign
kill $foreign
wait $foreign 2>/dev/null

t_end
