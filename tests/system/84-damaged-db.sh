#!/bin/bash
# A damaged state DB is never taken for an empty one: commands that act on
# every container fail with the error `status` gives, not "nothing to do";
# a DB of 0 bytes is refused; `system check` never advises deleting a live
# container's folder; `system check --repair` rebuilds what can be rebuilt
# (indexes; rows from the containers' folders) and says what it could not.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

DBF="$ROOT/state.db"
# Overwrites the pages of the named b-trees with garbage. The DB is
# checkpointed first (the sqlite3 shell, the last to close it), so that
# the pages read are the file's.
damage() {
	local size page
	size=$(sqlite3 "$DBF" 'PRAGMA page_size')
	for name in "$@"; do
		page=$(sqlite3 "$DBF" "SELECT rootpage FROM sqlite_master WHERE name='$name'")
		[ -n "$page" ] || { t_diag "no b-tree $name"; continue; }
		head -c "$size" /dev/urandom | dd of="$DBF" bs="$size" seek=$((page - 1)) conv=notrunc status=none
	done
	sqlite3 "$DBF" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
}
container_indexes() { sqlite3 "$DBF" "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='containers'"; }
folders() { ls "$ROOT/containers" | sort | tr '\n' ' '; }

berth run --name done1 busybox true
berth run --name done2 busybox sh -c 'exit 7'
live=$(berth run -d --name live busybox sleep 1000)
sqlite3 "$DBF" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
before=$(folders)

# Damaged index pages.
damage $(container_indexes)
capture berth status live
t_is "status of a DB with damaged indexes fails" 125 "$RC"
t_match "naming the damage" "^berth: the state DB \`$DBF\` is damaged .*see \`berth system check\`" "$ERR"
status_err=${ERR#*is damaged}
for cmd in "prune" "rm --all" "rm -f --all"; do
	capture berth $cmd
	t_is "$cmd fails on damaged indexes" 125 "$RC"
	t_match "$cmd: with the error status gives" "^berth: the state DB \`$DBF\` is damaged .*see \`berth system check\`" "$ERR"
done
t_is "nothing was removed" "$before" "$(folders)"
t_ok "the live container still runs" pgrep -f "berth-supervisor --root $ROOT --id $live"

capture berth system check
t_is "system check finds the damage" 1 "$RC"
t_match "and names it" 'PROBLEM: integrity check: ' "$OUT"
t_match "and says --repair rebuilds it" 'system check --repair' "$OUT"
t_no_match "and never advises deleting a live container's folder" "(rm -rf|remove it|delete).*$live|$live.*(rm -rf|remove it)" "$OUT"
t_is "nothing was removed by the check" "$before" "$(folders)"

capture berth system check --repair
# REINDEX, or when the index pages are too damaged for SQLite to clear
# them, a new DB with every row.
t_match "--repair rebuilds the indexes" 'fixed: rebuilt the indexes; integrity: ok|fixed: a new DB holds what could be read from it: 3 containers, 1 image' "$OUT"
capture berth list
t_is "list works again" 0 "$RC"
t_match "with every container" 'done1 +busybox .* exited \(0\)' "$OUT"
capture berth status done2
t_match "and their exit codes" 'State: +exited \(7\)' "$OUT"

# Damaged table pages: the DB is moved aside and the rows are rebuilt from
# the containers' folders and the supervisors that run.
damage containers
capture berth list
t_is "list of a DB with a damaged table fails" 125 "$RC"
t_match "naming the damage" "the state DB \`$DBF\` is damaged" "$ERR"
capture berth system check --repair
t_match "--repair moves the damaged DB aside" "fixed: moved the damaged DB aside to $DBF.broken-" "$OUT"
t_match "and records the live container again" "fixed: recorded container live \(${live:0:12}\) again from its folder" "$OUT"
t_ok "the damaged DB is kept for the user" compgen -G "$DBF.broken-*"
capture berth status live
t_is "status works after the repair" 0 "$RC"
t_match "and shows the live container running" 'State: +running' "$OUT"
capture berth list
t_match "the ended ones are back" 'done1 +busybox .* exited' "$OUT"
capture berth status done2
t_match "with an exit code it cannot know said to be unknown" 'State: +exited \(unknown\)' "$OUT"
capture berth system check
t_is "a second check finds nothing" 0 "$RC"
berth stop -t 1 live >/dev/null
t_is "the repaired row is the supervisor's again: stop records the end" exited "$(db "SELECT state FROM containers WHERE name='live'")"

# A DB of 0 bytes while a container runs: refused, never made new.
live=$(berth run -d --name live2 busybox sleep 1000)
: >"$DBF"
rm -f "$DBF-wal" "$DBF-shm"
capture berth list
t_is "a 0-byte DB is refused" 125 "$RC"
t_match "as damaged, not new" "the state DB \`$DBF\` is empty \(0 bytes\): damaged, not new" "$ERR"
capture berth rm -f --all
t_is "rm -f --all refuses it too" 125 "$RC"
t_is "and the DB stays as it was" 0 "$(stat -c %s "$DBF")"
capture berth system check
t_is "system check reports it" 1 "$RC"
t_match "as empty" 'cannot open it \(it is empty: 0 bytes\)' "$OUT"
t_no_match "without advising to delete the live folder" "(rm -rf|remove it).*$live" "$OUT"
capture berth system check --repair
t_match "--repair records the running container again" "fixed: recorded container live2 .* again from its folder" "$OUT"
capture berth status live2
t_match "which is running" 'State: +running' "$OUT"

berth rm -f --all >/dev/null
t_is "everything is removed at the end" "" "$(folders)"
t_end
