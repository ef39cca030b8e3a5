#!/bin/bash
# The breakout suite, stdio: no file, folder or terminal of the host's
# reaches a container as its stdin, stdout or stderr. Container root
# reopens a descriptor through /proc/self/fd/N, and CAP_DAC_OVERRIDE and
# CAP_FOWNER (in the default set) then make it the container's to write,
# read back, truncate, chmod or walk out of. berth gives the container
# pipes that it relays, or a terminal of the container's own (-t);
# docs/security.md, "Stdio". Then: what the relay must still do.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null

run() { timeout 60 "$BERTH" run --rm "$@"; }
W=$ROOT/stdio
mkdir -p "$W"
PTY="python3 $(dirname "$0")/pty-run.py --timeout 30"
# A detached container's output, once it has ended.
logs_when_done() {
	wait_for 10 sh -c "\"$BERTH\" status $1 | grep -q '^State: *exited'"
	"$BERTH" logs "$1" 2>&1
	"$BERTH" rm "$1" >/dev/null 2>&1
}

# --- a read-only file as stdin, written to ---------------------------------------
ro=$W/ro.txt
ATTACK_RO='echo PWNED > /proc/self/fd/0; chmod 0666 /proc/self/fd/0; true'
fresh_ro() { rm -f "$ro"; echo original >"$ro"; chmod 0444 "$ro"; }
ro_intact() { [ "$(cat "$ro")" = original ] && [ "$(stat -c %a "$ro")" = 444 ]; }
fresh_ro
run busybox sh -c "$ATTACK_RO" <"$ro" >/dev/null 2>&1
t_ok "run: a 0444 file given as stdin is neither written nor chmodded through /proc/self/fd/0" ro_intact
fresh_ro
run -t busybox sh -c "$ATTACK_RO" <"$ro" >/dev/null 2>&1
t_ok "run -t: the same" ro_intact
fresh_ro
"$BERTH" run -d --name ro-d busybox sh -c "$ATTACK_RO" <"$ro" >/dev/null 2>&1
logs_when_done ro-d >/dev/null
t_ok "run -d: the same" ro_intact
t_is "the container's stdin is a pipe of its own" "pipe:" \
	"$(run busybox sh -c 'readlink /proc/self/fd/0 | cut -c1-5' <"$ro")"

# --- an O_APPEND log as stdout, read back and truncated ----------------------------
log=$W/app.log
# Reads what fd 3 (a copy of stdout) reopens to, then truncates it.
ATTACK_LOG='exec 3>&1; c=$(timeout 1 cat /proc/self/fd/3 2>/dev/null); echo "READ[$c]" >&2; : >/proc/self/fd/3; echo appended'
echo secret-line >"$log"
err=$(run busybox sh -c "$ATTACK_LOG" 2>&1 >>"$log")
t_no_match "run: an O_APPEND log given as stdout is not read back through /proc/self/fd/1" secret "$err"
t_is "run: ... nor truncated; the container's output is appended" $'secret-line\nappended' "$(cat "$log")"
echo secret-line >"$log"
run -t busybox sh -c "$ATTACK_LOG" >>"$log" 2>&1 </dev/null
t_no_match "run -t: not read back" 'READ\[secret' "$(cat "$log")"
t_is "run -t: not truncated" secret-line "$(head -1 "$log")"
echo secret-line >"$log"
"$BERTH" run -d --name log-d busybox sh -c "$ATTACK_LOG" >>"$log" 2>&1
t_no_match "run -d: not read back" secret "$(logs_when_done log-d)"
t_is "run -d: not truncated" secret-line "$(head -1 "$log")"

# --- a folder as stdin, walked out of (CVE-2024-21626's shape) ----------------------
# From $W/top/sub, as many .. as there are components reach the host's /.
top=$W/top
mkdir -p "$top/sub"
echo marker >"$top/host-marker"
ups=$(tr -cd / <<<"$top/sub" | sed 's|/|../|g')
ATTACK_DIR="ls /proc/self/fd/0/.. | grep -x host-marker; ls /proc/self/fd/0/${ups}tmp | grep -x ${ROOT##*/};
	touch /proc/self/fd/0/../planted; true"
dir_clean() {
	[ ! -e "$top/planted" ] && return 0
	rm -f "$top/planted" # for the next check
	return 1
}
out=$(run busybox sh -c "$ATTACK_DIR" <"$top/sub" 2>&1)
t_no_match "run: a folder given as stdin does not list its parent" host-marker "$out"
t_no_match "run: ... nor the host's /tmp, through /proc/self/fd/0/${ups}tmp" "${ROOT##*/}" "$out"
t_ok "run: ... nor write to the host beside it" dir_clean
out=$(run -t busybox sh -c "$ATTACK_DIR" <"$top/sub" 2>&1)
t_no_match "run -t: the same" "host-marker|${ROOT##*/}" "$out"
t_ok "run -t: nothing written" dir_clean
"$BERTH" run -d --name dir-d busybox sh -c "$ATTACK_DIR" <"$top/sub" >/dev/null 2>&1
t_no_match "run -d: the same" "host-marker|${ROOT##*/}" "$(logs_when_done dir-d)"
t_ok "run -d: nothing written" dir_clean

# --- the host's /dev/null (detached runs) -------------------------------------------
# Its inode is the host's: chmod through /proc/self/fd/0 would change the
# whole host's /dev/null. (0666 is its mode: the attempt changes nothing
# but the time of the change.)
null_before=$(stat -c '%d:%i %Z.%z' /dev/null)
"$BERTH" run -d --name null-d busybox sh -c \
	'readlink /proc/self/fd/0 | cut -c1-5; stat -L -c %d:%i /proc/self/fd/0; chmod 0666 /proc/self/fd/0' \
	>/dev/null
out=$(logs_when_done null-d)
t_match "run -d: stdin is a pipe at its end" '^pipe:' "$out"
null_id=$(stat -c %d:%i /dev/null)
no_line() { ! grep -qx -- "$1" <<<"$2"; }
t_ok "run -d: ... not the host's /dev/null ($null_id)" no_line "$null_id" "$out"
t_is "host: /dev/null was not changed" "$null_before" "$(stat -c '%d:%i %Z.%z' /dev/null)"

# --- the user's terminal -------------------------------------------------------------
if command -v python3 >/dev/null; then
	out=$($PTY -- "$BERTH" run --rm busybox sh -c 'for f in 0 1 2; do readlink /proc/self/fd/$f | cut -c1-5; done')
	t_is "run on a terminal without -t: stdin, stdout and stderr are pipes, not the terminal" \
		$'EXIT 0\npipe:\npipe:\npipe:' "$out"
	# The container's terminal is of its own devpts, not the host's.
	out=$($PTY -- sh -c "stat -L -c %d /proc/self/fd/0; \"$BERTH\" run -t --rm busybox stat -L -c %d /proc/self/fd/0")
	host_dev=$(sed -n 2p <<<"$out") ctr_dev=$(sed -n 3p <<<"$out")
	t_ok "run -t: the container's terminal is not the host's (devpts $ctr_dev, not $host_dev)" \
		test -n "$ctr_dev" -a "$ctr_dev" != "$host_dev"
	out=$($PTY --input 'line-one\r' --input '\x04' -- "$BERTH" run --rm busybox sh -c 'cat; echo rc=$?')
	t_match "run on a terminal without -t: what is typed reaches the container, Ctrl-D ends it" \
		$'^EXIT 0\nline-one\nline-one\nrc=0' "$out"
else
	t_skip "the user's terminal" "no python3"
fi

# --- what the relay still does -------------------------------------------------------
t_is "a pipe in and out" hello "$(echo hello | run busybox cat)"
t_is "the end of the input reaches the container (a last line without a newline)" 1 \
	"$(printf 'a\nb' | run busybox wc -l)"
t_is "stdin /dev/null: the end at once" "" "$(run busybox cat </dev/null)"
capture run busybox sh -c 'echo out; echo err >&2; exit 42'
t_is "the exit code passes through" 42 "$RC"
t_is "stdout and stderr stay apart" "out|err" "$OUT|$ERR"
t_is "2>&1: their order is kept" "o1 e1 o2 e2 o3 e3" \
	"$(run busybox sh -c 'for i in 1 2 3; do echo o$i; echo e$i >&2; done' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
t_is "output to /dev/null" 0 "$(run busybox echo x >/dev/null; echo $?)"

head -c $((24 * 1024 * 1024 + 7)) /dev/urandom >"$W/big"
sum=$(sha256sum <"$W/big")
t_is "big binary output, byte-exact (to a pipe)" "$sum" \
	"$(run -v "$W:/w:ro" busybox cat /w/big | sha256sum)"
run -v "$W:/w:ro" busybox cat /w/big >"$W/big.out"
t_is "... to a file" "$sum" "$(sha256sum <"$W/big.out")"
t_is "big binary input from a pipe, through and back" "$sum" \
	"$(cat "$W/big" | run busybox cat | sha256sum)"
t_is "big binary input from a file" "${sum%% *}" "$(run busybox sha256sum <"$W/big" | cut -d' ' -f1)"
t_is "the last output of a container is not lost at its exit" 200000 \
	"$(run busybox seq 1 200000 | tail -1)"

# Input is taken as the container reads it: what it does not read stays
# for the caller's next reader (a `while read` loop around berth).
t_is "a container that reads nothing takes nothing of a pipe" "1 2 3" \
	"$(printf '1\n2\n3\n' | { run busybox true; cat; } | tr '\n' ' ' | sed 's/ $//')"
printf '1\n2\n3\n' >"$W/lines"
t_is "... nor of a file" "1 2 3" "$({ run busybox true; cat; } <"$W/lines" | tr '\n' ' ' | sed 's/ $//')"
t_is "a container's \`read\` takes one line of a pipe, the rest stays" "c:1 2 3" \
	"$(printf '1\n2\n3\n' | { run busybox sh -c 'read x; echo c:$x'; cat; } | tr '\n' ' ' | sed 's/ $//')"
t_is "... and of a file" "c:1 2 3" \
	"$({ run busybox sh -c 'read x; echo c:$x'; cat; } <"$W/lines" | tr '\n' ' ' | sed 's/ $//')"
n=0
while read -r _; do
	run busybox true
	n=$((n + 1))
done <"$W/lines"
t_is "a while-read loop around berth run sees every line" 3 "$n"

# The caller's side going away: the supervisor records the end all the same.
"$BERTH" run --name gone busybox sh -c 'echo a; sleep 1; echo b; exit 4' 2>/dev/null | true
t_is "a reader of the output that went away: the container's exit code still" 4 "${PIPESTATUS[0]}"
"$BERTH" run --name killed busybox sh -c 'sleep 1; echo x; exit 5' >/dev/null &
cli=$!
sleep 0.5
kill -9 "$cli"
wait "$cli" 2>/dev/null
wait_for 10 sh -c "\"$BERTH\" status killed | grep -q '^State: *exited'"
t_match "berth killed while its container runs: the end is recorded" 'State: *exited \(5\)' \
	"$("$BERTH" status killed)"
"$BERTH" rm gone killed >/dev/null

# No busy loop: berth waits on a pipe that stays open, on one that ended,
# and on a reader that does not read, without spinning.
cpu() {
	local TIMEFORMAT='%3U %3S'
	{ time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ print ($1 + $2 < 0.5) ? "idle" : "busy " $1 + $2 }'
}
t_is "no busy loop: stdin a pipe that stays open" idle "$(cpu sh -c "sleep 3 | \"$BERTH\" run --rm busybox sleep 2")"
t_is "no busy loop: stdin a pipe that ended" idle "$(cpu sh -c "true | \"$BERTH\" run --rm busybox sleep 2")"
t_is "no busy loop: a reader that waits" idle \
	"$(cpu sh -c "\"$BERTH\" run --rm busybox sh -c 'yes | head -c 1000000; sleep 1' | (sleep 2; cat >/dev/null)")"
t_end
