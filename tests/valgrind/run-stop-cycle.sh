#!/bin/bash
# A run/stop cycle of a detached container with its supervisor under
# valgrind memcheck (as root):  tests/valgrind/run-stop-cycle.sh BUILDDIR
# Exits 1 when a log shows a memory error or a leak.
#
# valgrind 3.19 (Debian 12) implements neither openat2() nor pidfd_open()
# nor pidfd_send_signal(), and runs execveat() of a memfd by its name. So
# the init here takes the fallbacks: paths resolved in user space
# (common/resolve.c), berth-stage exec'd through /proc/self/fd. `berth
# stop` falls back to killing the cgroup after the grace period, and
# `berth exec` cannot join the container (its failure is checked too).
set -u
build=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
B=$build/berth
export BERTH_ROOT
BERTH_ROOT=$(mktemp -d /tmp/berth-valgrind.XXXXXX)
export BERTH_VALGRIND_LOGS=$BERTH_ROOT.logs
# berth keeps its cgroup parent once made: remove it if this made it.
# shellcheck source=tests/cgroup-root.sh
. "$here/../cgroup-root.sh"
cg_parent=
[ -z "$CGROUP_ROOT" ] || [ -d "$CGROUP_ROOT/berth" ] || cg_parent=$CGROUP_ROOT/berth
trap '"$B" rm -f vg >/dev/null 2>&1; rm -rf "$BERTH_ROOT"; [ -z "$cg_parent" ] || rmdir "$cg_parent" 2>/dev/null' EXIT

unset BERTH_SUPERVISOR
"$B" run -d --name vg busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.2; done' >/dev/null ||
	exit 1
"$B" stop -t 1 vg >/dev/null
# The same objects linked against the shared C library: memcheck cannot
# replace malloc() in a static one (configure links berth-supervisor as a
# static PIE where it can).
make -s -C "$build" tests/valgrind/berth-supervisor-dynamic >/dev/null || exit 1
export BERTH_SUPERVISOR=$here/supervisor.sh
export BERTH_VALGRIND_SUPERVISOR=$build/tests/valgrind/berth-supervisor-dynamic BERTH_STAGE=$build/berth-stage
"$B" start vg >/dev/null || exit 1
sleep 2
"$B" exec vg true 2>/dev/null
"$B" stop -t 2 vg >/dev/null
"$B" status vg | grep '^State:'
# A foreground --rm run: the supervisor started before the container
# exists (protocol.h), its kept DB connection, the clean-up after the CLI left.
"$B" run --rm --name vg2 busybox true || exit 1
for _ in $(seq 100); do
	pgrep -f "berth-supervisor --root $BERTH_ROOT " >/dev/null || break
	sleep 0.1
done

bad=0
for f in "$BERTH_VALGRIND_LOGS"/vg.*.log; do
	# Which process: the first one exits at once after its fork; the
	# container init is pid 1 of its namespace.
	if grep -q '^==[0-9]*== Command: [^ ]*berth-supervisor exec ' "$f"; then
		cmd="berth-supervisor exec"
	elif grep -q '^==1== ' "$f"; then
		cmd="container init"
	else
		cmd="supervisor"
	fi
	sum=$(grep -h 'ERROR SUMMARY' "$f" | sed 's/^==[0-9]*== //')
	leak=$(grep -hE 'in use at exit|definitely lost' "$f" | sed 's/^==[0-9]*== *//' | paste -sd';')
	echo "${f##*/} ($cmd): ${sum:-no summary: it execs the container command}${leak:+; $leak}"
	grep -q 'ERROR SUMMARY: [1-9]' "$f" && bad=1
	grep -q 'Syscall param\|Invalid \|uninitialised' "$f" && bad=1
done
[ "$bad" = 0 ] || echo "logs kept in $BERTH_VALGRIND_LOGS"
[ "$bad" = 0 ] && rm -rf "$BERTH_VALGRIND_LOGS"
exit "$bad"
