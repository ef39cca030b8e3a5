#!/bin/bash
# -t/--tty with input that is not a terminal, and a run that has to end:
# the end of piped input reaches the container as its terminal's
# end-of-file character, signals sent to berth end the run as without -t,
# and a terminal or an output that goes away hangs up the container's.
# Every run is bounded (timeout, ends_within) so that a hang fails a test
# instead of the suite.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
PTY="python3 $(dirname "$0")/pty-run.py"
# Every run here ends in a few seconds or is a failure.
T="timeout -k 2 10"

# RC, OUT of a bounded `berth "$@"` with stdin from the caller; CR dropped.
run_t() {
	$T "$BERTH" "$@" >"$ROOT/out" 2>&1
	RC=$?
	OUT=$(tr -d '\r' <"$ROOT/out")
}

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

# ---- the end of the input ----

run_t run --rm -t busybox cat < <(echo x)
t_is "echo x | run -t cat: ends with the end of the input" 0 "$RC"
t_is "... and shows the line typed, then cat's copy" $'x\nx' "$OUT"

run_t run --rm -t busybox cat < <(printf x)
t_is "a partial last line: a second end-of-file character ends it" "0 xx" "$RC $OUT"

run_t run --rm -t busybox sh -c 'read a; echo got:$a' < <(echo x)
t_is "read gets the piped line and the run ends" $'0 x\ngot:x' "$RC $OUT"

run_t run --rm -t busybox sh -c 'read a; echo got:$a' < <(printf x)
t_is "read of a partial line ends with it" "0 xgot:x" "$RC $OUT"

run_t run --rm -t busybox cat </dev/null
t_is "stdin /dev/null: run -t cat ends" "0 " "$RC $OUT"

run_t run --rm -t busybox cat < <(true)
t_is "a pipe that closes at once: run -t cat ends" "0 " "$RC $OUT"

printf 'one\ntwo\n' >"$ROOT/input"
run_t run --rm -t busybox cat <"$ROOT/input"
t_is "stdin a file: run -t cat shows it and ends" $'0 one\ntwo\none\ntwo' "$RC $OUT"

run_t run --rm -t busybox sh -c 'cat; cat; echo end' < <(printf 'a\n')
t_is "every reader at the end gets an end of file, as at a pipe's end" $'0 a\na\nend' "$RC $OUT"

# More than a pty holds, so berth has to copy input and output at the
# same time: no deadlock, nothing lost (wc counts the 20000 lines).
run_t run --rm -t busybox sh -c 'stty -echo; echo lines:$(wc -l)' < <(seq 20000)
t_match "a large piped input: no deadlock, every line arrives" '^0 .*lines:20000$' "$RC $OUT"

# Raw mode: no end of file exists; berth types Ctrl-D once, when the
# container has read the rest, as a user would. A program that reads
# bytes gets it as one (004); it is not repeated.
run_t run --rm -t busybox sh -c 'stty raw -echo; head -c 4 | od -An -c' < <(echo ab)
t_is "raw mode: the end of the input arrives as one Ctrl-D byte" 0 "$RC"
t_match "... after the rest of the input" 'a +b +\\n +004' "$OUT"

# An interactive shell (busybox's line editor reads in raw mode) ends at
# the end of its piped commands: the Ctrl-D comes when it waits for more.
run_t run --rm -t busybox sh < <(echo 'echo from-the-pipe')
t_is "piped commands to an interactive shell: it ends at their end" 0 "$RC"
t_match "... having run them" $'\nfrom-the-pipe\n' "$OUT"

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

berth run -d -t --name sc busybox cat >/dev/null
berth stop -t 0 sc >/dev/null
run_t start -a sc < <(echo x)
t_is "start -a of a -t cat: ends with the end of the piped input" $'0 x\nx' "$RC $OUT"

# ---- exec -t ----

berth run -d --name ex busybox sleep 100 >/dev/null
run_t exec -t ex cat < <(echo x)
t_is "echo x | exec -t cat ends" $'0 x\nx' "$RC $OUT"
berth rm -f ex sa sc >/dev/null

# ---- the user's terminal or our output goes away ----

OUT=$($PTY --timeout 8 --hangup-after 1 -- "$BERTH" run -t --rm busybox sleep 100)
t_match "the user's terminal hung up: berth gets SIGHUP and ends the run (129)" '^EXIT 129' "$OUT"
OUT=$($PTY --timeout 8 --hangup-after 1 -- "$BERTH" run -t --rm busybox \
	sh -c 'trap "" HUP; read x; echo read-ended')
t_match "... and hangs up the container's terminal: its reader sees the end" '^EXIT [0-9]' "$OUT"

# A reader of our output that goes away: the container's terminal is hung
# up (yes ends on EIO) and berth exits with the container's status, not
# SIGPIPE's.
$T "$BERTH" run -t --rm busybox yes 2>/dev/null | head -1 >/dev/null
t_is "the output closed: berth exits with the container's status" "1 0" "${PIPESTATUS[*]}"

t_is "no container is left" "" "$(berth list -q)"

t_end
