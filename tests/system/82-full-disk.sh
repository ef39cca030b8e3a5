#!/bin/bash
# A full disk under the state: the end of a container is recorded still
# (the DB's reserve), or recorded once there is room again, never lost;
# `list`, `status`, `system check`, `rm -f` and `prune` tell the truth and
# work; output a full disk drops is counted. The root is a small tmpfs this
# test mounts (and unmounts).
. "$(dirname "$0")/lib.sh"
require_root
t_begin
mount -t tmpfs -o size=8m,mode=0700 berth-test-full "$ROOT" || t_skip_all "cannot mount a tmpfs"
T_EXTRA_CLEANUP='umount "$ROOT" 2>/dev/null; rmdir "$ROOT" 2>/dev/null'

# What the DB says, read through berth: the sqlite3 shell, the last to
# close the DB, checkpoints and deletes its WAL, which on a full disk
# fails, and makes the next writer make the WAL again.
field() { "$BERTH" status --format json "$1" 2>/dev/null | python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else str(v).lower())' "$2"; }
state() { field "$1" state; }
ended() { echo "$(field "$1" state)|$(field "$1" exit_code)|$(field "$1" oom_killed)"; }
has_supervisor() { pgrep -f "berth-supervisor --root $ROOT --id $1" >/dev/null; }
no_supervisor() { ! has_supervisor "$1"; }
idof() { field "$1" id; }
fill() { dd if=/dev/zero of="$ROOT/filler" bs=64k >/dev/null 2>&1; }

berth image create busybox >/dev/null
t_ok "the state DB holds space in reserve" test -s "$ROOT/state.db-reserve"

# A container fills the disk and exits 0.
berth run -d --name filler busybox sh -c 'dd if=/dev/zero of=/big bs=64k; exit 0' >/dev/null
id=$(idof filler)
t_ok "the container ends" wait_for 20 no_supervisor "$id"
t_is "its end is recorded on the full disk" "exited|0|false" "$(ended filler)"
capture berth list
t_match "list shows it exited (0)" 'filler +busybox .* exited \(0\)' "$OUT"
capture berth status filler
t_is "status works" 0 "$RC"
t_match "and shows it" 'State: +exited \(0\)' "$OUT"
capture berth system check
t_is "system check reports the full disk" 1 "$RC"
t_match "and says so" 'PROBLEM: the disk under .* is full' "$OUT"

# rm -f and prune on the full disk: they free files first.
berth run -d --name second busybox true >/dev/null 2>&1
# Ended before the disk fills: prune removes what has exited.
wait_for_output 10 exited state second
fill
capture berth rm -f filler
t_is "rm -f works on a full disk" "0 0" "$RC $(berth list -q | grep -c "$id")"
t_ok "and its folder is gone" test ! -e "$ROOT/containers/$id"
fill
capture berth prune
t_is "prune works on a full disk" "0 " "$RC $(berth list -q)"
rm -f "$ROOT/filler"
berth list >/dev/null # makes the reserve again, now that there is room
t_ok "the reserve is made again once there is room" test -s "$ROOT/state.db-reserve"

# The disk full and the reserve used up: the supervisor keeps the end
# until it can write it. Meanwhile status and system check say so.
berth run -d --name late busybox sh -c 'trap "exit 3" USR1; while :; do sleep 0.1; done' >/dev/null
id=$(idof late)
pid=$(field late pid)
rm -f "$ROOT/state.db-reserve"
fill
kill -USR1 "$pid"
sleep 1
t_is "with no room at all, the end is not recorded yet" running "$(state late)"
t_ok "and the supervisor waits for room" has_supervisor "$id"
capture berth status late
t_match "status says the end is not recorded" 'State: +running \(its process has ended; its supervisor has not recorded the end yet' "$OUT"
capture berth system check
t_match "system check reports it" "PROBLEM: late has ended, but its supervisor .* has not been able to record it" "$OUT"
rm -f "$ROOT/filler"
t_ok "once files are deleted by hand, the end is recorded" wait_for 20 no_supervisor "$id"
t_is "with its exit code" "exited|3|false" "$(ended late)"
t_match "and supervisor.log says what happened" 'recorded the end of container .* \(exit code 3\) [0-9]+ s late: until then the disk under the state DB was full' "$(cat "$ROOT/containers/$id/supervisor.log")"
berth rm -f late >/dev/null

# A supervisor killed while the disk is full: the next command shows the
# container exited (unknown), even if it cannot write that down.
berth list >/dev/null
berth run -d --name orphan busybox sleep 1000 >/dev/null
sup=$(field orphan supervisor_pid)
rm -f "$ROOT/state.db-reserve"
fill
kill -KILL "$sup"
capture berth list
t_match "list shows it exited (unknown) though it cannot record it" 'orphan +busybox .* exited \(unknown\)' "$OUT"
t_match "and warns" 'cannot be recorded' "$ERR"
capture berth status orphan
t_is "status works" 0 "$RC"
t_match "and shows it exited" 'State: +exited \(unknown\)' "$OUT"
capture berth system check
t_match "system check reports what it could not record" 'PROBLEM: orphan was running without a supervisor, but that cannot be recorded' "$OUT"
rm -f "$ROOT/filler"
berth list >/dev/null
t_is "with room again, the next command records it" exited "$(state orphan)"
berth rm -f orphan >/dev/null

# A detached container whose log fills the disk: what is dropped is counted
# and shown.
capture berth run -d --name chatty --log-max-size 100M busybox sh -c 'trap "exit 0" USR1; i=0; while [ $i -lt 200000 ]; do echo "line $i of output"; i=$((i+1)); done; while :; do sleep 0.1; done'
t_is "a chatty container starts" "0 " "$RC $ERR"
id=$(idof chatty)
pid=$(field chatty pid)
wait_for 60 sh -c '[ "$(df --output=avail "$1" | tail -n 1)" -lt 64 ]' _ "$ROOT"
sleep 2
capture berth status chatty
t_match "status shows the output the log dropped, while it runs" 'Log dropped: .* of output the log could not take' "$OUT"
kill -USR1 "$pid"
t_ok "the container ends" wait_for 20 no_supervisor "$id"
t_ok "the DB counts the bytes dropped" test "$(field chatty log_dropped)" -gt 0
t_match "supervisor.log says how many lines" 'the container log dropped [0-9]+ lines? \([0-9]+ bytes\) of output' "$(cat "$ROOT/containers/$id/supervisor.log")"
capture berth status chatty
t_match "and status shows it after the end" 'Log dropped: ' "$OUT"
berth rm -f chatty >/dev/null

t_end
