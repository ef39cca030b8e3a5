#!/bin/bash
# Options: every command and subcommand reads all of its arguments before
# it acts, takes --help, and names an option that is wrong (exit 125, the
# DB and the files as they were). -e KEY, `logs` of a foreground run,
# --debug, and the seeds' -i and -p, which Docker's users type with other
# meanings.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

berth image create busybox >/dev/null
berth image create busybox bb4 >/dev/null
berth run --name victim busybox true
berth run -d --name web busybox sleep 1000 >/dev/null
snapshot() {
	(cd "$ROOT" && find . \( -path ./run -o -path ./spare \) -prune -o -printf '%p %s %m\n' |
		grep -v -e 'state.db' | sort)
	db .dump
}
snapshot_sum() { snapshot | md5sum; }
before=$(snapshot_sum)

# --- --help (and -h) at every level: usage on stdout, nothing done -------
# "what is typed|what the usage names"
for entry in "|" run list "ls|list" status inspect stop start freeze thaw exec update logs rm \
	prune generate "generate systemd" image "image create" "image import" \
	"image debootstrap" "image list" "image ls|image list" "image inspect" "image rm" \
	system "system check" trace; do
	typed=${entry%%|*}
	named=${entry#*|}
	for flag in --help -h; do
		# shellcheck disable=SC2086
		capture berth $typed $flag
		t_is "berth $typed $flag exits 0" 0 "$RC"
		t_match "berth $typed $flag prints its usage" "^Usage: berth ${named:+$named }" "$OUT"
		t_is "berth $typed $flag prints nothing on stderr" "" "$ERR"
	done
done
t_is "--help does nothing" "$before" "$(snapshot_sum)"

# --- a wrong option: one line that names it, exit 125, nothing done ------
# expect_bad DESCRIPTION REGEX ARGS...
expect_bad() {
	local desc=$1 re=$2
	shift 2
	capture berth "$@"
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: one line naming the option" "^berth: $re" "$ERR"
	t_is "$desc: stderr is a single line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	t_is "$desc: nothing on stdout" "" "$OUT"
	t_is "$desc: DB and files unchanged" "$before" "$(snapshot_sum)"
}
unknown() { printf 'unknown option `%s` \\(see `berth %s--help`\\)' "$1" "${2:+$2 }"; }
# A literal text as a regular expression.
re_quote() { sed 's/[][\\.*^$+?(){}|]/\\&/g' <<<"$1"; }

# Before and after the arguments: options are read wherever they are
# (but for run and exec, where what follows IMAGE or CONTAINER is the
# command), and none of the arguments is acted on.
expect_bad "image rm --dry-run bb4" "$(unknown --dry-run 'image rm')" image rm --dry-run bb4
capture berth image inspect bb4
t_is "image rm --dry-run bb4 leaves bb4" 0 "$RC"
expect_bad "image rm bb4 --dry-run" "$(unknown --dry-run 'image rm')" image rm bb4 --dry-run
expect_bad "image rm -f bb4 --dry-run" "$(unknown --dry-run 'image rm')" image rm -f bb4 --dry-run
expect_bad "global" "$(unknown --dry-run '')" --dry-run list
expect_bad "run" "$(unknown --dry-run run)" run --dry-run busybox true
expect_bad "list" "$(unknown --dry-run list)" list --dry-run
expect_bad "ls" "$(unknown --dry-run list)" ls --dry-run
expect_bad "status" "$(unknown --dry-run status)" status web --dry-run
expect_bad "inspect" "$(unknown --dry-run inspect)" inspect web --dry-run
expect_bad "stop" "$(unknown --dry-run stop)" stop web --dry-run
expect_bad "start" "$(unknown --dry-run start)" start victim --dry-run
expect_bad "freeze" "$(unknown --dry-run freeze)" freeze web --dry-run
expect_bad "thaw" "$(unknown --dry-run thaw)" thaw web --dry-run
expect_bad "exec" "$(unknown --dry-run exec)" exec --dry-run web true
expect_bad "update" "$(unknown --dry-run update)" update web -m 64M --dry-run
expect_bad "logs" "$(unknown --dry-run logs)" logs web --dry-run
expect_bad "rm" "$(unknown --dry-run rm)" rm victim --dry-run
expect_bad "prune" "$(unknown --dry-run prune)" prune --dry-run
expect_bad "generate" "$(unknown --dry-run generate)" generate --dry-run systemd web
expect_bad "generate systemd" "$(unknown --dry-run 'generate systemd')" generate systemd web --dry-run
expect_bad "image" "$(unknown --dry-run image)" image --dry-run ls
expect_bad "image create" "$(unknown --dry-run 'image create')" image create busybox bb5 --dry-run
expect_bad "image import" "$(unknown --dry-run 'image import')" image import bb5 /nonexistent.tar --dry-run
expect_bad "image debootstrap" "$(unknown --dry-run 'image debootstrap')" image debootstrap bb5 --dry-run
expect_bad "image list" "$(unknown --dry-run 'image list')" image list --dry-run
expect_bad "image inspect" "$(unknown --dry-run 'image inspect')" image inspect bb4 --dry-run
expect_bad "system" "$(unknown --dry-run system)" system --dry-run check
expect_bad "system check" "$(unknown --dry-run 'system check')" system check --dry-run
expect_bad "trace" "$(unknown --dry-run trace)" trace --dry-run
# A short option is named as itself, also inside a group of them.
expect_bad "an unknown letter in a group" "$(unknown -z rm)" rm -fz victim
expect_bad "an unknown letter first in a group" "$(unknown -x exec)" exec -xt web true
# A value that is missing, or given where none is taken, is named too.
expect_bad "a missing value" 'option `-t` needs a value \(see `berth stop --help`\)' stop web -t
expect_bad "a missing value in a group" 'option `-e` needs a value' run -de
expect_bad "a missing long value" 'option `--restart` needs a value' generate systemd web --restart
expect_bad "a value for a flag" 'option `--rm` takes no value' run --rm=yes busybox true
expect_bad "an ambiguous prefix" 'option `--me` is ambiguous: --mem, --memory, --memory-swap' \
	run --me 64M busybox true
expect_bad "a global option after the command" '`--debug` is a global option: give it before the command' \
	list --debug
expect_bad "an unknown subcommand" 'unknown image command `remove`' image remove bb4
expect_bad "an unknown --restart" 'unknown --restart `sometimes`' generate systemd --restart sometimes web
expect_bad "an argument too many" 'unexpected argument `bb4` \(see `berth image inspect --help`\)' \
	image inspect busybox bb4
expect_bad "an invalid -e" 'invalid --env `=x`' run -e =x busybox true

# --- exec -it: a Docker user's habit works --------------------------------
capture berth exec -it web sh -c 'echo in-web'
t_is "exec -it runs the command" "0 in-web" "$RC $(tr -d '\r' <<<"$OUT")"
capture berth exec -i web cat <<<"from-stdin"
t_is "exec -i passes stdin" "0 from-stdin" "$RC $OUT"

# --- -e KEY takes the host's value, as Podman --------------------------------
unset BERTH_T_UNSET
capture env BERTH_T_FOO=host-value BERTH_T_EMPTY= BERTH_T_PRE1=a BERTH_T_PRE2=b \
	"$BERTH" run --rm -e BERTH_T_FOO -e BERTH_T_UNSET -e BERTH_T_EMPTY -e 'BERTH_T_PRE*' \
	-e BERTH_T_SET=given busybox env
envs=$(grep '^BERTH_T_' <<<"$OUT" | sort | tr '\n' ' ')
t_is "-e KEY takes the host's value; an unset KEY is left out; KEY* takes a prefix" \
	"0 BERTH_T_EMPTY= BERTH_T_FOO=host-value BERTH_T_PRE1=a BERTH_T_PRE2=b BERTH_T_SET=given " \
	"$RC $envs"
printf 'BERTH_T_FOO\nBERTH_T_UNSET\nBERTH_T_X=1\n' >"$ROOT/env"
t_is "--env-file takes a bare KEY from the host likewise" "BERTH_T_FOO=file BERTH_T_X=1 " \
	"$(BERTH_T_FOO=file "$BERTH" run --rm --env-file "$ROOT/env" busybox env | grep '^BERTH_T_' | sort | tr '\n' ' ')"
t_is "exec -e KEY takes the host's value" "BERTH_T_FOO=exec-host" \
	"$(BERTH_T_FOO=exec-host "$BERTH" exec -e BERTH_T_FOO -e BERTH_T_UNSET web env | grep '^BERTH_T_')"
rm -f "$ROOT/env"

# --- logs of a container that ran in the foreground --------------------------
berth run --name fg busybox echo to-the-terminal >/dev/null
capture berth logs fg
t_is "logs of a foreground container exits 125" 125 "$RC"
t_match "and says why there is nothing" \
	'^berth: container fg ran in the foreground: its output went to the terminal, and there is no log' "$ERR"
berth run -d --name quiet busybox true >/dev/null
wait_for_output 5 exited db "SELECT state FROM containers WHERE name='quiet'"
capture berth logs quiet
t_is "logs of a detached container with no output prints nothing, exit 0" "0||" "$RC|$OUT|$ERR"
berth rm fg quiet >/dev/null

# --- --debug shows the steps ---------------------------------------------------
capture berth --debug run --rm busybox true
t_is "--debug run succeeds" 0 "$RC"
for step in 'forked [0-9]+ to start .*berth-supervisor' 'image `busybox`: 1 layer' \
	'handed the configuration' 'recorded container [0-9a-f]{12} in the state DB' \
	'container [0-9a-f]{12} runs: pid [0-9]+' 'the container exited: status 0' 'run: exit status 0'; do
	t_match "--debug run shows: $step" "berth: $step" "$ERR"
done
capture env BERTH_DEBUG=1 "$BERTH" stop web
t_match "BERTH_DEBUG=1 shows a stop's steps" 'ask the supervisor of web .* to stop it' "$ERR"
t_match "and its wait" 'wait for the supervisor of web to record the end' "$ERR"
capture env BERTH_DEBUG=0 "$BERTH" list
t_is "BERTH_DEBUG=0 does not" "" "$ERR"
id=$(berth --debug run -d busybox true 2>/dev/null)
wait_for_output 5 exited db "SELECT state FROM containers WHERE id='$id'"
log=$(cat "$ROOT/containers/$id/supervisor.log")
t_match "the supervisor of a --debug run writes its steps to supervisor.log" \
	"berth-supervisor: container ${id:0:12} runs as pid" "$log"
t_match "up to the end" "berth-supervisor: container ${id:0:12} ended: exit code 0" "$log"
berth rm "$id" >/dev/null
before=$(snapshot_sum)

# --- the seeds' -i: one line when it comes with -t ---------------------------
ipc_line='-i is berth.s --share-ipc: this container shares the host.s IPC namespace; -t alone gives an interactive shell'
for flags in -it -ti "-i -t" "--share-ipc -t" "-d -it"; do
	# shellcheck disable=SC2086
	capture berth run --rm $flags busybox true
	[[ $flags == -d* ]] && wait_for 5 t_no_supervisors
	t_is "run $flags: the container runs" 0 "$RC"
	t_match "run $flags: one line on the IPC namespace" "^berth: $ipc_line\$" "$ERR"
done
capture berth run --rm -t busybox true
t_is "run -t alone: nothing on stderr" "0 " "$RC $ERR"
capture berth run --rm -i busybox true
t_is "run -i alone (the seeds' use): nothing on stderr" "0 " "$RC $ERR"

# --- the seeds' -p is --pin-cpu, not --publish ---------------------------------
publish='-p is berth.s --pin-cpu, not --publish: `%s` is not a CPU here; publish a port with --publish'
for value in 8080:80 127.0.0.1:8080:80 '[::1]:80:80' 8080:80/udp 80/tcp 65000; do
	# shellcheck disable=SC2059
	expect_bad "run -p $value" "$(printf -- "$publish" "$(re_quote "$value")")" run -p "$value" busybox true
done
# shellcheck disable=SC2059
expect_bad "run -p8080:80" "$(printf -- "$publish" 8080:80)" run -p8080:80 busybox true
# shellcheck disable=SC2059
expect_bad "update -p 8080:80" "$(printf -- "$publish" 8080:80)" update -p 8080:80 web
expect_bad "run -p 0: a CPU given apart" \
	'-p/--pin-cpu takes its CPU attached: -p0 or --pin-cpu=0' run -p 0 busybox true
capture berth run --rm -p busybox:latest true
t_ok "an image with a tag after -p is an image" test "${ERR#*pin-cpu}" = "$ERR"
# Docker's -w is --workdir; berth's (the seeds') is --io-write-bps.
expect_bad "run -w /dir" 'invalid --io-write-bps `/app`: -w is berth.s --io-write-bps; the working directory is --workdir' \
	run -w /app busybox true

t_end
