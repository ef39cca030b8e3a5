#!/bin/bash
# berth list / status / rm, and how containers are named and found.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

id1=$(berth run -d --name alpha busybox sleep 60)
berth run --name beta busybox sh -c 'exit 3'

capture berth list
t_is "list exits 0" 0 "$RC"
t_match "list has the documented columns" '^ID +NAME +IMAGE +COMMAND +STATE +PID +CREATED' "$(head -1 <<<"$OUT")"
t_match "list shows a running container with its short id and pid" "${id1:0:12} +alpha +busybox +sleep 60 +running +[0-9]+ " "$OUT"
t_match "list shows an exited container with its exit code" 'beta +busybox +sh -c exit 3 +exited \(3\) +- ' "$OUT"
capture berth ls
t_match "ls is an alias of list" "alpha" "$OUT"
capture berth list -q
t_is "list -q prints full ids, one per line" 2 "$(grep -cE '^[0-9a-f]{64}$' <<<"$OUT")"
capture berth list --format json
t_is "list --format json is valid JSON with both containers" 2 "$(jq length <<<"$OUT" 2>/dev/null || python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$OUT")"
t_is "json carries state and exit code" "exited 3" "$(python3 -c 'import json,sys; d=[c for c in json.load(sys.stdin) if c["name"]=="beta"][0]; print(d["state"], d["exit_code"])' <<<"$OUT")"

capture berth status alpha
t_match "status by name shows the full id" "ID: +$id1" "$OUT"
t_match "status shows the state" 'State: +running' "$OUT"
t_match "status shows the pid" 'PID: +[0-9]+' "$OUT"
t_match "status shows the cgroup path" "Cgroup: +/sys/fs/cgroup/(unified/)?berth/$id1" "$OUT"
t_match "status shows the rootfs layers" 'Rootfs: +/' "$OUT"
t_match "status shows the command" 'Command: +sleep 60' "$OUT"
t_match "status shows limits" 'Limits: ' "$OUT"
capture berth status "${id1:0:5}"
t_match "status by unique id prefix" "ID: +$id1" "$OUT"
capture berth status beta
t_match "status of an exited container shows its exit code" 'Exit code: +3' "$OUT"
t_match "status shows when it finished" 'Finished: +20[0-9-]+T' "$OUT"
capture berth status --format json beta
t_is "status --format json" "beta" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])' <<<"$OUT")"

# An ambiguous prefix is an error that lists the matches: make enough
# containers that two share a first hex digit.
for i in $(seq 1 17); do berth run --name "amb$i" busybox true; done
prefix=$(db "SELECT substr(id,1,1) FROM containers GROUP BY 1 HAVING count(*) > 1 LIMIT 1")
capture berth status "$prefix"
t_is "an ambiguous prefix exits 125" 125 "$RC"
t_match "and lists the matching ids" "matches several containers: [0-9a-f]{12}, [0-9a-f]{12}" "$ERR"
for i in $(seq 1 17); do berth rm "amb$i" >/dev/null; done

# rm
capture berth rm alpha
t_is "rm refuses a running container" 125 "$RC"
t_match "with a message saying how" 'is running: stop it first, or use `rm -f`' "$ERR"
t_is "and the container is untouched" running "$(db "SELECT state FROM containers WHERE name='alpha'")"
pid=$(db "SELECT pid FROM containers WHERE name='alpha'")
capture berth rm -f alpha
t_is "rm -f removes a running container" 0 "$RC"
t_ok "its process is gone" wait_for 5 sh -c "! kill -0 $pid 2>/dev/null"
t_is "its row is gone" 0 "$(db "SELECT count(*) FROM containers WHERE name='alpha'")"
t_ok "its folder is gone" test ! -e "$ROOT/containers/$id1"
t_ok "its cgroup is gone" test ! -e "$CGROUP_ROOT/berth/$id1"
capture berth rm beta
t_is "rm removes an exited container" "0 beta" "$RC $OUT"
t_is "nothing is left in the DB" 0 "$(db "SELECT count(*) FROM containers")"
t_is "nothing is left on disk" "" "$(ls "$ROOT/containers")"

capture berth rm nosuch
t_is "rm of an unknown container fails" 125 "$RC"
t_is "with one clear line" "berth: no such container: nosuch" "$ERR"

t_end
