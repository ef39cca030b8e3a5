#!/bin/bash
# Commands and supervisors killed half-way leave no stuck state: the next
# command that meets what they left finishes it, or records why it never
# ended (common/ctr-lock.h says how it knows nobody is at work any more).
. "$(dirname "$0")/lib.sh"
require_root
t_begin

state() { db "SELECT state FROM containers WHERE name='$1'"; }
supervisor_of() { pgrep -f "berth-supervisor --root $ROOT --id $1" | head -n 1; }

id=$(berth run -d --name again busybox sleep 1000)
berth stop -t 0 again >/dev/null

# A supervisor killed at some moment of `start`: the next start works,
# whatever the killed one left (its cgroup, most often).
fails=0
for i in $(seq 12); do
	"$BERTH" start again >/dev/null 2>&1 &
	cli=$!
	sleep "0.00$((RANDOM % 10))"
	sup=$(supervisor_of "$id")
	[ -n "$sup" ] && kill -KILL "$sup"
	wait $cli
	capture berth start again
	if [ "$RC" != 0 ]; then
		fails=$((fails + 1))
		t_diag "start after a killed start: $ERR"
	fi
	berth stop -t 0 again >/dev/null 2>&1
done
t_is "after a supervisor killed during start, the next start works (12 tries)" 0 "$fails"

# Two starts at once: one starts the container, the other says so; neither
# takes down what the other made.
bad=0
for i in $(seq 5); do
	"$BERTH" start again >"$ROOT/s1" 2>&1 &
	first=$!
	"$BERTH" start again >"$ROOT/s2" 2>&1
	second=$?
	wait $first
	first=$?
	if [ "$((first + second))" != 125 ] || [ "$(state again)" != running ]; then
		bad=$((bad + 1))
		t_diag "two starts: $first $second $(state again): $(cat "$ROOT/s1" "$ROOT/s2")"
	fi
	berth stop -t 0 again >/dev/null 2>&1
done
t_is "of two starts at once, one runs the container and the other is refused (5 tries)" 0 "$bad"
t_match "saying why" 'being started or removed by another command' "$(cat "$ROOT/s1" "$ROOT/s2")"

# A start whose CLI and supervisor are both killed leaves the row
# `created`, and nobody at work on it: the next command records why.
cat >"$ROOT/hang" <<EOS
#!/bin/sh
echo \$\$ >"$ROOT/hang.pid"
exec sleep 30
EOS
chmod +x "$ROOT/hang"
BERTH_SUPERVISOR="$ROOT/hang" "$BERTH" start again >/dev/null 2>&1 &
cli=$!
wait_for 5 test -s "$ROOT/hang.pid"
t_is "a start in progress shows the container created" created "$(state again)"
kill -KILL $cli "$(cat "$ROOT/hang.pid")"
wait $cli 2>/dev/null
capture berth list
t_match "the next list shows the start as ended" 'again +busybox .* exited \(unknown\)' "$OUT"
t_is "and the DB records why" "exited|its start was cut short: its supervisor ended before the container ran" \
	"$(db "SELECT state, error FROM containers WHERE name='again'")"
capture berth start again
t_is "and it starts again" "0 running" "$RC $(state again)"
berth rm -f again >/dev/null

# A --rm run whose supervisor dies before the container starts: the
# container is gone with it, and the error does not send the user to it.
cat >"$ROOT/die" <<'EOS'
#!/bin/sh
exit 1
EOS
chmod +x "$ROOT/die"
capture env BERTH_SUPERVISOR="$ROOT/die" "$BERTH" run --rm --name gone busybox true
t_is "a --rm run whose supervisor dies fails with 125" 125 "$RC"
t_match "saying so" '^berth: the supervisor ended before the container started' "$ERR"
t_ok "without pointing to berth status of a container that is gone" test -z "$(echo "$ERR" | grep 'berth status')"
t_is "and the container is gone" 0 "$(db "SELECT count(*) FROM containers WHERE name='gone'")"

# `rm -f` killed after it claimed the row: the row stays `removing`, and
# nobody is at work on it. Its supervisor is held stopped, so that the rm
# is surely killed while it waits for it.
# Gone, or a zombie that init has not reaped yet.
supervisor_gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$st" ] || [[ $st == Z* ]]
}
is_state() { [ "$(state "$1")" = "$2" ]; }
kill_rm_midway() {
	local name=$1 sup
	sup=$(supervisor_of "$(db "SELECT id FROM containers WHERE name='$name'")")
	kill -STOP "$sup"
	env BERTH_DEBUG=1 "$BERTH" rm -f "$name" 2>"$ROOT/rm.err" >/dev/null &
	local rm=$!
	wait_for 10 grep -q "mark container $name as removing" "$ROOT/rm.err"
	sleep 0.3
	kill -KILL $rm
	wait $rm 2>/dev/null
	echo "$sup"
}
id=$(berth run -d --name doomed busybox sleep 1000)
sup=$(kill_rm_midway doomed)
t_is "rm -f killed mid-way leaves the row removing" removing "$(state doomed)"
kill -CONT "$sup"
wait_for 10 supervisor_gone "$sup"
t_is "its supervisor leaves the claimed row to the remover" removing "$(state doomed)"
capture berth list
t_is "the next command works" 0 "$RC"
t_no_match "and finishes the removal: list does not show it" doomed "$OUT"
t_is "its row is gone" "" "$(state doomed)"
t_ok "and its folder" test ! -e "$ROOT/containers/$id"

# The same, with the supervisor still stopped: system check finishes it.
id=$(berth run -d --name doomed2 busybox sleep 1000)
sup=$(kill_rm_midway doomed2)
t_is "a second rm -f killed mid-way" removing "$(state doomed2)"
capture berth system check
t_match "system check finishes the removal" 'fixed: doomed2 was being removed by a command that was killed: removed' "$OUT"
t_is "its row is gone" "" "$(state doomed2)"
t_ok "its folder is gone" test ! -e "$ROOT/containers/$id"
t_ok "and its supervisor" supervisor_gone "$sup"

# A removal at work is not taken over: a second rm says who is at work.
id=$(berth run -d --name busy busybox sleep 1000)
sup=$(supervisor_of "$id")
kill -STOP "$sup"
"$BERTH" rm -f busy >/dev/null 2>&1 &
rm1=$!
wait_for 10 is_state busy removing
capture berth rm -f busy
t_is "a second rm of a container being removed fails" 125 "$RC"
t_match "saying so" 'container busy is being removed by another command' "$ERR"
capture berth list
t_match "list leaves a removal at work alone" 'busy .* removing' "$OUT"
kill -CONT "$sup"
wait $rm1
t_is "and the first rm finishes it" "0 " "$? $(state busy)"

# Supervisors of --rm runs killed at random moments around the end: what
# they leave (a run/ID/ or trash/ folder, a row) is all taken away by
# `system check` once it is old enough to be nobody's start.
for i in $(seq 6); do
	id=$(berth run -d --rm busybox sleep 0.2)
	sup=$(supervisor_of "$id")
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	[ -n "$sup" ] && kill -KILL "$sup" 2>/dev/null
done
sleep 1
berth rm -f --all >/dev/null
mkdir -p "$ROOT/run/$(printf '%064d' 7)" # as a supervisor killed between its steps leaves it
touch -d '-2 min' "$ROOT"/run/* "$ROOT"/trash/* 2>/dev/null
live=$(berth run -d --name keeper busybox sleep 1000)
touch -d '-2 min' "$ROOT/run/$live"
capture berth system check
t_match "system check removes the runtime folders of containers that are gone" 'fixed: removed [0-9]+ runtime folders? of containers that are gone' "$OUT"
t_is "none is left but the live container's" "$(printf '%s\n' "$live" cache | sort | tr '\n' ' ')" "$(ls "$ROOT/run" | sort | tr '\n' ' ')"
t_is "nor any folder in the trash" "" "$(ls "$ROOT/trash" 2>/dev/null)"
capture berth system check
t_is "a second check finds nothing to do" 0 "$RC"
berth rm -f keeper >/dev/null

# A command started with its stdin, stdout and stderr closed (by a careless
# caller or a dying one): what it opens never takes their numbers, so it
# neither fails for its output nor writes a message into a file of the
# state.
"$BERTH" run -d --name closed busybox echo hi <&- >&- 2>&-
t_is "run -d with its stdio closed succeeds" 0 "$?"
t_ok "and the container runs and ends" wait_for 10 is_state closed exited
"$BERTH" run --name closed busybox true <&- >&- 2>&-
t_is "an error with stderr closed still exits 125" 125 "$?"
t_is "and no message went into the state's files" "" "$(grep -rl 'berth: ' "$ROOT/containers" "$ROOT/run" 2>/dev/null)"
capture berth status closed
t_match "the container is as it was" 'State: +exited \(0\)' "$OUT"
berth rm closed >/dev/null

t_end
