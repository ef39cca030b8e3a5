#!/bin/bash
# Start-to-exit latency of `/bin/true` inside berth's test VM, where the
# kernel has a full cgroup v2 hierarchy: there crun and runc run as they do
# on any modern host (their default cgroupfs manager, a cgroup per
# container), which the hosts' hybrid hierarchy refuses. `make bench-vm`
# boots the VM with this script as its only "test"
# (tests/vm/harness/vm-run) and turns its output into a report in
# bench/results/. Timing is never a pass/fail result: the one TAP point
# says only that every tool ran.
#
# The VM runs under TCG (no KVM on these machines): every figure is 10-30
# times the host's. The ratios, from interleaved rounds on the same
# emulated CPU, are what to read.
set -u
. "$(dirname "$0")/../tests/system/lib.sh"
require_root
[ -n "${BERTH_VM_DISK:-}" ] || t_skip_all "not inside berth's test VM (make bench-vm)"
for tool in hyperfine jq crun runc bwrap unshare; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed (sudo make bench installs it)"
done
t_begin

ROUNDS=${BENCH_VM_ROUNDS:-6}
RUNS=${BENCH_VM_RUNS:-5}
W=$ROOT/bench
mkdir -p "$W/times" "$W/bundle" "$W/crun-state" "$W/runc-state"

berth run --rm busybox /bin/true || exit 1
ROOTFS=$(image_layer busybox)

# The same six namespaces for everyone, a read-only root, /bin/true.
. "$(dirname "$0")/oci-bundle.sh"
oci_bundle "$W/bundle" "$ROOTFS" || exit 1

declare -A CMD=(
	[unshare]="unshare -pmuinC -f --mount-proc -R $ROOTFS /bin/true"
	[bwrap]="bwrap --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
	[berth]="$BERTH run --rm busybox /bin/true"
	[crun]="crun --root $W/crun-state run -b $W/bundle bench-crun"
	[runc]="runc --root $W/runc-state run -b $W/bundle bench-runc"
)
declare -A WHAT=(
	[unshare]="\`unshare\` with the 6 namespaces, --mount-proc, --root: the floor"
	[bwrap]="\`bwrap\`, the 6 namespaces, ro-bind root, /proc, /dev, /tmp"
	[berth]="**\`berth run --rm busybox /bin/true\`**: CLI + DB + supervisor + overlay + cgroup v2 + device program + seccomp"
	[crun]="\`crun run\` (its default cgroupfs manager: a cgroup v2 per container), same bundle"
	[runc]="\`runc run\` (cgroupfs, a cgroup v2 per container), same bundle"
)
tools=(unshare bwrap berth crun runc)

n=${#tools[@]}
for name in "${tools[@]}"; do : >"$W/times/$name"; done
failed=
for ((round = 0; round < ROUNDS; round++)); do
	for ((k = 0; k < n; k++)); do
		i=$(((k + round) % n))
		[ $((round % 2)) = 1 ] && i=$((n - 1 - i))
		name=${tools[$i]}
		if ! hyperfine -N --style none --warmup 1 --runs "$RUNS" \
			--export-json "$W/times/$name.json" -- "${CMD[$name]}" >/dev/null 2>"$W/times/$name.err"; then
			echo "# $name failed: $(tail -3 "$W/times/$name.err" | tr '\n' ' ')"
			failed="$failed $name"
			break 2
		fi
		jq -r '.results[0].times[]' "$W/times/$name.json" >>"$W/times/$name"
	done
done

median() {
	sort -g "$1" | awk '{ v[NR] = $1 * 1000 } END {
		if (NR == 0) { print "nan"; exit }
		printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "–" }'; }

if [ -z "$failed" ]; then
	declare -A M
	for name in "${tools[@]}"; do M[$name]=$(median "$W/times/$name"); done
	echo "# REPORT | runtime | what runs | median ms | × bwrap | × crun | × runc |"
	echo "# REPORT |---|---|---:|---:|---:|---:|"
	for name in "${tools[@]}"; do
		echo "# REPORT | $name | ${WHAT[$name]} | ${M[$name]} | $(ratio "${M[$name]}" "${M[bwrap]}") | $(ratio "${M[$name]}" "${M[crun]}") | $(ratio "${M[$name]}" "${M[runc]}") |"
	done
	echo "# REPORT "
	echo "# REPORT n = $((ROUNDS * RUNS)) runs per tool ($ROUNDS interleaved rounds of $RUNS after a warm-up); kernel $(uname -r), $(nproc) vCPUs under TCG."
fi
# The OCI runtime cycle (bench/runtime.sh on the host): create, start,
# wait, delete of /bin/true, each runtime with its cgroup v2 manager.
RUNTIME=$(dirname "$BERTH")/berth-runtime
declare -A RT=(
	[berth-runtime]="$RUNTIME --root $W/brt-state"
	[crun]="crun --root $W/crun-state"
	[runc]="runc --root $W/runc-state"
)
rts=(berth-runtime crun runc)
for name in "${rts[@]}"; do : >"$W/times/rt-$name"; done
for ((round = 0; round < ROUNDS; round++)); do
	[ -z "$failed" ] || break
	for ((k = 0; k < 3; k++)); do
		name=${rts[$(((k + round) % 3))]}
		# shellcheck disable=SC2086 # the command is split on purpose
		if ! python3 "$(dirname "$0")/runtime-cycle.py" "$W/times/rt-$name" "$RUNS" "$W/bundle" \
			bench-cycle ${RT[$name]} 2>"$W/times/rt-$name.err"; then
			echo "# $name cycle failed: $(tail -3 "$W/times/rt-$name.err" | tr '\n' ' ')"
			failed="$failed $name-cycle"
			break 2
		fi
	done
done
if [ -z "$failed" ]; then
	for name in "${rts[@]}"; do M[rt-$name]=$(median "$W/times/rt-$name"); done
	echo "# REPORT "
	echo "# REPORT The OCI runtime cycle, as conmon and containerd's shim drive it: \`create --pid-file\`, \`start\`, wait for the init (bench/runtime-cycle.py is its subreaper), \`delete\`; the same bundle, each runtime with its cgroup v2 manager (a cgroup per container)."
	echo "# REPORT "
	echo "# REPORT | runtime | median ms | × crun | × runc |"
	echo "# REPORT |---|---:|---:|---:|"
	for name in "${rts[@]}"; do
		echo "# REPORT | $name | ${M[rt-$name]} | $(ratio "${M[rt-$name]}" "${M[rt-crun]}") | $(ratio "${M[rt-$name]}" "${M[rt-runc]}") |"
	done
	echo "# REPORT "
	echo "# REPORT n = $((ROUNDS * RUNS)) cycles per runtime ($ROUNDS interleaved rounds of $RUNS)."
fi
t_is "every runtime ran in the VM" "" "$failed"
# crun and runc remove their cgroups themselves; make sure.
for cg in /sys/fs/cgroup/bench-crun /sys/fs/cgroup/bench-runc /sys/fs/cgroup/*/bench-crun /sys/fs/cgroup/*/bench-runc; do
	[ -d "$cg" ] && rmdir "$cg" 2>/dev/null
done
T_EXTRA_CLEANUP="crun --root $W/crun-state delete -f bench-crun >/dev/null 2>&1; runc --root $W/runc-state delete -f bench-runc >/dev/null 2>&1; for r in crun runc; do \$r --root $W/\$r-state delete -f bench-cycle >/dev/null 2>&1; done; $RUNTIME --root $W/brt-state delete -f bench-cycle >/dev/null 2>&1"
t_end
