# shellcheck shell=bash
# The detached cycle: run -d a sleep container, stop it, remove it.
# Sourced by run.sh.

# Writes $WORK/cycle-TOOL.sh: one cycle with ENGINE (a command line), its
# three steps timed with $EPOCHREALTIME into $WORK/times/cycle_TOOL.steps.
# `stop -t 0`: busybox sleep as a pid namespace's init ignores SIGTERM, so
# any grace period would only measure the timeout; both engines then kill.
cycle_script()
{
	local tool=$1 engine=$2 runflags=$3
	cat > "$WORK/cycle-$tool.sh" <<-EOF
		#!/bin/bash
		set -e
		t0=\$EPOCHREALTIME
		id=\$($engine run -d $runflags busybox sleep 100000)
		t1=\$EPOCHREALTIME
		$engine stop -t 0 "\$id" >/dev/null
		t2=\$EPOCHREALTIME
		$engine rm "\$id" >/dev/null
		t3=\$EPOCHREALTIME
		echo "\$t0 \$t1 \$t2 \$t3" >> $WORK/times/cycle_$tool.steps
	EOF
	chmod +x "$WORK/cycle-$tool.sh"
	: > "$WORK/times/cycle_$tool.steps"
}

# step_median FILE FROM TO: median of column TO minus column FROM, in ms.
step_median()
{
	awk -v a="$2" -v b="$3" '{ print $b - $a }' "$1" > "$1.tmp"
	median_ms "$1.tmp"
}

section_cycle()
{
	log "cycle: run -d + stop + rm of a sleep container"
	mkdir -p "$WORK/times"
	cycle_script berth "$BERTH --root $BR" ""
	CMD["cycle_berth"]="$WORK/cycle-berth.sh"
	local tools=(cycle_berth)
	if [ "$PODMAN_OK" = 1 ]; then
		# The image is tagged so that the same command line works.
		"${PODMAN[@]}" tag localhost/berth-bench-busybox localhost/busybox >/dev/null
		cycle_script podman "${PODMAN[*]}" "${PODMAN_RUN[*]}"
		CMD["cycle_podman"]="$WORK/cycle-podman.sh"
		SLOW["cycle_podman"]=1
		tools+=(cycle_podman)
	fi
	local load0
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	interleave "${tools[@]}" || die "cycle runs failed"

	md "## 2. Detached cycle: \`run -d\` + \`stop -t 0\` + \`rm\` of a \`sleep\` container"
	md ""
	md "One cycle per run, each step timed inside the cycle script (\`\$EPOCHREALTIME\`). \`stop -t 0\` because busybox \`sleep\` as the init of a pid namespace ignores SIGTERM: any grace period would measure the timeout, not the engine. podman runs as in section 1 (crun, cgroups disabled, nsenter)."
	md ""
	md "| engine | cycle median ms | p25–p75 | run -d ms | stop ms | rm ms | × berth |"
	md "|---|---:|---:|---:|---:|---:|---:|"
	local m_berth t m p25 p75 _n
	m_berth=$(median_ms "$WORK/times/cycle_berth")
	for t in "${tools[@]}"; do
		read -r m p25 p75 _n <<< "$(stats "$WORK/times/$t")"
		local st=$WORK/times/$t.steps
		md "| ${t#cycle_} | $m | $p25–$p75 | $(step_median "$st" 1 2) | $(step_median "$st" 2 3) | $(step_median "$st" 3 4) | $(ratio "$m" "$m_berth") |"
	done
	md ""
	local counts="$(stats "$WORK/times/cycle_berth" | cut -d' ' -f4) berth cycles"
	[ "$PODMAN_OK" = 1 ] && counts+=", $(stats "$WORK/times/cycle_podman" | cut -d' ' -f4) podman cycles"
	md "n = $counts (the step medians include the warm-up runs). Load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
	if [ "$PODMAN_OK" != 1 ]; then
		md ""
		md "podman: not measured — $PODMAN_WHY"
	fi
	md ""
}
