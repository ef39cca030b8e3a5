#!/bin/bash
# Bash completion (cli/berth.bash), as bash-completion runs it: the script
# sourced after bash-completion's helpers, its function called with
# COMP_WORDS and COMP_CWORD set, and COMPREPLY checked. Commands, options,
# subcommands, option values, containers and images of a private --root.
. "$(dirname "$0")/lib.sh"
require_root
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
script=$srcdir/cli/berth.bash
helpers=/usr/share/bash-completion/bash_completion
[ -r "$helpers" ] || t_skip_all "no $helpers: install the Debian package bash-completion"
t_begin

work=$(mktemp -d /tmp/berth-completion.XXXXXX)
T_EXTRA_CLEANUP="rm -rf $work"

# bash-completion's helpers and the script, loaded once into this shell
# as into an interactive one (they are not written for set -u).
set +u
. "$helpers" && . "$script"
loaded=$?
set -u

# complete LINE: COMPREPLY for LINE (the cursor at its end; a line that
# ends in a space completes a new word), one word a line, sorted; in $work,
# with BERTH_ROOT as the caller has it.
complete_line() {
	(
		set +u
		cd "$work" || exit 1
		COMP_LINE=$1 COMP_POINT=${#1}
		read -ra COMP_WORDS <<<"$1"
		[[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		fn=$(complete -p berth | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" berth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	)
}
# has WORD LIST: LIST (one a line) holds WORD.
has() { grep -qxF -- "$1" <<<"$2"; }

t_ok "the script is there" test -r "$script"
t_is "it loads" 0 "$loaded"
t_ok "it completes berth" eval 'complete -p berth >/dev/null 2>&1'

# Commands, from `berth --help`.
out=$(complete_line "$BERTH ")
t_ok "commands: run" has run "$out"
t_ok "commands: image" has image "$out"
t_ok "commands: the alias ls" has ls "$out"
t_is "commands starting with st" "$(printf '%s\n' start status stop)" "$(complete_line "$BERTH st")"
t_ok "global options: --root" has --root "$(complete_line "$BERTH --")"

# Options of run, from `berth run --help`.
out=$(complete_line "$BERTH run --")
for o in --name --detach --rm --env --tty --mount --tmpfs --cap-add --userns --ipc --net \
	--mem --memory --cpus --pids-limit --pin-cpu --help; do
	t_ok "run's options: $o" has "$o" "$out"
done
t_ok "run's short options: -d" has -d "$(complete_line "$BERTH run -")"
t_is "options of stop starting with --t" --time "$(complete_line "$BERTH stop --t")"
t_is "values of --net (no state folder yet: no network names)" "$(printf '%s\n' bridge container: host none private)" "$(complete_line "$BERTH run --net ")"
t_is "values of --format=" json "$(complete_line "$BERTH list --format=j")"
t_is "values of trace -e starting with e" "$(printf '%s\n' exec exit)" "$(complete_line "$BERTH trace -e e")"
mkdir -p "$work/srv/data"
t_is "-v completes a host path" "$work/srv" "$(complete_line "$BERTH run -v $work/sr")"

# Subcommands and their options.
out=$(complete_line "$BERTH image ")
t_ok "image's subcommands: import" has import "$out"
t_ok "image's subcommands: rm" has rm "$out"
t_is "system's subcommands" check "$(complete_line "$BERTH system ")"
t_is "generate's subcommands" systemd "$(complete_line "$BERTH generate ")"
t_is "image import's options" "$(printf '%s\n' --max-files --max-size)" \
	"$(complete_line "$BERTH image import --max")"
t_is "image list's options" --format "$(complete_line "$BERTH image list --f")"
t_is "image's registry subcommands" "$(printf '%s\n' pull push)" "$(complete_line "$BERTH image pu")"
t_is "values of --pull" "$(printf '%s\n' always missing never)" "$(complete_line "$BERTH run --pull ")"
t_is "values of image save --format" "$(printf '%s\n' docker-archive oci-archive)" \
	"$(complete_line "$BERTH image save --format ")"
t_is "login and logout" "$(printf '%s\n' login logout logs)" "$(complete_line "$BERTH lo")"

# Containers and images, from a private --root given on the command line:
# BERTH_ROOT points elsewhere meanwhile.
berth run -d --name comp-running busybox sleep 60 >/dev/null
berth run --name comp-exited busybox true
berth image create busybox comp-image >/dev/null
other=$work/other-root
complete_root() { BERTH_ROOT=$other complete_line "$BERTH --root $ROOT $1"; }
t_is "stop offers the running container" comp-running "$(complete_root "stop comp")"
t_is "start offers the exited one" comp-exited "$(complete_root "start comp")"
t_is "rm offers both" "$(printf '%s\n' comp-exited comp-running)" "$(complete_root "rm comp")"
t_is "exec offers the running container" comp-running "$(complete_root "exec comp")"
t_is "exec's COMMAND is not a container" "" "$(complete_root "exec comp-running comp")"
out=$(complete_root "run -d --name x ")
t_ok "run's IMAGE: the image busybox" has busybox "$out"
t_ok "run's IMAGE: the image comp-image" has comp-image "$out"
t_ok "run's IMAGE: a rootfs folder" has srv "$out"
t_is "and --root=DIR too" comp-image "$(BERTH_ROOT=$other complete_line "$BERTH --root=$ROOT image rm comp")"
t_is "\$BERTH_ROOT is used without --root" comp-running "$(complete_line "$BERTH stop comp")"
t_is "another root has none of them" "" "$(BERTH_ROOT=$other complete_line "$BERTH rm comp")"
t_ok "completing never makes a state folder" test ! -e "$other"
t_is "--ipc container: offers running containers" comp-running \
	"$(complete_root "run --ipc container:comp")"
t_is "--net container: offers running containers" comp-running \
	"$(complete_root "run --net container:comp")"
berth network create comp-net >/dev/null
t_is "--net offers the networks of the root" comp-net "$(complete_root "run --net comp")"

t_end
