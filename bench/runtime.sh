# shellcheck shell=bash
# berth-runtime against crun and runc as what conmon and containerd's shim
# call: the cycle create, start, wait, delete of /bin/true, the same bundle
# and driver for each (bench/runtime-cycle.py); then `podman run --rm`
# with crun and with berth-runtime. Sourced by run.sh.
#
# On this host crun runs with --cgroup-manager=disabled and runc with
# --rootless=true (no cgroup at all: the v1 hierarchies are not theirs to
# write); berth-runtime makes and removes its container's cgroup in cgroup
# v2 every cycle, as it always does. The VM (make bench-vm) measures the
# three with their cgroup v2 managers.

RT_PODMAN=()
RT_PODMAN_WHY=
RT_PODMAN_RUN=(--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

runtime_cleanup()
{
	if [ ${#RT_PODMAN[@]} -gt 0 ]; then
		"${RT_PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
		"${RT_PODMAN[@]}" system reset -f >/dev/null 2>&1
	fi
	[ -n "$CGROUP_V2" ] && rmdir "$CGROUP_V2"/libpod_parent/* "$CGROUP_V2"/libpod_parent 2>/dev/null
	return 0
}

# podman with berth-runtime, in berth-runtime's namespace: its own storage,
# the image imported from the shared rootfs; cgroups by cgroupfs in cgroup
# v2, no pids limit (no pids controller here), the same rlimits as the
# crun podman.
runtime_podman_setup()
{
	[ "$PODMAN_OK" = 1 ] || { RT_PODMAN_WHY=$PODMAN_WHY; return 0; }
	local p=$WORK/podman-berth
	mkdir -p "$p/root" "$p/runroot" "$p/tmp" "$p/net" "$p/vol"
	cat >"$p/containers.conf" <<EOF
[containers]
pids_limit = 0
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
[engine.runtimes]
berth = ["$RUNTIME"]
EOF
	RT_PODMAN=(nsenter -t "$NS_BERTH_PID" -m env CONTAINERS_CONF="$p/containers.conf"
		timeout 120 podman --root "$p/root" --runroot "$p/runroot" --tmpdir "$p/tmp"
		--network-config-dir "$p/net" --volumepath "$p/vol" --storage-driver overlay
		--runtime berth --runtime-flag "root=$p/state" --log-level error)
	local err
	if ! err=$(tar -C "$ROOTFS" -c . | "${RT_PODMAN[@]}" import - localhost/berth-bench-busybox 2>&1 >/dev/null) ||
		! err=$("${RT_PODMAN[@]}" run --rm "${RT_PODMAN_RUN[@]}" localhost/berth-bench-busybox /bin/true 2>&1); then
		RT_PODMAN_WHY="podman with berth-runtime failed: $err"
		RT_PODMAN=()
	fi
}

section_runtime()
{
	log "runtime: create, start, wait, delete of /bin/true; podman run --rm with each runtime"
	RUNTIME=$(dirname "$BERTH")/berth-runtime
	[ -x "$RUNTIME" ] || die "no berth-runtime next to $BERTH"
	CGROUP_V2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	ns_start berth NS_BERTH_PID
	local cyc=$BENCH_SRC/runtime-cycle.py
	# Each with its default state folder, as conmon and containerd's shim
	# leave it: under /run, a tmpfs of each namespace's own.
	declare -A RT=(
		[berth-runtime]="nsenter -t $NS_BERTH_PID -m $RUNTIME"
		[crun]="nsenter -t $NS_CRUN_PID -m crun --cgroup-manager=disabled"
		[runc]="nsenter -t $NS_RUNC_PID -m runc --rootless=true"
	)
	local tools=(berth-runtime crun runc) t round k i n=3
	mkdir -p "$WORK/times"
	for t in "${tools[@]}"; do : >"$WORK/times/rt-$t"; : >"$WORK/times/rt-$t.rounds"; done
	for ((round = 0; round < BENCH_ROUNDS; round++)); do
		for ((k = 0; k < n; k++)); do
			i=$(((k + round) % n))
			t=${tools[$i]}
			: >"$WORK/times/rt-round"
			# shellcheck disable=SC2086 # the command is split on purpose
			python3 "$cyc" "$WORK/times/rt-round" "$BENCH_RUNS" "$WORK/bundle" "bench-cycle" ${RT[$t]} ||
				die "$t: the runtime cycle failed"
			cat "$WORK/times/rt-round" >>"$WORK/times/rt-$t"
			stats "$WORK/times/rt-round" | awk '{ print $1 / 1000 }' >>"$WORK/times/rt-$t.rounds"
		done
		log "runtime round $((round + 1))/$BENCH_ROUNDS done"
	done

	md ""
	md "## berth-runtime: the OCI runtime cycle"
	md ""
	md "What conmon and containerd's shim ask of a runtime, for busybox's \`/bin/true\`: \`create --pid-file\`, \`start\`, wait for the init (the driver, bench/runtime-cycle.py, is the subreaper it is left to, as a shim is), \`delete\`. The same bundle (bench/oci-bundle.sh: read-only root, the six namespaces) and the same driver for each; each runtime in a private mount namespace of its own, entered with nsenter, with its default state folder under that namespace's /run (a tmpfs), as a shim or conmon leaves it. crun runs with \`--cgroup-manager=disabled\` and runc with \`--rootless=true\`: neither makes a cgroup. berth-runtime makes and removes its container's cgroup in cgroup v2 every cycle (it has no mode without one). $BENCH_ROUNDS rounds of $BENCH_RUNS cycles, the order rotated each round."
	md ""
	md "| runtime | median ms | p25–p75 ms | round medians ms | × crun | per-round × crun (median, min–max) |"
	md "|---|---|---|---|---|---|"
	local m_crun m p25 p75 rr
	m_crun=$(median_ms "$WORK/times/rt-crun")
	for t in "${tools[@]}"; do
		read -r m p25 p75 _ < <(stats "$WORK/times/rt-$t")
		rr=$(round_ratios "rt-$t" rt-crun)
		md "| $t | $m | $p25–$p75 | $(round_range "$WORK/times/rt-$t.rounds") | $(ratio "$m" "$m_crun") | $(awk '{ printf "%.2f (%.2f–%.2f)", $1, $2, $3 }' <<<"$rr") |"
	done

	runtime_podman_setup
	md ""
	md "### podman run --rm with each runtime"
	md ""
	if [ "$PODMAN_OK" != 1 ] || [ ${#RT_PODMAN[@]} -eq 0 ]; then
		md "_Not measured: ${RT_PODMAN_WHY:-$PODMAN_WHY}._"
		return 0
	fi
	CMD[podman_crun]="${PODMAN[*]} run --rm ${PODMAN_RUN[*]} localhost/berth-bench-busybox /bin/true"
	CMD[podman_berth]="${RT_PODMAN[*]} run --rm ${RT_PODMAN_RUN[*]} localhost/berth-bench-busybox /bin/true"
	SLOW[podman_crun]=1
	SLOW[podman_berth]=1
	interleave podman_crun podman_berth || die "podman runs failed"
	md "\`podman run --rm --network none localhost/berth-bench-busybox /bin/true\`, conmon in between; each podman with storage of its own and the image imported from the shared rootfs. With crun, as in the latency section (\`--cgroups disabled\`, crun's namespace); with berth-runtime (\`--runtime berth\` from a containers.conf, its namespace), podman's cgroupfs manager in cgroup v2, where berth-runtime makes the container's cgroup. $BENCH_ROUNDS rounds of $BENCH_RUNS_SLOW runs."
	md ""
	md "| podman with | median ms | p25–p75 ms | round medians ms | × crun | per-round × crun (median, min–max) |"
	md "|---|---|---|---|---|---|"
	local m_pc
	m_pc=$(median_ms "$WORK/times/podman_crun")
	for t in podman_crun podman_berth; do
		read -r m p25 p75 _ < <(stats "$WORK/times/$t")
		rr=$(round_ratios "$t" podman_crun)
		md "| ${t#podman_} | $m | $p25–$p75 | $(round_range "$WORK/times/$t.rounds") | $(ratio "$m" "$m_pc") | $(awk '{ printf "%.2f (%.2f–%.2f)", $1, $2, $3 }' <<<"$rr") |"
	done
}
