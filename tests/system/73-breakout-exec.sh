#!/bin/bash
# The breakout suite, what `berth exec` hands the container: its stdio and
# the process that runs berth's code in the container until the command
# starts (berth-supervisor, then berth-stage, which holds exec's error
# pipe). From inside a default container, each attack on the person who
# runs `berth exec` must fail. docs/security.md ("What berth exec hands
# the container") gives the rules.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null
PTY="python3 $(dirname "$0")/pty-run.py"

# A static helper for inside the container (helpers/exec-race.c): races
# for /proc/PID/fd/N of the processes exec starts, says whether it is
# dumpable, and stands in for berth-stage.
RACE=$ROOT/exec-race
gcc -static -O2 -o "$RACE" "$(dirname "$0")/helpers/exec-race.c" 2>/dev/null ||
	t_skip_all "gcc -static cannot build the helper (libc.a missing?)"
xc() { timeout -k 2 20 "$BERTH" exec "$@"; }
lacks() { ! grep -Eq -- "$1" <<<"$2"; }
ESC=$'\033'
berth run -d --name ex -v "$RACE:/race:ro" busybox sleep 1000 >/dev/null

# --- a process left behind keeps nothing of the admin's terminal --------------
# Under a terminal, exec starts a shell that leaves a child and returns
# (its stdin as fd 3: a shell gives a background job /dev/null as stdin).
# A second later the child reads what the admin typed after exec had
# returned, and writes a fake prompt; the admin's shell then reads its own
# input. exec -d leaves one that writes later too.
cat >"$ROOT/admin.sh" <<EOF
"$BERTH" exec ex sh -c 'exec 3<&0; (sleep 1; read x <&3; echo "got:\$x" > /tmp/stolen; echo FAKE-PROMPT-\$((6 * 7))) &'
"$BERTH" exec -d ex sh -c 'sleep 1; echo FAKE-DETACHED-\$((6 * 7))'
echo exec-returned
sleep 2.5
read -t 3 line
echo "admin-read:\$line"
EOF
OUT=$($PTY --timeout 15 --input 'typed-after-exec\r' -- bash "$ROOT/admin.sh")
t_match "the admin's shell ran" 'exec-returned' "$OUT"
t_match "what the admin types after exec returned reaches the admin's shell" \
	'admin-read:typed-after-exec' "$OUT"
t_is "the process exec left behind read the end of its stdin, not the terminal" "got:" \
	"$(xc ex cat /tmp/stolen 2>&1)"
t_ok "nor could it write to the terminal (a fake prompt)" lacks 'FAKE-PROMPT-42' "$OUT"
t_ok "nor could what exec -d started" lacks 'FAKE-DETACHED-42' "$OUT"
# Without a terminal: a child left behind does not keep exec's output open.
start=$(date +%s%N)
out=$(timeout 10 "$BERTH" exec ex sh -c 'echo before; (sleep 4; echo after-exec) &' | cat)
ms=$((($(date +%s%N) - start) / 1000000))
t_is "exec returns, and its output ends, when its process ends (what it wrote is there)" before "$out"
t_ok "a child left with exec's stdout does not hold up the reader ($ms ms)" test "$ms" -lt 3000

# --- exec's stdio is never a host file, directory or terminal (CVE-2024-21626) --
t_is "the process's stdio are pipes" "pipe pipe pipe" "$(xc ex /race fds)"
t_is "... exec -d's are /dev/null" "chr chr chr" \
	"$(xc -d ex /race fds /tmp/dfds && wait_for 5 xc ex test -s /tmp/dfds && xc ex cat /tmp/dfds)"
echo read-only-original >"$ROOT/ro-file"
chmod 444 "$ROOT/ro-file"
xc ex sh -c 'echo pwned > /proc/self/fd/0' <"$ROOT/ro-file" 2>/dev/null
t_is "a 0444 file given as stdin cannot be reopened for writing" read-only-original \
	"$(cat "$ROOT/ro-file")"
echo secret-log-line >"$ROOT/append.log"
# (From a subshell, through the shell's pid: see 70-security.sh.)
xc ex sh -c 'echo "$(timeout 1 cat /proc/$$/fd/1)" > /tmp/leak; : > /proc/self/fd/1' \
	>>"$ROOT/append.log" 2>/dev/null
t_is "an O_APPEND log given as stdout cannot be truncated" secret-log-line "$(cat "$ROOT/append.log")"
t_ok "nor read back" lacks secret-log-line "$(xc ex cat /tmp/leak 2>&1)"
mkdir -p "$ROOT/stdin-dir"
out=$(xc ex sh -c 'ls /proc/self/fd/0/..; echo pwned > /proc/self/fd/0/../escaped' \
	<"$ROOT/stdin-dir" 2>/dev/null)
t_ok "a directory given as stdin does not lead to the host's folders" lacks '^ro-file$' "$out"
t_ok "nor can a file be written next to it" test ! -e "$ROOT/escaped"

# --- the process exec starts cannot be reached before its command runs ------------
# berth-stage stood in for by the helper, which says whether it is dumpable.
t_is "berth-stage is not dumpable (root)" "stage dumpable 0" \
	"$(BERTH_STAGE=$RACE xc ex /bin/true 2>&1)"
t_is "berth-stage is not dumpable (-u 1000)" "stage dumpable 0" \
	"$(BERTH_STAGE=$RACE xc -u 1000 ex /bin/true 2>&1)"
t_is "the command is dumpable as usual (root)" 1 "$(xc ex /race dumpable)"
t_is "the command is dumpable as usual (-u 1000)" 1 "$(xc -u 1000 ex /race dumpable)"

# The attack: a process in the container opens /proc/PID/fd/N of every
# new process for writing, writes a forged error (exit code 42, escape
# sequences) into each pipe it reaches and keeps it open, while the host
# runs exec after exec. A long PATH makes berth-stage search longer.
long_path=$(printf '/nowhere/%d:' $(seq 200))/bin
race() { # NAME CONTAINER ROUNDS [hold]: exec -d of the racer, then ROUNDS execs
	local name=$1 c=$2 rounds=$3 hold=${4:-} i rc forged=0 hung=0 escapes=0 failed=0
	xc -d "$c" /race race 30 "/tmp/$name.log" $hold
	sleep 0.3
	for i in $(seq "$rounds"); do
		if [ -n "$hold" ]; then
			timeout -k 1 5 "$BERTH" exec -d -e PATH="$long_path" "$c" true 2>"$ROOT/race.err"
		else
			timeout -k 1 5 "$BERTH" exec -e PATH="$long_path" "$c" true 2>"$ROOT/race.err"
		fi
		rc=$?
		case $rc in
		0) ;;
		42) forged=$((forged + 1)) ;;
		124 | 137) hung=$((hung + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
		grep -q FORGED "$ROOT/race.err" && [ "$rc" != 42 ] && forged=$((forged + 1))
		grep -q "$ESC" "$ROOT/race.err" && escapes=$((escapes + 1))
	done
	xc "$c" touch "/tmp/$name.log.stop"
	wait_for 10 xc "$c" grep -q tries "/tmp/$name.log"
	RACE_FORGED=$forged RACE_HUNG=$hung RACE_ESCAPES=$escapes RACE_FAILED=$failed
	RACE_SEEN=$(xc "$c" grep -c seen "/tmp/$name.log" 2>/dev/null)
	RACE_REACHED=$(xc "$c" grep -c reached "/tmp/$name.log" 2>/dev/null)
	t_diag "$name: $rounds execs, forged $forged, hung $hung, escapes $escapes, other failures $failed; pipes seen ${RACE_SEEN:-?}, opened ${RACE_REACHED:-?}"
}
race forge ex 40
t_is "a racing process saw no descriptor of the process exec starts" 0 "$RACE_SEEN"
t_is "nor opened a pipe of exec's" 0 "$RACE_REACHED"
t_is "no exec reported a forged error or status (42)" 0 "$RACE_FORGED"
t_is "no escape sequence from the container reached exec's stderr" 0 "$RACE_ESCAPES"
t_is "and every exec succeeded" 0 "$((RACE_FAILED + RACE_HUNG))"
race hold ex 20 hold
t_is "exec -d: a racing process saw no descriptor of the process exec starts" 0 "$RACE_SEEN"
t_is "exec -d never hung on an error pipe the container kept open" 0 "$RACE_HUNG"

# The same in a user namespace. There the pipe itself is the host root's,
# whom the container cannot act as, but the process holding it must not
# be reachable either (ptrace could make it write).
berth run -d --name exu --userns auto -v "$RACE:/race:ro" busybox sleep 1000 >/dev/null
t_is "userns: berth-stage is not dumpable" "stage dumpable 0" \
	"$(BERTH_STAGE=$RACE xc exu /bin/true 2>&1)"
t_is "userns: the command is dumpable as usual" 1 "$(xc exu /race dumpable)"
race forge-userns exu 20
t_is "userns: a racing process saw no descriptor of the process exec starts" 0 "$RACE_SEEN"
t_is "userns: no exec reported a forged error" 0 "$RACE_FORGED"

# --- what exec and status show is printable text -----------------------------
capture xc ex "no-such-${ESC}]0;TITLE"$'\a'"${ESC}[31mcmd"
t_is "a command that is not found: 127" 127 "$RC"
t_ok "its name is shown without its escape sequences" lacks "$ESC|"$'\a' "$ERR"
t_match "but visibly" 'no-such-\\x1b\]0;TITLE\\x07\\x1b\[31mcmd' "$ERR"
# status shows what the container writes: its processes' command lines;
# and status and list what an image's author wrote: its command, and the
# recorded error of a start, which names it.
xc -d ex sh -c 'sleep 100; true' "${ESC}]0;PWNED"$'\a'
wait_for 5 sh -c "\"$BERTH\" status ex | grep -q PWNED"
st=$(berth status ex)
t_match "status lists a process whose command line has escape sequences" 'x1b]0;PWNED' "$st"
t_ok "without them" lacks "$ESC|"$'\a' "$st"
berth run --name esc busybox "no-such-${ESC}[2Jcmd" 2>/dev/null
st=$(berth status esc)
t_match "status shows why a start failed, and the command" \
	'Command: +no-such-\\x1b\[2Jcmd.*Error: .*no-such-\\x1b\[2Jcmd' "$(echo $st)"
t_ok "without escape sequences" lacks "$ESC" "$st"
t_ok "so does list" lacks "$ESC" "$(berth list -a)"

# --- a hang of the process exec starts ends on a signal, and is bounded ----------
# A frozen cgroup holds the process before its command runs.
berth run -d --name fz busybox sleep 1000 >/dev/null
cg=$(db "SELECT cgroup FROM containers WHERE name='fz'")
T_EXTRA_CLEANUP="[ -w '$cg/cgroup.freeze' ] && echo 0 > '$cg/cgroup.freeze'"
echo 1 >"$cg/cgroup.freeze"
start=$(date +%s)
timeout -k 1 50 "$BERTH" exec -d fz true 2>"$ROOT/fz-d.err" &
dpid=$!
"$BERTH" exec fz true 2>/dev/null &
fpid=$!
sleep 1
kill -TERM "$fpid"
wait_for 5 sh -c "! kill -0 $fpid 2>/dev/null"
ended=$?
[ "$ended" != 0 ] && kill -KILL "$fpid" 2>/dev/null
wait "$fpid"
rc=$?
t_ok "exec ends on SIGTERM while its process hangs" test "$ended" = 0
t_is "with 128+15" 143 "$rc"
wait "$dpid"
rc=$?
t_is "exec -d does not wait for ever: 125 after the start timeout" 125 "$rc"
t_ok "within about 30 s ($(($(date +%s) - start)) s)" test $(($(date +%s) - start)) -lt 45
t_match "and says so" 'did not start within 30 s' "$(cat "$ROOT/fz-d.err")"
echo 0 >"$cg/cgroup.freeze"
t_is "nothing of those execs is left in the container" 1 "$(wc -l <"$cg/cgroup.procs")"

berth rm -f ex exu fz esc >/dev/null
t_end
