# shellcheck shell=bash
# Networks: `run --rm busybox /bin/true` on the default bridge network
# (netavark and aardvark-dns) next to berth's own --net private, and
# `podman run --rm` with --network bridge next to --network none (the same
# netavark underneath). What a network adds to each, and the whole run of
# each, side by side. Sourced by run.sh.
#
# Both run in one network namespace of the bench's own (the bridges and
# firewall rules netavark makes are made there, never on the host's
# network): berth in the host's mount namespace, podman in crun's (cgroups
# disabled), each joined to that network namespace.

NET_NS_PID=

network_cleanup()
{
	[ -n "$NET_NS_PID" ] || return 0
	[ -d "$WORK/berth-net" ] && net_b rm -f --all >/dev/null 2>&1
	if [ ${#PODMAN[@]} -gt 0 ]; then
		net_podman rm -af -t 0 >/dev/null 2>&1
		net_podman network prune -f >/dev/null 2>&1
	fi
	kill "$NET_NS_PID" 2>/dev/null
	wait "$NET_NS_PID" 2>/dev/null
	NET_NS_PID=
	return 0
}

net_b() { nsenter --net="/proc/$NET_NS_PID/ns/net" "$BERTH" --root "$WORK/berth-net" "$@"; }
net_podman()
{
	nsenter --mount="/proc/$NS_CRUN_PID/ns/mnt" --net="/proc/$NET_NS_PID/ns/net" \
		"${PODMAN[@]:4}" "$@"
}

section_network()
{
	log "network: run --rm with --net bridge and --net private; podman run --rm with --network bridge and none"
	md "## Networks: \`run --rm busybox /bin/true\` on a bridge (netavark)"
	md ""
	local netavark=
	for p in /usr/libexec/podman/netavark /usr/lib/podman/netavark; do
		[ -x "$p" ] && netavark=$p && break
	done
	if [ -z "$netavark" ]; then
		md "_Skipped: netavark is not installed._"
		return 0
	fi
	# The network namespace: loopback up, nothing else.
	unshare --net bash -c 'ip link set lo up; exec sleep infinity' &
	NET_NS_PID=$!
	sleep 0.2
	# berth tears a network down after `run` has returned (docs/
	# performance.md): each timed run starts once the last one's
	# supervisor is gone (the wait is not timed), as a user's next
	# command comes; berth-bridge-b2b runs back to back, each set-up
	# waiting for the last teardown.
	local tools=(berth-bridge berth-private berth-bridge-b2b)
	local nb="nsenter --net=/proc/$NET_NS_PID/ns/net $BERTH --root $WORK/berth-net run --rm"
	CMD[berth-bridge]="$nb --net bridge busybox /bin/true"
	CMD[berth-bridge-b2b]="$nb --net bridge busybox /bin/true"
	CMD[berth-private]="$nb --net private busybox /bin/true"
	local idle="timeout 10 bash -c 'while pgrep -f \"[b]erth-supervisor --root $WORK/berth-net \" >/dev/null; do sleep 0.005; done'"
	PREP[berth-bridge]=$idle
	PREP[berth-private]=$idle
	net_b image create busybox >/dev/null
	net_b run --rm --net bridge busybox /bin/true || die "berth run --net bridge failed"
	local podman_note=
	if [ "$PODMAN_OK" = 1 ]; then
		# PODMAN is "nsenter -t PID -m timeout 120 podman ...": joined
		# to the network namespace as well (net_podman).
		local pm="nsenter --mount=/proc/$NS_CRUN_PID/ns/mnt --net=/proc/$NET_NS_PID/ns/net ${PODMAN[*]:4}"
		local run_args="--cgroups disabled --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 localhost/berth-bench-busybox /bin/true"
		CMD[podman-bridge]="$pm run --rm --network bridge $run_args"
		CMD[podman-none]="$pm run --rm --network none $run_args"
		SLOW[podman-bridge]=1
		SLOW[podman-none]=1
		if ${CMD[podman-bridge]} >/dev/null 2>"$WORK/podman-net.err"; then
			tools+=(podman-bridge podman-none)
		else
			podman_note="podman run --network bridge failed: $(tail -1 "$WORK/podman-net.err")"
		fi
	else
		podman_note=$PODMAN_WHY
	fi
	interleave "${tools[@]}" || die "the network section failed"

	md_times_table "${tools[@]}"
	md ""
	local bb bp
	bb=$(median_ms "$WORK/times/berth-bridge")
	bp=$(median_ms "$WORK/times/berth-private")
	md "- What the network adds to berth's run: $(awk -v a="$bb" -v b="$bp" 'BEGIN { printf "%.1f", a - b }') ms (back to back, each set-up waiting for the teardown before: $(awk -v a="$(median_ms "$WORK/times/berth-bridge-b2b")" -v b="$bp" 'BEGIN { printf "%.1f", a - b }') ms)."
	if [[ " ${tools[*]} " == *" podman-bridge "* ]]; then
		local pb pn
		pb=$(median_ms "$WORK/times/podman-bridge")
		pn=$(median_ms "$WORK/times/podman-none")
		md "- What the network adds to podman's run: $(awk -v a="$pb" -v b="$pn" 'BEGIN { printf "%.1f", a - b }') ms."
		local rr
		rr=$(round_ratios berth-bridge podman-bridge)
		md "- berth --net bridge / podman --network bridge: ×$(ratio "$bb" "$pb") (per round ×$(cut -d' ' -f2 <<<"$rr")–×$(cut -d' ' -f3 <<<"$rr"))."
	else
		md "- podman: not measured ($podman_note)."
	fi
	md ""
	network_cleanup
}
