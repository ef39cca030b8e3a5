#!/bin/bash
# A hundred `run -d` at once with list, stop and rm in parallel: every
# command succeeds or fails cleanly, the DB never says "database is
# locked", no row is lost or doubled, and nothing is left behind.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

N=${BERTH_TEST_CONCURRENCY:-100}
berth image create busybox >/dev/null
mkdir "$ROOT/out"
# Names that cannot be the start of an id (not hex): an `rm -f c21` that
# ran before c21 existed would remove whichever container's id begins
# with c21, as a prefix of an id is a way to name a container.
start=$(date +%s%N)
for i in $(seq 1 "$N"); do
	"$BERTH" run -d --name "n$i" busybox sleep 1000 >"$ROOT/out/run$i" 2>"$ROOT/out/run$i.err" &
done
for i in $(seq 1 10); do
	"$BERTH" list >/dev/null 2>"$ROOT/out/list$i.err" &
	"$BERTH" stop -t 1 "n$((i * 3))" >/dev/null 2>"$ROOT/out/stop$i.err" &
	"$BERTH" rm -f "n$((i * 7))" >/dev/null 2>"$ROOT/out/rm$i.err" &
done
wait
ms=$((($(date +%s%N) - start) / 1000000))
t_diag "$N run -d with 30 list/stop/rm in parallel: $ms ms"

t_is "no command met a locked database" "" "$(cat "$ROOT"/out/*.err | grep -i 'locked\|busy')"
# A run may only fail when an `rm -f` of the same name removed it while it
# started, and then with one clear line.
removed_names=" $(for i in $(seq 1 10); do printf 'n%d ' $((i * 7)); done)"
failed=""
for i in $(seq 1 "$N"); do
	if ! grep -qE '^[0-9a-f]{64}$' "$ROOT/out/run$i"; then
		case "$removed_names" in *" n$i "*) ;; *) failed="$failed n$i" ;; esac
		t_match "run of n$i, removed while it started, failed with one clear line" \
			'^berth: the container was removed while it started$' "$(cat "$ROOT/out/run$i.err")"
	fi
done
t_is "every run -d not raced by an rm succeeded" "" "$failed"
bad=$(cat "$ROOT"/out/list*.err "$ROOT"/out/stop*.err "$ROOT"/out/rm*.err |
	grep -v -e '^berth: no such container: n[0-9]*$' -e 'is not running$' | head -3)
t_is "every other error is a clean one-line 'no such container' (raced before the run)" "" "$bad"
t_is "no duplicated rows" 0 "$(db "SELECT count(*) - count(DISTINCT name) FROM containers")"
for i in $(seq 1 "$N"); do
	id=$(cat "$ROOT/out/run$i")
	rmd=0
	for k in $(seq 1 10); do [ "$i" = $((k * 7)) ] && [ ! -s "$ROOT/out/rm$k.err" ] && rmd=1; done
	n=$(db "SELECT count(*) FROM containers WHERE id='$id'")
	if [ "$rmd" = 0 ] && [ "$n" != 1 ]; then
		echo "# lost row for n$i ($id)"
		lost=1
	fi
done
t_is "no row of a container that was not removed is lost" "" "${lost:-}"
t_is "the DB passes PRAGMA integrity_check" ok "$(db 'PRAGMA integrity_check')"
t_is "every container not stopped or removed is running" \
	"$(db "SELECT count(*) FROM containers")" \
	"$(db "SELECT count(*) FROM containers WHERE state IN ('running','exited')")"

ids=$(db "SELECT id FROM containers")
[ -z "$CGROUP_ROOT" ] || t_ok "their cgroups are there before the removal" \
	test -n "$(for id in $ids; do [ -d "$CGROUP_ROOT/berth/$id" ] && echo "$id"; done)"
start=$(date +%s%N)
capture berth rm -f --all
t_is "rm -f --all removes them all" "0 0" "$RC $(db 'SELECT count(*) FROM containers')"
t_diag "rm -f --all of $N containers: $((($(date +%s%N) - start) / 1000000)) ms"
t_is "no supervisor of this root is left" "" "$(pgrep -f "berth-supervisor --root $ROOT ")"
t_is "no cgroup of theirs is left" "" "$(for id in $ids; do [ -e "$CGROUP_ROOT/berth/$id" ] && echo "$id"; done)"

t_end
