#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two builds of berth side by side: the same command, interleaved (A, B,
# A, B, ...) so that the machine's load falls on both alike; prints the
# median wall time of each and the ratio B/A. For the measures in
# docs/performance.md that compare a change with what came before it.
#
#   bench/ab.sh OLD/berth NEW/berth [ROUNDS] [-- BERTH-ARGS...]
#
# BERTH-ARGS default to `run --rm busybox true`; each build gets a root of
# its own (with its own busybox image), removed at the end. Stdin is
# /dev/null unless AB_STDIN names a file; stdout and stderr go to
# /dev/null. Must run as root, as berth does.
set -euo pipefail

if (($# < 2)); then
	echo "usage: $0 BERTH-A BERTH-B [ROUNDS] [-- BERTH-ARGS...]" >&2
	exit 2
fi
a=$1 b=$2
shift 2
rounds=30
if (($# > 0)) && [[ $1 != -- ]]; then
	rounds=$1
	shift
fi
[[ ${1:-} == -- ]] && shift
args=("$@")
((${#args[@]})) || args=(run --rm busybox true)
stdin=${AB_STDIN:-/dev/null}
# Each build runs the berth-supervisor beside it.
unset BERTH_SUPERVISOR

work=$(mktemp -d /tmp/berth-ab.XXXXXX)
cleanup()
{
	"$a" --root "$work/a" rm -f --all >/dev/null 2>&1 || true
	"$b" --root "$work/b" rm -f --all >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# One run, in ms, on stdout.
once()
{
	local bin=$1 root=$2 t0 t1
	t0=$EPOCHREALTIME
	"$bin" --root "$root" "${args[@]}" <"$stdin" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	echo "$(((${t1/./} - ${t0/./}) / 1000)).$(((${t1/./} - ${t0/./}) % 1000 / 100))"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for side in a b; do
	mkdir -p "$work/$side"
	bin=$a
	[[ $side == b ]] && bin=$b
	"$bin" --root "$work/$side" image create busybox >/dev/null
	once "$bin" "$work/$side" >/dev/null # the DB and the caches
done

: >"$work/a.ms"
: >"$work/b.ms"
for ((i = 0; i < rounds; i++)); do
	once "$a" "$work/a" >>"$work/a.ms"
	once "$b" "$work/b" >>"$work/b.ms"
done
ma=$(median <"$work/a.ms")
mb=$(median <"$work/b.ms")
printf 'A %s: median %s ms\nB %s: median %s ms\nB/A: %s (%d rounds; load %s)\n' \
	"$a" "$ma" "$b" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')" \
	"$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)"
