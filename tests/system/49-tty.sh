#!/bin/bash
# -t/--tty: an interactive shell works like a login shell: its own terminal
# in the container's devpts, job control, Ctrl-C, the window size.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
PTY="python3 $(dirname "$0")/pty-run.py"

OUT=$($PTY --rows 40 --cols 100 --resize 50x120 --resize-at 7 \
	--input 'tty; stty size; echo T=$TERM\r' \
	--input 'sleep 30\r' --input '\x03' --input 'echo after-ctrl-c\r' \
	--input 'sleep 20 &\r' --input 'jobs\r' --input 'kill %1\r' \
	--input 'stty size\r' --input 'exit 3\r' \
	-- "$BERTH" run -t --rm busybox sh)
t_match "run -t: the exit code passes through" '^EXIT 3' "$OUT"
t_match "the container has a terminal of its own devpts" $'\n/dev/pts/0\n' "$OUT"
t_match "the window size follows the user's terminal" $'\n40 100\n' "$OUT"
t_match "TERM is set" 'T=xterm' "$OUT"
t_match "Ctrl-C interrupts the container's foreground job, not berth" $'\\^C\n.*after-ctrl-c' "$OUT"
t_match "job control works" 'Running +sleep 20' "$OUT"
t_match "a resize reaches the container" $'\n50 120\n' "$OUT"

# A detached container with a terminal logs the terminal's output.
berth run -d -t --name dt busybox sh -c 'tty; echo from-tty; sleep 100' >/dev/null
wait_for 5 sh -c "\"$BERTH\" logs dt | grep -q from-tty"
t_match "run -d -t logs what the terminal shows" $'/dev/pts/0\nfrom-tty' "$(berth logs dt | tr -d '\r')"

OUT=$($PTY --input 'tty; echo in-exec; exit 4\r' -- "$BERTH" exec -t dt sh)
t_match "exec -t: the exit code passes through" '^EXIT 4' "$OUT"
t_match "exec -t gets a terminal of the container's devpts" $'\n/dev/pts/[0-9]+\nin-exec' "$OUT"
berth stop -t 0 dt >/dev/null

berth run --name st -t busybox sh -c 'exit 0' >/dev/null </dev/null
OUT=$($PTY --input 'tty; exit 5\r' -- "$BERTH" start -a st)
t_is "start -a of a -t container exits like it" "EXIT 0" "$(head -1 <<<"$OUT")"
berth rm st dt >/dev/null
t_end
