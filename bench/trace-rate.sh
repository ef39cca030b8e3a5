#!/bin/bash
# How many events per second `berth trace` keeps up with, and what it costs.
#
#   bench/trace-rate.sh [ITERATIONS] [PARALLEL] [TRACE OPTIONS...]
#
# Runs PARALLEL containers that each fork ITERATIONS subshells (a fork and
# an exit event each, plus an exec with BENCH_EXEC=1; with BENCH_C=1 a
# static C program forks instead of busybox sh; with BENCH_C=setns it calls
# setns(-1, 0) instead, which fails at once but is one `ns` event each:
# the cheapest event to make, to find where berth trace starts to lose),
# first untraced, then
# under `berth trace` (output to /dev/null and --output -, unless the
# options say otherwise). Prints the workload's rate both ways, the events
# berth trace reported and lost, and its CPU time (user+sys from
# /proc/<pid>/stat) per event. Needs root; uses a private --root.
set -u
N=${1:-20000}
P=${2:-1}
shift 2 2>/dev/null
BERTH=${BERTH:-$(cd "$(dirname "$0")/.." && pwd)/berth}
export BERTH_SUPERVISOR=${BERTH_SUPERVISOR:-$(dirname "$BERTH")/berth-supervisor}
export BERTH_ROOT=$(mktemp -d /tmp/berth-bench.XXXXXX)
TRACE_PID=
cleanup() {
	[ -n "$TRACE_PID" ] && kill -KILL "$TRACE_PID" 2>/dev/null
	ids=$(sqlite3 -cmd ".timeout 10000" "$BERTH_ROOT/state.db" "SELECT id FROM containers" 2>/dev/null)
	[ -n "$ids" ] && "$BERTH" rm -f $ids >/dev/null 2>&1
	rm -rf "$BERTH_ROOT"
}
trap cleanup EXIT

if [ "${BENCH_EXEC:-0}" = 1 ]; then
	body='/bin/sh -c :'
	per=3
else
	body='(:)'
	per=2
fi
script="i=0; while [ \$i -lt $N ]; do $body; i=\$((i+1)); done"
image=busybox
cmd=(sh -c "$script")

"$BERTH" run --rm busybox true # creates the image outside the measurement
if [ "${BENCH_C:-0}" != 0 ]; then
	# A rootfs folder: the busybox image plus a static fork loop.
	image=$BERTH_ROOT/forkroot
	# Relative to the root in the DB.
	layer=$BERTH_ROOT/$(sqlite3 -cmd ".timeout 10000" "$BERTH_ROOT/state.db" "SELECT json_extract(layers, '\$[0]') FROM images WHERE name='busybox'")
	cp -a "$layer" "$image"
	printf '%s\n' '#include <stdlib.h>' '#include <sys/syscall.h>' '#include <sys/wait.h>' \
		'#include <unistd.h>' \
		'int main(int c, char **v) { for (long i = atol(v[1]); i > 0; i--) {' \
		'if (c > 2) { syscall(SYS_setns, -1, 0); continue; }' \
		'pid_t p = fork(); if (p == 0) _exit(0); if (p > 0) waitpid(p, NULL, 0); } return 0; }' \
		>"$BERTH_ROOT/loop.c"
	${CC:-cc} -O2 -static -o "$image/loop" "$BERTH_ROOT/loop.c" || exit 1
	if [ "$BENCH_C" = setns ]; then
		cmd=(/loop "$N" setns)
		per=1
	else
		cmd=(/loop "$N")
		per=2
	fi
fi

workload() {
	local start end i
	start=$(date +%s.%N)
	for ((i = 0; i < P; i++)); do
		"$BERTH" run --rm "$image" "${cmd[@]}" &
	done
	wait
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}

t0=$(workload)
echo "untraced: $((N * P)) iterations in ${t0}s: $(echo "$N * $P / $t0" | bc) iterations/s"

ticks=$(getconf CLK_TCK)
"$BERTH" trace --output - "$@" >/dev/null 2>"$BERTH_ROOT/trace.err" &
TRACE_PID=$!
until grep -qs tracing "$BERTH_ROOT/trace.err"; do sleep 0.05; done
cpu0=$(awk '{ print $14 + $15 }' /proc/$TRACE_PID/stat)
t1=$(workload)
sleep 0.5
cpu1=$(awk '{ print $14 + $15 }' /proc/$TRACE_PID/stat)
kill -INT $TRACE_PID
wait $TRACE_PID
TRACE_PID=
summary=$(grep 'berth trace:' "$BERTH_ROOT/trace.err")
events=$(sed -n 's/.*, \([0-9]*\) events.*/\1/p' <<<"$summary")
lost=$(sed -n 's/.*; \([0-9]*\) lost in the kernel.*/\1/p' <<<"$summary")
cpu=$(echo "scale=3; ($cpu1 - $cpu0) / $ticks" | bc)
echo "traced:   $((N * P)) iterations in ${t1}s: $(echo "$N * $P / $t1" | bc) iterations/s"
echo "          expected >= $((N * P * per)) workload events; berth trace: $summary"
echo "          events/s: $(echo "$events / $t1" | bc); lost: $lost"
echo "          berth trace CPU: ${cpu}s = $(echo "scale=1; 100 * $cpu / $t1" | bc)% of one core," \
	"$(echo "scale=2; 1000000 * $cpu / $events" | bc) us per event"
