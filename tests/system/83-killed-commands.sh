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

t_end
