#!/bin/bash
# The man pages stay true to the commands: every command and subcommand
# that `--help` lists has a page (docs/man/), every option a --help prints
# is on the page of that help's command, and every option of its option
# column is documented there as an option (**--name**). Pages that go-md2man
# built render without a warning.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
mandir=$srcdir/docs/man
builddir=$(dirname "$BERTH")

# The page a --help belongs to, from its Usage line: "Usage: berth image
# COMMAND" is berth-image, "Usage: berth generate systemd [...]" is
# berth-generate-systemd, "Usage: berth [GLOBAL OPTIONS] ..." is berth.
page_of_help() {
	local w name=berth
	for w in $(sed -n '1s/^Usage: berth//p' <<<"$1"); do
		[[ $w =~ ^[a-z][a-z0-9-]*$ ]] || break
		name+=-$w
	done
	echo "$mandir/$name.1.md"
}

# The subcommands a --help lists in its "Commands:" section, one word at
# the start of a line, or else the plain words after the command on its
# Usage line (berth system check).
subcommands_of_help() {
	if grep -q '^Commands:$' <<<"$1"; then
		sed -n '/^Commands:$/,$p' <<<"$1" | sed -n 's/^  \([a-z][a-z0-9-]*\)\( .*\)\{0,1\}$/\1/p'
	else
		local w
		for w in $(sed -n "1s/^Usage: berth $2 //p" <<<"$1"); do
			[[ $w =~ ^[a-z][a-z0-9-]*$ ]] || break
			echo "$w"
		done
	fi
}

# Every long option a help mentions, anywhere (aliases are often named in
# the text: "alias --memory").
long_options_of_help() { grep -oE -- '--[a-z][a-z0-9-]*' <<<"$1" | sort -u; }
# The options of its option column: "  -d, --detach", "      --rm".
column_options_of_help() {
	sed -nE 's/^  (-[A-Za-z]), (--[a-z][a-z0-9-]*).*/\1\n\2/p; s/^ {2,6}(--[a-z][a-z0-9-]*).*/\1/p' <<<"$1" |
		sort -u
}

# check_help WHAT HELP: the options of HELP against the page it belongs to.
check_help() {
	local what=$1 help=$2 page o missing="" undocumented=""
	page=$(page_of_help "$help")
	t_ok "$what: its page ${page##*/} exists" test -f "$page"
	[ -f "$page" ] || return
	for o in $(long_options_of_help "$help"); do
		grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" "$page" || missing+=" $o"
	done
	t_is "$what: every option its --help names is on ${page##*/}" "" "${missing# }"
	for o in $(column_options_of_help "$help"); do
		grep -qF -- "**$o**" "$page" || undocumented+=" $o"
	done
	t_is "$what: each option of its --help is documented as one (**--opt**)" "" "${undocumented# }"
}

help=$("$BERTH" --help)
commands=$(subcommands_of_help "$help" "")
# The parsing above must find the commands, or the checks below check
# nothing.
t_ok "berth --help lists at least ten commands" test "$(wc -w <<<"$commands")" -ge 10
t_ok "berth --help lists run, list and image" grep -qx -e run <<<"$commands"
check_help "berth" "$help"

pages_wanted="berth.1.md"
for cmd in $commands; do
	pages_wanted+=" berth-$cmd.1.md"
	t_ok "berth $cmd has a man page" test -f "$mandir/berth-$cmd.1.md"
	capture "$BERTH" "$cmd" --help
	t_is "berth $cmd --help exits 0" 0 "$RC"
	check_help "berth $cmd" "$OUT"
	cmd_help=$OUT
	for sub in $(subcommands_of_help "$cmd_help" "$cmd"); do
		pages_wanted+=" berth-$cmd-$sub.1.md"
		t_ok "berth $cmd $sub has a man page" test -f "$mandir/berth-$cmd-$sub.1.md"
		# In this test's own --root: before every subcommand took --help,
		# `image rm --help` looked for an image called --help.
		capture "$BERTH" "$cmd" "$sub" --help
		if [ "$RC" = 0 ] && [ -n "$OUT" ]; then
			check_help "berth $cmd $sub" "$OUT"
		else
			t_skip "berth $cmd $sub --help fails (exit $RC): its options are checked with berth $cmd --help"
		fi
	done
done
pages_wanted+=" berth-supervisor.8.md berth-runtime.8.md"

# berth-runtime(8): every option its --help names is on its page.
runtime=$builddir/berth-runtime
if [ -x "$runtime" ]; then
	capture "$runtime" --help
	missing=""
	for o in $(long_options_of_help "$OUT"); do
		grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" "$mandir/berth-runtime.8.md" || missing+=" $o"
	done
	t_is "berth-runtime: every option its --help names is on berth-runtime.8.md" "" "${missing# }"
	for c in $(sed -n '/^Commands:$/,/^$/p' <<<"$OUT" | grep -oE '^  [a-z]+' | tr -d ' '); do
		grep -q "^#### \*\*$c\*\*" "$mandir/berth-runtime.8.md" || missing+=" $c"
	done
	t_is "berth-runtime: each command its --help starts a line with is on its page" "" "${missing# }"
else
	t_skip "no berth-runtime next to berth"
fi

# No page for a command that is gone, and every page is installed.
pages_there=$(cd "$mandir" && ls -- *.md | sort)
t_is "docs/man holds a page for each command and nothing else" \
	"$(tr ' ' '\n' <<<"$pages_wanted" | sort)" "$pages_there"
not_built=""
for p in $pages_there; do
	grep -q "docs/man/${p%.md} " "$mandir/local.mk" || not_built+=" $p"
done
t_is "docs/man/local.mk builds and installs every page" "" "${not_built# }"

# The roff that go-md2man made (a build without --disable-man).
warnings=""
for p in $pages_there; do
	roff=$builddir/docs/man/${p%.md}
	[ -f "$roff" ] || continue
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$roff" 2>&1 >/dev/null)
	[ -n "$w" ] && warnings+="${p%.md}: $w; "
done
if [ -f "$builddir/docs/man/berth-run.1" ]; then
	t_is "the built pages render without a warning" "" "$warnings"
	t_match "berth-run(1) renders its options" '--pin-cpu' \
		"$(MANWIDTH=80 man -l "$builddir/docs/man/berth-run.1" 2>/dev/null)"
else
	t_skip "no built man pages (configure --disable-man)"
	t_skip "no built man pages (configure --disable-man)"
fi

t_end
