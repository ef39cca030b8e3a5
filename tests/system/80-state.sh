#!/bin/bash
# The state files: private modes, a damaged DB is reported clearly (never a
# crash), `berth system check`, and kill -9 at any moment loses nothing.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

berth run --name s1 busybox true
t_is "the state folder is 0700" 700 "$(stat -c %a "$ROOT")"
t_is "the state DB is 0600" 600 "$(stat -c %a "$ROOT/state.db")"
t_is "its WAL is 0600 too" 600 "$(stat -c %a "$ROOT/state.db-wal" 2>/dev/null || echo 600)"
t_is "the runtime folder is 0700" 700 "$(stat -c %a "$ROOT/run")"
t_is "a container's folder is 0700" 700 "$(stat -c %a "$ROOT/containers/$(db "SELECT id FROM containers")")"
t_is "its config.json is 0600" 600 "$(stat -c %a "$ROOT/containers/$(db "SELECT id FROM containers")/config.json")"

capture berth system check
t_is "system check on a sound state exits 0" 0 "$RC"
t_match "and says so" 'no problems found' "$OUT"
mkdir "$ROOT/containers/$(printf '%064d' 0 | tr 0 a)"
capture berth system check
t_is "a stray container folder is a problem (exit 1)" 1 "$RC"
t_match "named with what to do" 'PROBLEM: folder .* belongs to no container' "$OUT"
rmdir "$ROOT/containers/$(printf '%064d' 0 | tr 0 a)"
# What a --rm container's supervisor killed before its clean-up leaves.
mkdir -p "$ROOT/trash/old/upper/f" "$ROOT/trash/new"
touch -d '2 minutes ago' "$ROOT/trash/old"
capture berth system check
t_is "leftovers in trash/ are no problem" 0 "$RC"
t_match "system check removes them" 'fixed: removed 1 leftover folder of containers run with --rm' "$OUT"
t_is "but not one a supervisor may be removing right now" "new" "$(ls "$ROOT/trash")"
rmdir "$ROOT/trash/new"

# kill -9 of CLIs and supervisors while they write. Under --enable-asan
# without the leak check: a process killed while LeakSanitizer inspects it
# at exit makes LSan report that it could not ("Unable to get registers
# from thread"), about its own inspection, not about berth. Every other
# sanitizer check stays on, and leaks are checked by every other test.
killed=
for i in $(seq 1 20); do
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
		"$BERTH" run -d busybox true >/dev/null 2>&1 &
	pid=$!
	sleep 0.0$((RANDOM % 10))
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	killed="$killed $(pgrep -af "berth-supervisor --root $ROOT " | sed -n 's/.* --id \([0-9a-f]*\) .*/\1/p')"
	pkill -KILL -f "berth-supervisor --root $ROOT " 2>/dev/null
done
sleep 0.5
t_is "after kill -9 in the middle of writes the DB is intact" ok "$(db 'PRAGMA integrity_check')"
capture berth list
t_is "and berth reads it" 0 "$RC"
capture berth rm -f --all
t_is "whatever the kills left, rm can remove" "0 0" "$RC $(db 'SELECT count(*) FROM containers')"
# A supervisor killed before `run` recorded its container (it sets the
# container up meanwhile, common/protocol.h) leaves an empty cgroup no row
# names; `system check` removes those after a minute. This test's own go
# now, by the ids of the supervisors it killed.
for id in $killed; do
	[ -n "$CGROUP_ROOT" ] && [ -d "$CGROUP_ROOT/berth/$id" ] && rmdir "$CGROUP_ROOT/berth/$id" 2>/dev/null
done
# mark DIR ROOT: the owner mark berth puts on a container's cgroup.
mark() { python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.berth.root", sys.argv[2].encode())' "$1" "$2"; }
if [ -n "$CGROUP_ROOT" ]; then
	stale=$CGROUP_ROOT/berth/$(printf 'ab%.0s' $(seq 32))
	fresh=$CGROUP_ROOT/berth/$(printf 'cd%.0s' $(seq 32))
	other=$CGROUP_ROOT/berth/$(printf 'ef%.0s' $(seq 32))
	unmarked=$CGROUP_ROOT/berth/$(printf '12%.0s' $(seq 32))
	mkdir -p "$stale" "$fresh" "$other" "$unmarked"
	mark "$stale" "$ROOT"
	mark "$fresh" "$ROOT"
	mark "$other" "$ROOT-other"
	touch -d '2 minutes ago' "$stale" "$other" "$unmarked"
	capture berth system check
	t_ok "system check removes an empty cgroup of its root no row names, a minute old" test ! -e "$stale"
	t_ok "but not one that may be a container's being set up" test -d "$fresh"
	t_ok "nor one of another root" test -d "$other"
	t_ok "nor one without a root's mark" test -d "$unmarked"
	rmdir "$fresh" "$stale" "$other" "$unmarked" 2>/dev/null
else
	t_skip "stale cgroups: no cgroup v2 hierarchy"
fi

# A damaged DB: one clear line and a hint, never a crash.
cp "$ROOT/state.db" "$ROOT/good.db"
rm -f "$ROOT/state.db-wal" "$ROOT/state.db-shm"
head -c 4096 /dev/urandom >"$ROOT/state.db"
capture berth list
t_is "a DB of garbage: exit 125" 125 "$RC"
t_match "with one line and a hint" '^berth: the state DB .* is damaged .*see `berth system check`$' "$ERR"
capture berth system check
t_is "system check reports it (exit 1)" 1 "$RC"
t_match "and says what to do" 'system check --repair' "$OUT"
cp "$ROOT/good.db" "$ROOT/state.db"
truncate -s 1000 "$ROOT/state.db"
capture berth run --rm busybox true
t_is "a truncated DB: exit 125" 125 "$RC"
t_match "with a clear line" '^berth: .*state DB' "$ERR"
# A DB of 0 bytes is a damaged one (truncated), never a new one: a new DB
# is made whole before it gets its name.
printf '' >"$ROOT/state.db"
rm -f "$ROOT/good.db" "$ROOT/state.db-wal" "$ROOT/state.db-shm"
capture berth list
t_is "an empty DB file is refused, not taken as a new DB" 125 "$RC"
t_match "as empty" '^berth: the state DB .* is empty \(0 bytes\)' "$ERR"
t_is "and left as it was" 0 "$(stat -c %s "$ROOT/state.db")"
rm -f "$ROOT/state.db"
capture berth list
t_is "a missing DB is a new one" 0 "$RC"
t_is "made whole, in WAL mode" wal "$(db 'PRAGMA journal_mode')"
t_is "with no temporary file left" "" "$(ls "$ROOT" | grep 'state.db.new-')"

t_end
