#!/bin/bash
# The README's examples work as written after `make install`. The build is
# installed with `make install DESTDIR=...`, and that folder is laid over
# the configured prefix (an OverlayFS, read-only) in a mount namespace of
# this test's own: the installed berth, berth-supervisor, man pages and
# completion are where configure put them, as after a plain `make
# install`, but no other process on the machine sees them. Then every line
# of the (longest) `sh` block of README.md's "Using it" section runs as it
# is written there, read from the README itself (so the test breaks when
# the README changes and stops working), without its `sudo ` (tests run as
# root), in a private --root. Lines that wait for a user get one: a
# terminal and a command to type for `-t`, input for a shell, a timeout for
# `logs -f`; `trace --duration 10` runs alongside the others. The paths the
# examples name are made: /srv/data on a tmpfs of this namespace,
# ./my-rootfs in the folder the examples run in. A host without the cpu and
# memory controllers refuses the line with limits, as README.md says; it
# runs whole in the test VM (tests/vm/local.mk), as do all the others.
. "$(dirname "$0")/lib.sh"
require_root
if [ -z "${BERTH_README_NS:-}" ]; then
	exec unshare --mount --propagation private env BERTH_README_NS=1 bash "$0" "$@"
fi
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=$(cd "$(dirname "$BERTH")" && pwd)
readme=$srcdir/README.md
# A variable of the build's Makefile, expanded as make does (marked: make
# may say more, such as that it remade a Makefile older than its sources).
mkvar() {
	printf 'berth-print-var:\n\t@echo "berth-var=$(%s)"\n' "$1" |
		make -s --no-print-directory -C "$builddir" -f Makefile -f - berth-print-var |
		sed -n 's/^berth-var=//p'
}
prefix=$(mkvar prefix)
[ -d "$prefix" ] || t_skip_all "the prefix $prefix is not a folder here"
t_begin

work=$(mktemp -d /tmp/berth-readme.XXXXXX)
mounted=""
# The mounts go with this mount namespace; before it, the folders under them.
T_EXTRA_CLEANUP='for m in $mounted; do umount "$m"; done; rm -rf "$work"'

# block HEADING: the lines of the longest ```sh block of the section "##
# HEADING", whatever prose and shorter examples come with it.
block() {
	awk -v h="## $1" '$0 == h { s = 1; next }
		s && /^## / { exit }
		s == 1 && /^```sh$/ { s = 2; n = 0; next }
		s == 2 && /^```$/ { if (n > best_n) { best = cur; best_n = n }; s = 1; cur = ""; next }
		s == 2 && NF { cur = cur $0 "\n"; n++ }
		END { printf "%s", best }' "$readme"
}

# In the test VM (make check-vm) only what needs its kernel: the examples.
# The rest is slow there under TCG, and checked on the host.
in_vm=${BERTH_VM_DISK:+yes}

# --- The quick start's first container, from the build tree -------------
if [ -z "$in_vm" ]; then
	quick=$(block "Quick start" | sed 's/ && /\n/g' | grep '^\./berth ')
	t_ok "the quick start ends with a ./berth command" test -n "$quick"
	out=$(cd "$builddir" && env -u BERTH_SUPERVISOR timeout 60 bash -c "$quick" 2>&1 </dev/null)
	t_is "quick start: $quick" "hello from berth" "$out"
fi

# --- make install, laid over the prefix ----------------------------------
dest=$work/dest
make -s -C "$builddir" install DESTDIR="$dest" >"$work/install.log" 2>&1
t_is "make install DESTDIR works" 0 $?
rc=0
mount -t overlay berth-readme -o "lowerdir=$dest$prefix:$prefix" "$prefix" || rc=$?
[ "$rc" = 0 ] && mounted=$prefix
t_is "the installed files are laid over $prefix" 0 "$rc"
export PATH=$prefix/bin:$PATH
unset BERTH_SUPERVISOR BERTH_STAGE
BERTH=$prefix/bin/berth
t_is "berth is the installed one" "$prefix/bin/berth" "$(type -P berth)"

# man(1) and bash-completion look under /usr/local and /usr; another prefix
# (make distcheck's) needs MANPATH and XDG_DATA_DIRS, as any program
# installed there would.
case $prefix in
/usr/local | /usr) ;;
*)
	MANPATH=$(mkvar mandir):
	XDG_DATA_DIRS=$(mkvar datadir):${XDG_DATA_DIRS:-/usr/local/share:/usr/share}
	export MANPATH XDG_DATA_DIRS
	;;
esac
if [ -n "$in_vm" ]; then
	t_skip "man pages: checked on the host"
elif [ -n "$(mkvar man1_MANS)" ]; then
	t_is "man -w berth-run finds the installed page" "$(realpath "$(mkvar mandir)/man1/berth-run.1")" \
		"$(realpath "$(man -w berth-run 2>&1)")"
	t_match "man berth-run shows its options" '--pin-cpu' "$(MANWIDTH=80 man berth-run 2>&1)"
	t_is "man -w 8 berth-supervisor finds the installed page" \
		"$(realpath "$(mkvar mandir)/man8/berth-supervisor.8")" "$(realpath "$(man -w 8 berth-supervisor 2>&1)")"
else
	t_skip "no man pages (configure --disable-man)"
	t_skip "no man pages (configure --disable-man)"
	t_skip "no man pages (configure --disable-man)"
fi
if [ -n "$in_vm" ]; then
	t_skip "bash completion: checked on the host"
elif [ -r /usr/share/bash-completion/bash_completion ]; then
	# bash-completion loads a command's completion the first time: from
	# the installed file, found on its own search path.
	loaded=$(bash -c '. /usr/share/bash-completion/bash_completion &&
		__load_completion berth && shopt -s extdebug && declare -F _berth' 2>&1)
	t_match "bash-completion loads the installed completion" \
		"^_berth [0-9]+ $(mkvar bashcompletiondir)/berth\$" \
		"$loaded"
else
	t_skip "no bash-completion installed"
fi

# --- The examples of "Using it" ------------------------------------------
# What they name: a host folder, a root filesystem folder.
mount -t tmpfs -o mode=0755 berth-readme-srv /srv && mounted+=" /srv" && mkdir /srv/data &&
	echo srv-data-file >/srv/data/hello
t_is "a private /srv/data for the examples" srv-data-file "$(cat /srv/data/hello 2>&1)"
mkdir -p "$work/run/my-rootfs/bin"
cp /bin/busybox "$work/run/my-rootfs/bin/busybox"
ln -s busybox "$work/run/my-rootfs/bin/sh"

mapfile -t examples <<<"$(block "Using it")"
t_ok "README.md's \"Using it\" has examples" test "${#examples[@]}" -ge 5
controllers=$(cat "$CGROUP_ROOT/cgroup.controllers" 2>/dev/null)
# Limits a host without those controllers refuses (README.md says so).
limits_re=' (-m|--mem|--memory|--memory-swap|-C|--cpu|--cpu-quota|--cpus|--cpu-shares|--cpu-weight|--pids-limit|-w|--io-write-bps|-r|--io-read-bps) [^ ]+'

# `trace --duration 10` runs in the background from the first `exec` on,
# alongside what that and the next examples do in the detached container
# (`stop` alone waits out its 10 s grace period: busybox httpd, PID 1 in
# its container, has no SIGTERM handler); without an `exec`, where it
# stands.
trace_line=""
for line in "${examples[@]}"; do
	[[ $line == *" trace "* ]] && trace_line=$line
done
TRACE_PID=
T_EXTRA_CLEANUP+="; [ -n \"\$TRACE_PID\" ] && kill -KILL \$TRACE_PID 2>/dev/null"
start_trace() {
	local cmd=${trace_line//sudo /}
	trace_desc=$(sed -E 's/ +#.*//' <<<"$cmd")
	trace_line=""
	if ! [ -r /sys/kernel/btf/vmlinux ] || "$BERTH" trace --help 2>&1 | grep -q "without eBPF"; then
		t_skip "$trace_desc: no eBPF here (a kernel without BTF, or --disable-bpf)"
		return
	fi
	(cd "$work/run" && exec bash -c "$cmd") >"$work/trace.out" 2>"$work/trace.err" </dev/null &
	TRACE_PID=$!
	wait_for 120 grep -qs "tracing" "$work/trace.err" || t_diag "trace: $(cat "$work/trace.err")"
}

traced=
ran=0
for line in "${examples[@]}"; do
	cmd=${line//sudo /}
	desc=$(sed -E 's/ +#.*//' <<<"$cmd")
	ran=$((ran + 1))
	if [[ $cmd == *" trace "* ]]; then
		[ -n "$trace_line" ] && start_trace
		continue
	fi
	[[ $cmd == *" exec "* && -n $trace_line ]] && start_trace
	if [[ $cmd =~ $limits_re ]] && ! { grep -qw memory <<<"$controllers" && grep -qw cpu <<<"$controllers"; }; then
		capture timeout 60 bash -c "cd '$work/run' && $cmd"
		t_is "$desc: refused here (exit 125)" 125 "$RC"
		t_match "$desc: naming the controllers this host lacks" 'cannot enforce.*controller' "$ERR"
		t_diag "this host's cgroup v2 has no cpu and memory controllers: the line runs whole in make check-vm; here without its limits"
		cmd=$(sed -E "s/$limits_re//g" <<<"$cmd")
		desc="$desc (without limits)"
	fi
	case $desc in
	*" -t "*" sh")
		# At a terminal: a command typed, then exit.
		out=$(cd "$work/run" && python3 "$srcdir/tests/system/pty-run.py" --timeout 60 \
			--input 'echo typed-$((6 * 7))\r' --input 'exit\r' -- bash -c "$cmd")
		t_match "$desc" $'^EXIT 0\n(.*\n)?typed-42' "$out"
		;;
	*" logs"*" -f "*|*" logs"*" --follow "*)
		# Follows a running container until stopped.
		(cd "$work/run" && timeout 2 bash -c "$cmd" >/dev/null 2>"$work/logs.err")
		t_is "$desc: still following after 2 s" 124 $?
		t_is "$desc: no error" "" "$(cat "$work/logs.err")"
		;;
	*" sh" | *" /bin/sh")
		# A shell that reads its commands from standard input.
		capture timeout 60 bash -c "cd '$work/run' && $cmd" \
			<<<'echo shell-ran; cat /data/hello; touch /data/new || echo not-written; exit 0'
		t_is "$desc" 0 "$RC"
		[ "$RC" = 0 ] || t_diag "stderr: $ERR"
		t_match "$desc: the shell ran" 'shell-ran' "$OUT"
		if [[ $cmd == *" /srv/data:/data:ro "* ]]; then
			t_match "$desc: with the host's /srv/data at /data" 'srv-data-file' "$OUT"
			t_match "$desc: read-only" 'not-written' "$OUT"
		fi
		;;
	*)
		capture timeout 60 bash -c "cd '$work/run' && $cmd" </dev/null
		t_is "$desc" 0 "$RC"
		[ "$RC" = 0 ] || t_diag "stderr: $ERR"
		# The detached container the trace should see at work.
		[[ $cmd =~ \ run\ (.*\ )?(-d|--detach)\ (.*\ )?--name\ ([^ ]+) ]] &&
			traced=${BASH_REMATCH[4]}
		;;
	esac
done
t_is "every line of the block ran" "${#examples[@]}" "$ran"

if [ -n "$TRACE_PID" ]; then
	wait "$TRACE_PID"
	t_is "$trace_desc: exits 0 after its duration" 0 $?
	TRACE_PID=
	t_match "$trace_desc: reports what it saw" 'berth trace: .* events' "$(cat "$work/trace.err")"
	if [ -n "$traced" ]; then
		t_match "$trace_desc: shows what happened in $traced" \
			"(^|"$'\n'")[0-9:.]+ $traced\\([0-9a-f]{8}\\) exec " "$(cat "$work/trace.out")"
	fi
fi

t_end
