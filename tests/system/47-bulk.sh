#!/bin/bash
# Bulk commands overlap their containers' waits: `stop -t 2` of N
# containers whose PID 1 ignores SIGTERM waits about one grace period, not
# N of them, also when few file descriptors are allowed; `prune` and
# `rm -f` take everything down. Names come out in the order given (or
# list order), every exit is recorded, and nothing is left behind.
#
# Timing decides nothing here but through bounds that prove parallelism or
# correctness, never noise: the grace periods in series take N x 2 s (80 s
# for the 40 containers here; 40 s with -t 1), so a stop that ends within
# 30 s overlapped them; and no stop can end before its grace period has
# run out.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

N=${BERTH_TEST_BULK:-40}
GRACE=2
BOUND_MS=30000
berth image create busybox >/dev/null

names=$(seq -f 'n%g' 1 "$N")
# A PID 1 that ignores SIGTERM (and has no child that would end on it).
for n in $names; do
	"$BERTH" run -d --name "$n" busybox sh -c 'trap "" TERM; while :; do sleep 1; done' \
		>/dev/null &
	((${n#n} % 20 == 0)) && wait
done
wait
t_is "$N containers run" "$N" "$(db "SELECT count(*) FROM containers WHERE state='running'")"
ids=$(db "SELECT id FROM containers")

pid=$(db "SELECT pid FROM containers WHERE name='n1'")
kill -TERM "$pid"
sleep 0.3
t_ok "their PID 1 ignores SIGTERM" test -d "/proc/$pid"

leftovers() {
	local id
	pgrep -f "berth-supervisor --root $ROOT "
	for id in $ids; do
		[ -e "$CGROUP_ROOT/berth/$id" ] && echo "cgroup $id"
	done
}

# ---- stop --all: the names in list order ----
list_order=$(db "SELECT name FROM containers ORDER BY rowid")
start=$(date +%s%N)
capture berth stop -t $GRACE --all
ms=$((($(date +%s%N) - start) / 1000000))
t_diag "stop -t $GRACE --all of $N containers: $ms ms"
t_is "stop --all succeeds" "0" "$RC"
t_is "stop --all prints every name, in list order" "$list_order" "$OUT"
t_is "stop --all prints no error" "" "$ERR"
t_ok "stop --all gave the grace period ($ms ms >= ${GRACE}000)" test "$ms" -ge $((GRACE * 1000))
t_ok "stop --all overlapped the grace periods ($ms ms < $BOUND_MS)" test "$ms" -lt $BOUND_MS
t_is "every container is recorded exited by SIGKILL (9)" "$N" \
	"$(db "SELECT count(*) FROM containers WHERE state='exited' AND exit_signal=9")"
t_is "no supervisor or cgroup is left" "" "$(leftovers)"

# ---- stop NAMES under a low fd limit: a window, still in the order given ----
# shellcheck disable=SC2086
berth start $names >/dev/null
t_is "they run again" "$N" "$(db "SELECT count(*) FROM containers WHERE state='running'")"
reversed=$(echo "$names" | tac)
start=$(date +%s%N)
# 60 fds (hard limit too) hold fewer pidfds than there are containers.
# shellcheck disable=SC2016,SC2086
capture bash -c 'ulimit -n 60 && exec "$0" stop -t 1 "$@"' "$BERTH" $reversed
ms=$((($(date +%s%N) - start) / 1000000))
t_diag "stop -t 1 of $N named containers with ulimit -n 60: $ms ms"
t_is "stop of $N names with 60 fds succeeds" "0" "$RC"
t_is "it prints the names in the order given" "$reversed" "$OUT"
t_is "it prints no error" "" "$ERR"
t_ok "it overlapped the grace periods ($ms ms < $BOUND_MS)" test "$ms" -lt $BOUND_MS
t_is "every container is recorded exited by SIGKILL (9)" "$N" \
	"$(db "SELECT count(*) FROM containers WHERE state='exited' AND exit_signal=9")"

# ---- prune: the exited half goes, the running half stays ----
half=$(seq -f 'n%g' 1 $((N / 2)))
# shellcheck disable=SC2086
berth start $half >/dev/null
exited_order=$(db "SELECT name FROM containers WHERE state='exited' ORDER BY rowid")
exited_ids=$(db "SELECT id FROM containers WHERE state='exited'")
capture berth prune
t_is "prune succeeds" "0" "$RC"
t_is "prune prints the exited ones, in list order" "$exited_order" "$OUT"
t_is "prune leaves the running ones, and only them" "$((N / 2))|$((N / 2))" \
	"$(db "SELECT count(*), count(*) FILTER (WHERE state='running') FROM containers")"
gone=yes
for id in $exited_ids; do
	[ -e "$ROOT/containers/$id" ] && gone="no: $id"
done
t_is "the pruned containers' folders are gone" yes "$gone"

# ---- rm -f NAMES: in the order given; a name twice is removed once ----
capture berth rm -f n2 n1 n1
t_is "rm -f n2 n1 n1 fails for the second n1" "125" "$RC"
t_is "it removes n2, then n1" "n2
n1" "$OUT"
t_is "the second n1 is not found (the first removed it)" "berth: no such container: n1" "$ERR"

# ---- image rm -f: its containers go with one rm -f ----
berth image create busybox bb2 >/dev/null
for k in 1 2 3; do berth run -d --name "i$k" bb2 sleep 1000 >/dev/null; done
capture berth image rm -f bb2
t_is "image rm -f removes its running containers, in list order, then itself" "0 i1 i2 i3 bb2 " \
	"$RC $(echo "$OUT" | tr "\n" " ")"
t_is "and only them" "$((N / 2 - 2))" "$(db "SELECT count(*) FROM containers")"

# ---- rm -f --all ----
list_order=$(db "SELECT name FROM containers ORDER BY rowid")
capture berth rm -f --all
t_is "rm -f --all succeeds" "0" "$RC"
t_is "rm -f --all prints every name, in list order" "$list_order" "$OUT"
t_is "no row is left" "0" "$(db "SELECT count(*) FROM containers")"
t_is "no container folder is left" "" "$(ls "$ROOT/containers")"
t_is "no run folder is left" "" \
	"$(find "$ROOT/run" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}')"
t_is "no supervisor or cgroup is left" "" "$(leftovers)"

t_end
