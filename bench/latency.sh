# shellcheck shell=bash
# Start-to-exit latency of /bin/true in a new container, every runtime on
# the same rootfs with the same namespaces (pid, mount, uts, ipc, net,
# cgroup). Sourced by run.sh.

peak_rss_kb()
{
	# Median peak RSS of the command's process tree as wait4() reports it
	# (/usr/bin/time %M), over 5 runs.
	local i
	for i in 1 2 3 4 5; do
		# shellcheck disable=SC2086 # the command is split on purpose
		/usr/bin/time -f %M -o "$WORK/rss" $1 >/dev/null 2>&1 || { echo "?"; return; }
		cat "$WORK/rss"
	done | sort -n | sed -n 3p
}

section_latency()
{
	log "latency: /bin/true start-to-exit"
	local nsr="nsenter -t $NS_RUNC_PID -m" nsc="nsenter -t $NS_CRUN_PID -m"
	local bwrap_fs="--ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp"
	CMD[unshare]="unshare --mount --uts --ipc --net --pid --cgroup --fork --mount-proc --root=$ROOTFS /bin/true"
	CMD[bwrap]="bwrap --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup $bwrap_fs /bin/true"
	CMD[bwrap_all]="bwrap --unshare-all $bwrap_fs /bin/true"
	CMD[berth]="$BERTH --root $BR run --rm busybox /bin/true"
	CMD[true]="/bin/true"
	CMD[nsenter]="$nsr /bin/true"
	CMD[runc]="$nsr runc --root $WORK/runc-state --rootless=true run -b $WORK/bundle bench-runc"
	CMD[crun]="$nsc crun --root $WORK/crun-state --cgroup-manager=disabled run -b $WORK/bundle bench-crun"
	local tools=(true unshare bwrap bwrap_all berth nsenter runc crun)
	if [ -n "$BENCH_BASELINE" ]; then
		# Both through env(1), which sets each one's supervisor: the
		# same extra exec on either side.
		CMD[berth]="env BERTH_SUPERVISOR=$BERTH_SUPERVISOR $BERTH --root $BR run --rm busybox /bin/true"
		CMD[berth_base]="env BERTH_SUPERVISOR=$BENCH_BASELINE/berth-supervisor $BASE_BERTH --root $BASE_BR run --rm busybox /bin/true"
		tools+=(berth_base)
	fi
	if [ "$PODMAN_OK" = 1 ]; then
		CMD[podman]="${PODMAN[*]} run --rm ${PODMAN_RUN[*]} localhost/berth-bench-busybox /bin/true"
		SLOW[podman]=1
		tools+=(podman)
	fi
	local load0
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	interleave "${tools[@]}" || die "latency runs failed"

	local m_bwrap m_runc m_ns m_true t m s
	m_bwrap=$(median_ms "$WORK/times/bwrap")
	m_runc=$(median_ms "$WORK/times/runc")
	m_ns=$(median_ms "$WORK/times/nsenter")
	m_true=$(median_ms "$WORK/times/true")
	declare -A what=(
		[unshare]="\`unshare\` (util-linux) with the 6 namespaces, --mount-proc, --root: the floor"
		[bwrap]="\`bwrap\` with the 6 namespaces (--unshare-ipc/pid/net/uts/cgroup + its mount ns), ro-bind root, /proc, /dev, /tmp"
		[bwrap_all]="\`bwrap --unshare-all\` (adds a user namespace), same mounts"
		[berth]="**\`berth run --rm busybox /bin/true\`**: CLI + DB + supervisor + overlay + cgroup v2"
		[true]="the host's \`/bin/true\`, no container: what any fork+exec costs here"
		[nsenter]="\`nsenter -m /bin/true\`: entering runc's/crun's namespace; minus the row above, it is the extra paid by the rows below"
		[runc]="\`runc --rootless=true run\`, bundle with the 6 namespaces, read-only root"
		[crun]="\`crun --cgroup-manager=disabled run\`, same bundle"
		[berth_base]="the same, by the baseline build ($(base_describe))"
		[podman]="\`podman run --rm --network none --cgroups disabled\` (crun), own storage, image imported from the rootfs"
	)
	md "## 1. Start-to-exit latency of \`/bin/true\`"
	md ""
	md "Every runtime starts busybox's \`/bin/true\` from the same rootfs folder (berth's busybox image) in new pid, mount, uts, ipc, net and cgroup namespaces and waits for it to exit. runc, crun and podman run inside a private mount namespace whose cgroup mounts are read-only (bench/README.md, "Method"), entered with \`nsenter\`; the last column subtracts that entry (\`nsenter\` row minus \`true\` row)."
	md ""
	md "| runtime | what runs | median ms | p25–p75 ms | round medians ms | × bwrap | × runc | peak RSS KiB (largest process) | net of nsenter |"
	md "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for t in "${tools[@]}"; do
		read -r m p25 p75 n <<< "$(stats "$WORK/times/$t")"
		local net="–"
		case $t in runc | crun | podman) net=$(awk -v a="$m" -v b="$m_ns" -v c="$m_true" 'BEGIN { printf "%.2f", a - (b - c) }') ;; esac
		md "| $t | ${what[$t]} | $m | $p25–$p75 | $(round_range "$WORK/times/$t.rounds") | $(ratio "$m" "$m_bwrap") | $(ratio "$m" "$m_runc") | $(peak_rss_kb "${CMD[$t]}") | $net |"
	done
	md ""
	if [ -n "$BENCH_BASELINE" ]; then
		read -r m lo hi n <<< "$(round_ratios berth berth_base)"
		md "This build against the baseline ($(base_describe)): median of the $n round ratios **×$m** (rounds from ×$lo to ×$hi); each round's \`berth\` median over its \`berth_base\` median."
		md ""
	fi
	md "n = $(stats "$WORK/times/berth" | cut -d' ' -f4) runs per fast tool, $(stats "$WORK/times/${tools[-1]}" | cut -d' ' -f4) for ${tools[-1]}. Load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
	if [ "$PODMAN_OK" != 1 ]; then
		md ""
		md "podman: not measured — $PODMAN_WHY"
	fi
	md ""
}
