#!/bin/bash
# berth run: foreground and detached, exit codes, stdio, signals, --rm,
# environment, hostname, working directory.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

capture berth run --rm busybox echo hello
t_is "foreground run prints the container's stdout" "hello" "$OUT"
t_is "and exits 0" 0 "$RC"

capture berth run --rm busybox sh -c 'echo out; echo err >&2; exit 7'
t_is "stdout reaches the terminal" "out" "$OUT"
t_is "stderr reaches the terminal" "err" "$ERR"
t_is "the container's exit code passes through" 7 "$RC"

OUT=$(echo "from stdin" | berth run --rm busybox cat)
t_is "stdin is connected in foreground runs" "from stdin" "$OUT"

capture berth run --rm -e FOO=bar --env BAZ=qux busybox sh -c 'echo $FOO-$BAZ-$HOME'
t_is "-e/--env set environment variables" "bar-qux-/root" "$OUT"

capture berth run --rm busybox sh -c 'echo $PATH'
t_is "a default PATH is set" "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$OUT"

capture berth run --rm --hostname web1 busybox hostname
t_is "--hostname sets the hostname" "web1" "$OUT"

capture berth run --rm --workdir /srv/app busybox pwd
t_is "--workdir sets (and creates) the working directory" "/srv/app" "$OUT"

# Killed by a signal: 128+N, for foreground runs.
"$BERTH" run busybox sleep 60 &
cli=$!
wait_for 5 sh -c "[ -n \"\$(sqlite3 $ROOT/state.db \"SELECT pid FROM containers WHERE state='running'\")\" ]"
pid=$(db "SELECT pid FROM containers WHERE state='running'")
kill -KILL "$pid"
wait $cli
t_is "a container killed by SIGKILL makes berth exit 137" 137 $?
t_is "the DB records the signal" "9|137|exited" "$(db "SELECT exit_signal, exit_code, state FROM containers")"
berth rm "$(db 'SELECT id FROM containers')" >/dev/null

# SIGTERM sent to berth reaches the container.
"$BERTH" run --rm busybox sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' >"$ROOT/out" &
cli=$!
wait_for 5 grep -q ready "$ROOT/out"
kill -TERM $cli
wait $cli
t_is "SIGTERM to berth reaches the container" 42 $?
# A background job of a script starts with SIGINT ignored; a terminal's
# Ctrl-C would not be: give the CLI a default disposition, as a shell would.
# The output file still says "ready" from the run above, and the background
# job truncates it only when it gets to run: empty it now, or the wait can
# pass, and SIGINT arrive, before the CLI has blocked it.
: >"$ROOT/out"
setsid bash -c 'trap - INT; exec "$0" "$@"' "$BERTH" run --rm busybox sh -c 'trap "exit 43" INT; echo ready; while :; do sleep 0.1; done' >"$ROOT/out" &
cli=$!
wait_for 5 grep -q ready "$ROOT/out"
kill -INT $cli
wait $cli
t_is "SIGINT to berth reaches the container" 43 $?

# Detached.
capture berth run -d --name det busybox sleep 60
t_is "run -d exits 0" 0 "$RC"
t_match "run -d prints the full container id" '^[0-9a-f]{64}$' "$OUT"
id=$OUT
t_is "the detached container is running" "running" "$(db "SELECT state FROM containers WHERE id='$id'")"
pid=$(db "SELECT pid FROM containers WHERE id='$id'")
t_ok "its process is alive" kill -0 "$pid"
sup=$(db "SELECT supervisor_pid FROM containers WHERE id='$id'")
sid=$(ps -o sid= -p "$sup" | tr -d ' ')
t_ok "the supervisor is in a session of its own" test "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')"
t_ok "and not its leader (double fork: it can never get a terminal)" test "$sid" != "$sup"
t_ok "the container has its own cgroup" test -d "$CGROUP_ROOT/berth/$id"
t_is "the container's process is in that cgroup" "0::/berth/$id" "$(cat /proc/$pid/cgroup | grep '^0::')"
berth rm -f det >/dev/null
t_ok "rm -f removes its cgroup" test ! -d "$CGROUP_ROOT/berth/$id"

# Detached output goes to the log file.
id=$(berth run -d busybox sh -c 'echo to-log; echo err-log >&2')
wait_for 5 sh -c "[ \"\$(sqlite3 $ROOT/state.db \"SELECT state FROM containers WHERE id='$id'\")\" = exited ]"
t_match "detached stdout is logged" 'stdout F to-log' "$(cat "$ROOT/containers/$id/ctr.log")"
t_match "detached stderr is logged" 'stderr F err-log' "$(cat "$ROOT/containers/$id/ctr.log")"
berth rm "$id" >/dev/null

# A detached container outlives the terminal and the CLI.
id=$(setsid "$BERTH" run -d busybox sleep 60 </dev/null)
sleep 0.2
t_is "a detached container keeps running after the CLI exits" running "$(db "SELECT state FROM containers WHERE id='$id'")"
berth rm -f "$id" >/dev/null

# --rm
# Its writable layer is thrown away: no sync of the host's filesystem when
# it ends (supervisor/init.c). A kept container's layer keeps the syncs.
t_match "--rm mounts its overlay volatile" 'volatile' \
	"$(berth run --rm busybox sh -c 'grep "^overlay / " /proc/mounts')"
t_is "a kept container's overlay is not volatile" "" \
	"$(berth run --name kept busybox sh -c 'grep "^overlay / " /proc/mounts' | grep volatile)"
berth rm kept >/dev/null
berth run --rm --name gone busybox true
t_is "--rm removes the row when the container exits" 0 "$(db "SELECT count(*) FROM containers")"
t_is "--rm removes the container's folder" "" "$(ls "$ROOT/containers")"
# The supervisor deletes the files after `run` returned (supervisor/exit.c).
wait_for 5 t_no_supervisors
t_is "and, once its supervisor is gone, nothing is left in trash/" "" "$(ls -A "$ROOT/trash")"
# Its folder, as the supervisor made it, is kept as a spare for the next
# run (supervisor/spare.c): upper/, work/ and rootfs/ empty, no config.
spares() { find "$ROOT/spare" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
t_is "the folder of a --rm container that wrote nothing is kept as a spare" 1 "$(spares)"
spare=$(ls "$ROOT/spare")
t_is "emptied: upper/, work/, rootfs/, an empty config.json and supervisor.log" \
	"config.json rootfs supervisor.log upper work||||0|0" \
	"$(ls "$ROOT/spare/$spare" | tr '\n' ' ' | sed 's/ $//')|$(ls -A "$ROOT/spare/$spare/upper")|$(ls -A "$ROOT/spare/$spare/work")|$(ls -A "$ROOT/spare/$spare/rootfs")|$(stat -c %s "$ROOT/spare/$spare/config.json")|$(stat -c %s "$ROOT/spare/$spare/supervisor.log")"
# Its inodes are used again: config.json is written in place, work/ is
# emptied, not made anew.
spare_inodes=$(stat -c %i "$ROOT/spare/$spare/config.json" "$ROOT/spare/$spare/work" | tr '\n' ' ')
cid=$(berth run -d --name spare0 busybox sleep 1000)
t_ok "the next run took the spare (its name is gone)" test ! -e "$ROOT/spare/$spare"
t_is "with the spare's config.json and work/" "$spare_inodes" \
	"$(stat -c %i "$ROOT/containers/$cid/config.json" "$ROOT/containers/$cid/work" | tr '\n' ' ')"
t_is "whose config.json is the container's, whole" "sleep 1000" \
	"$(jq -r '.process.args | join(" ")' "$ROOT/containers/$cid/config.json")"
t_is "inspect reads it" "sleep 1000" "$(berth inspect spare0 | jq -r '.[0].config.process.args | join(" ")')"
berth rm -f spare0 >/dev/null
berth run --rm --name spare1 busybox sh -c "echo \$\$ > /pid" >/dev/null
wait_for 5 t_no_supervisors
t_is "a folder with something written in it is not kept" 0 "$(spares)"
for i in 1 2 3 4 5 6; do berth run --rm busybox true & done
wait
wait_for 5 t_no_supervisors
t_ok "at most 4 spares are kept" test "$(spares)" -le 4 -a "$(spares)" -ge 1
capture berth system check
t_is "system check finds no problem with spares" 0 "$RC"
t_is "and no folder is left elsewhere" "||" "$(ls -A "$ROOT/containers")|$(ls -A "$ROOT/trash")|$(ls -A "$ROOT/run" | grep -v '^cache$')"

# The default seccomp filter is compiled once and kept (run/cache); a
# damaged cache file is not used, but made again.
cache=$(ls "$ROOT"/run/cache/seccomp-*.bpf | head -1)
t_ok "the default seccomp filter is cached" test -s "$cache"
printf 'berth seccomp cache 1\ngarbage' > "$cache"
t_match "with a damaged cache the container still gets its filter" "Seccomp:[[:space:]]*2" \
	"$(berth run --rm busybox grep Seccomp: /proc/self/status)"
t_match "and the cache is made again" "^berth seccomp cache 1" "$(head -c 200 "$cache" | head -1)"
t_ok "the rebuilt cache is the full program" test "$(stat -c %s "$cache")" -gt 100

id=$(berth run -d --rm busybox sleep 0.2)
wait_for 5 sh -c "[ -z \"\$(sqlite3 $ROOT/state.db \"SELECT id FROM containers WHERE id='$id'\")\" ]"
t_is "--rm with -d removes the container after it exits" 0 "$(db "SELECT count(*) FROM containers")"
t_ok "and its folder" test ! -e "$ROOT/containers/$id"

# The writable layer: changes stay in the container, not in the image.
berth run --name w busybox sh -c 'echo new > /etc/motd; rm /bin/ls' >/dev/null
img=$(image_layer busybox) || exit 1
t_ok "a file written in the container is not in the image" test ! -e "$img/etc/motd"
t_ok "a file deleted in the container is still in the image" test -e "$img/bin/ls"
id=$(db "SELECT id FROM containers WHERE name='w'")
t_is "the change is in the container's upper layer" new "$(cat "$ROOT/containers/$id/upper/etc/motd")"
berth rm w >/dev/null

# A rootfs folder works as IMAGE (the seeds' usage).
mkdir -p "$ROOT/myroot"
cp -a "$img/." "$ROOT/myroot/"
echo custom >"$ROOT/myroot/marker"
capture berth run --rm "$ROOT/myroot" cat /marker
t_is "a rootfs folder path works as IMAGE" custom "$OUT"
pushd "$ROOT" >/dev/null
capture berth run --rm ./myroot cat /marker
popd >/dev/null
t_is "a relative rootfs path works too" custom "$OUT"

# The CLI starts the supervisor on the CPUs other than its own, and hands
# its own affinity back with SYNC_GO: the container has the user's.
mine=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
t_is "the container runs on the CPUs berth was given ($mine)" "$mine" \
	"$(berth run --rm busybox awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)"
if [ "$(nproc)" -ge 2 ]; then
	last=$(($(nproc) - 1))
	# With the cpuset controller on (the test VM), Linux before 6.2 sets
	# a task that enters a cgroup to that cgroup's CPUs, whatever its
	# affinity was: the container's is then not berth's to keep.
	if grep -qw cpuset "$CGROUP_ROOT/cgroup.subtree_control" 2>/dev/null; then
		t_skip "taskset -c $last berth run: the container runs on CPU $last alone" \
			"the cpuset controller resets the affinity of a task entering a cgroup here"
	else
		t_is "taskset -c $last berth run: the container runs on CPU $last alone" "$last" \
			"$(taskset -c "$last" "$BERTH" run --rm busybox awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)"
	fi
	id=$(taskset -c "$last" "$BERTH" run -d busybox sleep 30)
	sup=$(db "SELECT supervisor_pid FROM containers WHERE id='$id'")
	t_is "and so does its supervisor" "$last" "$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/"$sup"/status)"
	berth rm -f "$id" >/dev/null
else
	t_skip "taskset: the container runs on the CPU berth was given" "one CPU here"
	t_skip "and so does its supervisor" "one CPU here"
fi

t_end
