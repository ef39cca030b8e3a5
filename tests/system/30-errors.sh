#!/bin/bash
# Bad input: one line on stderr naming the problem, exit 125 (or 126/127
# for a command that cannot run), and the DB and the filesystem as before.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

berth run --name existing busybox true
snapshot() {
	# run/ is runtime state; spare/ holds ready folders any run may take
	# (supervisor/spare.c), checked on their own below.
	(cd "$ROOT" && find . \( -path ./run -o -path ./spare \) -prune -o -printf '%p %s %m\n' |
		grep -v -e 'state.db' | sort)
	db .dump
}
# Compared as a checksum: a difference is named by the test, not printed.
snapshot_sum() { snapshot | md5sum; }
before=$(snapshot_sum)

# expect_bad DESCRIPTION REGEX ARGS...: exit 125, one line matching REGEX,
# no change to the DB or the files.
expect_bad() {
	local desc=$1 re=$2
	shift 2
	capture berth "$@"
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: one line naming the problem" "^berth: $re" "$ERR"
	t_is "$desc: stderr is a single line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	t_is "$desc: DB and files unchanged" "$before" "$(snapshot_sum)"
}

expect_bad "unknown image" 'image `nosuchimage` not found' run nosuchimage true
expect_bad "missing rootfs folder" 'rootfs `/nonexistent`: No such file' run /nonexistent true
expect_bad "a file as rootfs" 'rootfs `/etc/passwd` is not a directory' run /etc/passwd true
expect_bad "unknown flag" 'unknown option `--bogus`' run --bogus busybox true
expect_bad "unknown global flag" 'unknown option `--bogus`' --bogus list
expect_bad "unknown command" 'unknown command `frobnicate`' frobnicate
expect_bad "missing command" 'missing COMMAND to run in `busybox`' run busybox
expect_bad "missing image" 'missing IMAGE' run
expect_bad "duplicate name" 'the name `existing` is already in use' run --name existing busybox true
expect_bad "invalid name" 'invalid container name `\.\./x`' run --name ../x busybox true
expect_bad "bad environment variable" 'invalid --env `=x`: expected KEY=VALUE' run -e =x busybox true
expect_bad "bad hostname" 'invalid hostname `-bad-`' run --hostname -bad- busybox true
expect_bad "a command that is not UTF-8" 'the command is not valid UTF-8' run busybox echo $'a\xffb'
# `run` starts its supervisor before it creates the container
# (common/protocol.h): a run refused after that must not leave it behind.
t_ok "a refused run leaves no supervisor behind" wait_for 5 t_no_supervisors
expect_bad "relative workdir" '--workdir `rel` must be an absolute path' run --workdir rel busybox true
expect_bad "option without value" 'option `--name` needs a value' run --name
expect_bad "unknown container" 'no such container: ghost' status ghost
expect_bad "hostile container key" 'invalid container name or id `\.\./\.\./etc`' status ../../etc
expect_bad "rm of an unknown container" 'no such container: ghost' rm ghost
expect_bad "image name with a path" 'invalid image name `a/\.\./b`' run a/../b true
expect_bad "bad list format" 'unknown --format `yaml`' list --format yaml
# A supervisor that cannot be executed is named, and a --rm run leaves
# nothing (the CLI starts it with fork and exec, and hears of a failed exec
# over the socket, after it has created the container).
printf '' >"$ROOT/not-a-program"
chmod +x "$ROOT/not-a-program"
before=$(snapshot_sum)
BERTH_SUPERVISOR=$ROOT/not-a-program expect_bad "a supervisor that is not a program" \
	'start .*/not-a-program: Exec format error' run --rm busybox true
# The supervisor's last word reaches the CLI even when it went before
# reading what the CLI sent it (the kernel then reports a reset first).
other=0
for i in $(seq 30); do
	capture env BERTH_SUPERVISOR="$ROOT/not-a-program" "$BERTH" run --rm busybox true
	[[ $ERR == *"Exec format error"* ]] || { other=$((other + 1)); t_diag "$ERR"; }
done
t_is "a supervisor that is not a program is named so every time (30 runs)" 0 "$other"
BERTH_SUPERVISOR=/etc/passwd expect_bad "a supervisor that is not executable" \
	'cannot find berth-supervisor .*: Permission denied' run --rm busybox true
# A supervisor that ends before the container started: a --rm run took its
# container with it, so the error points nowhere; a kept one names it.
BERTH_SUPERVISOR=/bin/true expect_bad "a --rm run whose supervisor ended early" \
	'the supervisor ended before the container started$' run --rm busybox true
capture env BERTH_SUPERVISOR=/bin/true "$BERTH" run --name early busybox true
t_match "a kept one points to its status" 'started \(see `berth status [0-9a-f]{12}`\)$' "$ERR"
t_is "which is there to see" 1 "$(db "SELECT count(*) FROM containers WHERE name='early'")"
berth rm -f early >/dev/null
before=$(snapshot_sum)
rm -f "$ROOT/not-a-program"
# A run refused once its supervisor has set the container up (the name is
# taken when the CLI records it, common/protocol.h): the spare folder it
# took goes back, and nothing else is left.
berth run --rm busybox true
wait_for 5 t_no_supervisors
t_ok "a --rm run left a spare folder" test -n "$(ls -A "$ROOT/spare")"
spare_list() { (cd "$ROOT/spare" && find . -printf '%p %s %m\n' | sort); }
spares_before=$(spare_list)
before=$(snapshot_sum)
expect_bad "a name taken, with a spare folder taken meanwhile" 'the name `existing` is already in use' \
	run --rm --name existing busybox true
t_is "the spare folder it took is back, emptied" "$spares_before" "$(spare_list)"
before=$(snapshot_sum)

# A command that is not there, or not executable: 127 and 126, as Podman.
capture berth run --rm busybox /no/such/cmd
t_is "a missing command path exits 127" 127 "$RC"
t_match "and says why" 'berth: cannot execute `/no/such/cmd`: No such file or directory' "$ERR"
capture berth run --rm busybox nosuchcmd
t_is "a command not in PATH exits 127" 127 "$RC"
t_match "and says so" 'berth: `nosuchcmd`: executable file not found in \$PATH' "$ERR"
capture berth run --rm busybox /etc/passwd
t_is "a command that is not executable exits 126" 126 "$RC"
t_match "and says why" 'Permission denied' "$ERR"
capture berth run --name nx busybox nosuchcmd
t_is "without --rm the failed container is kept, exited 127" "exited|127" "$(db "SELECT state, exit_code FROM containers WHERE name='nx'")"
t_match "with the reason recorded" 'not found' "$(db "SELECT error FROM containers WHERE name='nx'")"
# The control socket is made while the init sets up (supervisor/spawn.c):
# an init that fails takes it away again, though the container stays.
wait_for 5 t_no_supervisors
t_is "and no control socket is left of it" "" "$(ls -A "$ROOT/run" | grep -v '^cache$')"
berth rm nx >/dev/null
t_is "--rm leaves nothing after a failed start" "$before" "$(snapshot_sum)"

# --help and --version everywhere.
t_match "--version" '^berth [0-9]+\.[0-9]+' "$(berth --version)"
for cmd in run list status rm image; do
	capture berth $cmd --help
	t_ok "$cmd --help exits 0" test "$RC" = 0
	t_match "$cmd --help prints usage" "Usage: berth $cmd" "$OUT"
done

t_end
