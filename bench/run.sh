#!/bin/bash
# berth's benchmarks against runc, crun, podman, bubblewrap and unshare, on
# one busybox rootfs, interleaved on the same machine. Results go to
# bench/results/<date>-<host>.md. Timing never enters a pass/fail test:
# this script fails only when a tool fails to run.
#
# Usage: bench/run.sh [SECTION...]   (as root; default: every section)
#   sections: latency cycle idle cli throughput runtime network registry rootless
# Environment: BERTH (the berth binary, default ../berth), BENCH_ROUNDS,
#   BENCH_RUNS, BENCH_RUNS_SLOW, BENCH_IDLE_COUNTS ("1 100 500"),
#   BENCH_CLI_COUNTS ("100 1000 10000"), BENCH_PODMAN_PS_MAX (1000),
#   BENCH_CONCURRENCY ("1 2 8"), BENCH_PER_CLI (100), BENCH_OUT (report file).
set -euo pipefail
shopt -s nullglob

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_SRC/lib.sh"
for s in latency cycle idle cli throughput runtime network registry rootless; do
	# shellcheck disable=SC1090
	. "$BENCH_SRC/$s.sh"
done

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(latency cycle idle cli throughput runtime network registry rootless)
for s in "${sections[@]}"; do
	declare -F "section_$s" >/dev/null || die "unknown section \`$s\` (latency cycle idle cli throughput runtime network registry rootless)"
done

mkdir -p "$BENCH_SRC/results"
OUT=${BENCH_OUT:-$BENCH_SRC/results/$(date -u +%Y-%m-%d-%H%M)-$(hostname -s).md}
: > "$OUT"

bench_setup
machine_header
for s in "${sections[@]}"; do
	"section_$s"
done
md "_Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(noise_report)._"
log "report: $OUT"
