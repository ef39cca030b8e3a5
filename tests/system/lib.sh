#!/bin/bash
# Shared helpers for berth's system tests: TAP output, a private --root per
# test file, and a clean-up trap that removes every container, mount,
# cgroup and process the test made, even when it fails.
#
#   . "$(dirname "$0")/lib.sh"
#   require_root
#   t_begin                       # sets $ROOT, exports BERTH_ROOT
#   berth run --rm busybox true   # the binary under test
#   t_ok "run succeeds" test $? -eq 0
#   t_end                         # prints the TAP plan, exits

set -u
BERTH=${BERTH:-$(cd "$(dirname "$0")/../.." && pwd)/berth}
export BERTH_SUPERVISOR=${BERTH_SUPERVISOR:-$(dirname "$BERTH")/berth-supervisor}
T_N=0
T_FAILED=0
ROOT=

# shellcheck source=tests/cgroup-root.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cgroup-root.sh"

berth() { "$BERTH" "$@"; }

t_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

require_root() {
	[ "$(id -u)" = 0 ] || t_skip_all "system tests need root"
}

# t_ok DESCRIPTION COMMAND...: one TAP result from a command's status.
t_ok() {
	local desc=$1
	shift
	T_N=$((T_N + 1))
	if "$@"; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_is DESCRIPTION EXPECTED ACTUAL
t_is() {
	T_N=$((T_N + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		echo "#   expected: $(printf %q "$2")"
		echo "#   actual:   $(printf %q "$3")"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_match DESCRIPTION REGEX ACTUAL
t_match() {
	T_N=$((T_N + 1))
	if [[ $3 =~ $2 ]]; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		echo "#   expected to match: $2"
		echo "#   actual: $(printf %q "$3")"
		T_FAILED=$((T_FAILED + 1))
	fi
}
t_no_match() {
	T_N=$((T_N + 1))
	if [[ $3 =~ $2 ]]; then
		echo "not ok $T_N - $1"
		echo "#   expected not to match: $2"
		echo "#   actual: $(printf %q "$3")"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "ok $T_N - $1"
	fi
}

# t_skip DESCRIPTION: one TAP result, skipped for the reason given.
t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP $*"
}

t_diag() { echo "# $*"; }

# Runs "$@", capturing stdout in $OUT, stderr in $ERR and the status in $RC.
capture() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# Every container id this test's root knows.
t_container_ids() {
	[ -n "$ROOT" ] && [ -f "$ROOT/state.db" ] || return 0
	sqlite3 -cmd ".timeout 10000" "$ROOT/state.db" "SELECT id FROM containers" 2>/dev/null
}

t_cleanup() {
	local ids id
	ids=$(t_container_ids)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		"$BERTH" rm -f $ids >/dev/null 2>&1
	fi
	# Anything a failed test left: supervisors of this root, their cgroups.
	for id in $ids; do
		local cg
		for cg in ${CGROUP_ROOT:+$CGROUP_ROOT/berth/$id}; do
			if [ -d "$cg" ]; then
				echo 1 >"$cg/cgroup.kill" 2>/dev/null
				sleep 0.1
				rmdir "$cg" 2>/dev/null
			fi
		done
	done
	# A supervisor ends on its own once its container is gone; killing it
	# at that moment would also lose a sanitizer's report, written at exit.
	if [ -n "$ROOT" ]; then
		wait_for 5 t_no_supervisors
		pkill -KILL -f "berth-supervisor --root $ROOT " 2>/dev/null
	fi
	[ -n "$CGROUP_ROOT" ] && rmdir "$CGROUP_ROOT/berth" 2>/dev/null
	if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		# Never follow into a mount a failed test left behind.
		grep -q " $ROOT/" /proc/mounts && awk -v r="$ROOT/" '$2 ~ "^"r {print $2}' /proc/mounts |
			sort -r | xargs -r -n1 umount -l
		rm -rf "$ROOT"
	fi
	[ -n "${T_EXTRA_CLEANUP:-}" ] && eval "$T_EXTRA_CLEANUP"
}

t_no_supervisors() { ! pgrep -f "berth-supervisor --root $ROOT " >/dev/null; }

# Under --enable-asan (tests/local.mk) every berth process of this test
# writes sanitizer reports to $BERTH_SANITIZER_LOGS instead of its stderr,
# which for a supervisor is a file removed with the container: one more
# test point fails when there is any, and shows them.
t_check_sanitizers() {
	[ -n "${BERTH_SANITIZER_LOGS:-}" ] || return 0
	local reports f
	reports=$(find "$BERTH_SANITIZER_LOGS" -type f 2>/dev/null | sort)
	T_N=$((T_N + 1))
	if [ -z "$reports" ]; then
		echo "ok $T_N - no sanitizer reports"
		return 0
	fi
	echo "not ok $T_N - sanitizer reports in $BERTH_SANITIZER_LOGS"
	for f in $reports; do
		echo "# $f:"
		head -n 60 "$f" | sed 's/^/#   /'
	done
	T_FAILED=$((T_FAILED + 1))
}

t_begin() {
	ROOT=$(mktemp -d /tmp/berth-test.XXXXXX)
	export BERTH_ROOT=$ROOT
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
}

t_end() {
	t_cleanup
	trap - EXIT
	t_check_sanitizers
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: retries COMMAND every 50 ms.
wait_for() {
	local limit=$(($1 * 20))
	shift
	local i
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# wait_for_output SECONDS EXPECTED COMMAND...: retries COMMAND (run anew
# each time, unlike a "$(...)" in wait_for's arguments, which is expanded
# once) until it prints EXPECTED.
wait_for_output() {
	local limit=$1 want=$2
	shift 2
	wait_for "$limit" _output_is "$want" "$@"
}
_output_is() {
	local want=$1
	shift
	[ "$("$@")" = "$want" ]
}

# With a busy timeout: the sqlite3 shell has none, and a berth process that
# closes the DB last checkpoints it under an exclusive lock for a moment.
db() { sqlite3 -cmd ".timeout 10000" "$ROOT/state.db" "$@"; }

# The top layer folder of an image, for tests that copy it. Never empty: an
# empty path would make `cp -a "$dir/." ...` copy the host's whole root. The
# DB holds it relative to the root.
image_layer() {
	local dir
	dir=$(db "SELECT json_extract(layers, '\$[0]') FROM images WHERE name='${1:-busybox}'")
	[ -n "$dir" ] && dir=$ROOT/$dir
	if [ -z "$dir" ] || [ ! -d "$dir" ] || [ "$dir" = / ]; then
		echo "Bail out! no layer folder for image ${1:-busybox} (got '$dir')" >&2
		exit 1
	fi
	echo "$dir"
}

# The mount namespace a runtime's client (podman, containerd) runs in:
# /run, and each PATH:MODE given, a new tmpfs; every mount under
# /sys/fs/cgroup read-only but berth's cgroup v2 one ($CGROUP_ROOT), where
# berth-runtime makes the containers' cgroups, so that the client cannot
# make any in the host's cgroup v1 hierarchies. Its holder's pid in HOLDER;
# killing the holder takes the namespace and every mount in it away.
client_ns_start() {
	local fifo=$ROOT/client-ns.ready
	mkfifo "$fifo"
	unshare -m --propagation private bash -c '
		set -e
		fifo=$1 keep=$2
		shift 2
		for d in /run:755 "$@"; do
			mount -t tmpfs -o "size=64m,mode=${d#*:}" berth-test-tmpfs "${d%%:*}"
		done
		for m in $(awk -v keep="$keep" "\$2 ~ /^\/sys\/fs\/cgroup/ && \$2 != keep { print \$2 }" /proc/self/mounts | sort -u); do
			mount -o remount,bind,ro "$m"
		done
		echo ready >"$fifo"
		exec sleep infinity' ns-holder "$fifo" "$CGROUP_ROOT" "$@" >/dev/null 2>&1 &
	HOLDER=$!
	read -r -t 10 _ <"$fifo" || { echo "Bail out! the namespace did not come up"; exit 1; }
}

# The mounts under /sys/fs/cgroup that are writable in the holder's
# namespace (only the top one at each mount point counts).
client_ns_rw_cgroups() {
	nsenter -t "$HOLDER" -m awk '$2 ~ /^\/sys\/fs\/cgroup/ { o[$2] = $4 }
		END { for (m in o) if (o[m] ~ /^rw/) print m }' /proc/self/mounts
}

# The host's cgroup v1 hierarchies, and their folders one level down:
# what a test compares before and after a client ran.
cgroup_v1_mounts() { awk '$3 == "cgroup" { print $2 }' /proc/self/mounts; }
cgroup_v1_dirs() { cgroup_v1_mounts | xargs -r -I{} find {} -maxdepth 1 -type d | sort; }
