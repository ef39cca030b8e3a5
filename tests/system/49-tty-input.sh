#!/bin/bash
# -t/--tty with input that is not a terminal, and a run that has to end:
# signals sent to berth end the run as without -t.
# Every run is bounded (ends_within) so that a hang fails a test
# instead of the suite.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
# running NAME: the container NAME runs (berth has handed it its signals).
running() { "$BERTH" status "$1" 2>/dev/null | grep -q '^State: *running'; }

# ends_within SECONDS PID: waits for the background job PID; its exit
# status in RC, or RC=hung once it was killed for taking longer.
ends_within() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		if ! kill -0 "$2" 2>/dev/null; then
			wait "$2"
			RC=$?
			return 0
		fi
		sleep 0.05
	done
	kill -KILL "$2" 2>/dev/null
	wait "$2" 2>/dev/null
	RC=hung
	return 1
}

# A pipe for stdin that stays open (we hold its writer on fd 7) and
# carries nothing: a run that only ends when the pipe does would hang.
mkfifo "$ROOT/in"
exec 7<>"$ROOT/in"
T_EXTRA_CLEANUP='exec 7>&-'

# ---- signals sent to berth ----

for tty in -t ""; do
	for sig in TERM HUP INT; do
		case $sig in TERM) want=143 ;; HUP) want=129 ;; INT) want=130 ;; esac
		name=sig-$sig${tty:+-t}
		"$BERTH" run --rm --name $name $tty busybox sleep 100 <"$ROOT/in" >/dev/null 2>&1 7>&- &
		pid=$!
		wait_for 5 running $name
		kill -$sig $pid
		ends_within 5 $pid
		t_is "run ${tty:-without -t}, input open: SIG$sig to berth ends sleep as its init ($want)" \
			"$want" "$RC"
	done
done
wait_for 5 sh -c "[ -z \"\$(\"$BERTH\" list -q)\" ]"
t_is "none of those containers is left" "" "$(berth list -q)"

# A container that handles the signal decides, as without -t.
"$BERTH" run --rm -t --name trap busybox sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' \
	<"$ROOT/in" >/dev/null 2>&1 7>&- &
pid=$!
wait_for 5 running trap
kill -TERM $pid
ends_within 5 $pid
t_is "run -t: a container that traps SIGTERM ends with its own code" 42 "$RC"

# ---- start -a of a -t container ----

berth run -d -t --name sa busybox sleep 100 >/dev/null
berth stop -t 0 sa >/dev/null
for sig in TERM HUP; do
	case $sig in TERM) want=143 ;; HUP) want=129 ;; esac
	"$BERTH" start -a sa <"$ROOT/in" >/dev/null 2>&1 7>&- &
	pid=$!
	wait_for 5 running sa
	kill -$sig $pid
	ends_within 5 $pid
	t_is "start -a of a -t container: SIG$sig to berth ends it ($want)" "$want" "$RC"
	wait_for 5 sh -c "! \"$BERTH\" status sa | grep -q '^State: *running'"
done

berth rm -f sa >/dev/null
wait_for 5 sh -c "[ -z \"\$(\"$BERTH\" list -q)\" ]"
t_is "no container is left" "" "$(berth list -q)"

t_end
