# shellcheck shell=bash
# Rootless: `berth run --rm busybox /bin/true` by a user who is not root
# (a user namespace mapped by newuidmap/newgidmap from /etc/subuid), beside
# the same command by root, rootless podman and `bwrap --unshare-all` as
# that user. Sourced by run.sh.
#
# The section makes a user of its own (a subordinate range no test uses)
# and a folder that user may enter, under the work folder: copies of
# berth's binaries (the checkout may be in a folder only root can read), a
# copy of the busybox rootfs, the user's home, XDG_RUNTIME_DIR and rootless
# podman's storage. At the end it ends every process of that user (rootless
# podman leaves a pause process), removes the user with its /etc/subuid and
# /etc/subgid lines, and removes the folder as root (podman's storage holds
# files owned by subordinate ids).

RL=              # the users' world: $WORK/rootless
RL_USER=
RL_UID=
RL_SUB=2100000000
RL_SUB_END=$((RL_SUB + 65535))

rootless_cleanup()
{
	[ -n "$RL" ] || return 0
	# Every step runs even when one fails; run.sh's set -e stays outside.
	local - pids
	set +e
	if [ -n "$RL_UID" ]; then
		# Every process of the user this section made is the section's:
		# rootless podman's pause process, a supervisor still exiting.
		pids=$(pgrep -u "$RL_UID")
		# shellcheck disable=SC2086 # one pid a word
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		for _ in $(seq 50); do pgrep -u "$RL_UID" >/dev/null || break; sleep 0.1; done
		pgrep -u "$RL_UID" >/dev/null && log "warning: processes of $RL_USER are still alive"
		# Rootless podman's lock file, in the host's /dev/shm whatever its storage.
		rm -f "/dev/shm/libpod_rootless_lock_$RL_UID"
	fi
	if [ -n "$RL_USER" ]; then
		usermod --del-subuids "$RL_SUB-$RL_SUB_END" --del-subgids "$RL_SUB-$RL_SUB_END" "$RL_USER" 2>/dev/null
		userdel "$RL_USER" 2>/dev/null || log "warning: userdel $RL_USER failed"
		if grep -q "^$RL_USER:" /etc/subuid /etc/subgid 2>/dev/null; then
			log "warning: /etc/subuid or /etc/subgid still names $RL_USER"
		fi
	fi
	local f
	for f in ${RL_MADE_FILES:-}; do [ -s "$f" ] || rm -f "$f" "$f-"; done
	RL_MADE_FILES=
	[ -d "$WORK/berth-rootful" ] && timeout 300 "$BERTH" --root "$WORK/berth-rootful" rm -f --all >/dev/null 2>&1
	rm -rf "$RL"
	RL=
	RL_USER=
	RL_UID=
	return 0
}

# The environment of a login, as tests/system/57-rootless.sh gives it:
# setpriv to the user (root for the rootful row, so that both pay the same
# two execs), env -i, the working folder /.
rl_as() { # UID HOME [VAR=VALUE...]: the words before a command
	printf '%s ' setpriv --reuid="$1" --regid="$1" --init-groups env -i -C / HOME="$2" \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "${@:3}"
}

# rl_med_range FILE: "median min max" of the ratios in FILE, one a line.
rl_med_range()
{
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

section_rootless()
{
	log "rootless: berth run --rm as a user and as root; rootless podman and bwrap as that user"
	md "## Rootless: \`berth run --rm busybox /bin/true\` by a user who is not root"
	md ""
	local missing=
	for t in newuidmap newgidmap setpriv useradd userdel usermod bwrap; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	if [ -n "$missing" ]; then
		md "_Skipped: not installed:$missing._"
		md ""
		return 0
	fi
	local owner
	owner=$(awk -F: -v lo="$RL_SUB" -v hi="$RL_SUB_END" '$2 <= hi && $2 + $3 > lo { print $1; exit }' \
		/etc/subuid /etc/subgid 2>/dev/null)
	[ -z "$owner" ] || die "the subordinate ids $RL_SUB-$RL_SUB_END overlap $owner's in /etc/subuid or /etc/subgid"

	# The user's world. The work folder is only root's (mktemp -d):
	# the user may pass through it, no more.
	chmod 711 "$WORK"
	RL=$WORK/rootless
	mkdir -m 755 "$RL"
	bench_separate_groups "$RL"
	RL_USER=berth-bench-$$
	useradd -M -d "$RL/home" -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RL_USER" ||
		{ RL_USER=; die "useradd failed"; }
	RL_UID=$(id -u "$RL_USER")
	log "user $RL_USER, uid $RL_UID, subordinate ids $RL_SUB-$RL_SUB_END, folder $RL"
	# usermod adds ranges only to files that exist: made when missing,
	# removed again by the clean-up if nothing else went into them.
	local f
	for f in /etc/subuid /etc/subgid; do
		[ -e "$f" ] || { : >"$f" && chmod 644 "$f" && RL_MADE_FILES="$RL_MADE_FILES $f"; }
	done
	usermod --add-subuids "$RL_SUB-$RL_SUB_END" --add-subgids "$RL_SUB-$RL_SUB_END" "$RL_USER" ||
		die "usermod --add-subuids failed"
	mkdir -m 755 "$RL/bin"
	cp "$BERTH" "$BERTH_SUPERVISOR" "$(dirname "$BERTH_SUPERVISOR")/berth-stage" "$RL/bin/"
	chmod 755 "$RL/bin/"*
	cp -a "$ROOTFS" "$RL/rootfs"
	mkdir -m 700 "$RL/home" "$RL/xdg" "$RL/podman"
	chown "$RL_USER:$RL_USER" "$RL/home" "$RL/xdg" "$RL/podman"

	local user root p=$RL/podman
	user=$(rl_as "$RL_UID" "$RL/home" XDG_RUNTIME_DIR="$RL/xdg")
	root=$(rl_as 0 /root)
	# Rootless podman with storage of its own (nothing under the user's
	# ~/.local/share/containers, nothing in /var/lib/containers), crun's
	# state beside it, no cgroup (--cgroups=disabled), no events log. In
	# crun's namespace (lib.sh), as root's podman: crun refuses a hybrid
	# host's cgroup v2 with a controller in it even when it makes no
	# cgroup, and there it is hidden. The wrapper-nsenter row measures
	# that entry; the "net" column takes it off.
	local nsc="nsenter -t $NS_CRUN_PID -m"
	local podman="$nsc $user podman --root $p/root --runroot $p/runroot --tmpdir $p/tmp"
	podman+=" --network-config-dir $p/net --volumepath $p/vol --storage-driver overlay"
	podman+=" --cgroup-manager cgroupfs --events-backend none --runtime crun"
	podman+=" --runtime-flag root=$p/crun --log-level error"
	# Both berths are the same copies, in $RL/bin; root's with a --root
	# of its own in the work folder.
	"$BERTH" --root "$WORK/berth-rootful" image create busybox >/dev/null ||
		die "berth image create (root) failed"
	CMD[wrapper]="$user /bin/true"
	CMD[wrapper-nsenter]="$nsc $user /bin/true"
	CMD[berth-rootless]="$user $RL/bin/berth run --rm busybox /bin/true"
	CMD[berth-rootful]="$root $RL/bin/berth --root $WORK/berth-rootful run --rm busybox /bin/true"
	CMD[bwrap-rootless]="$user bwrap --unshare-all --ro-bind $RL/rootfs / --proc /proc --dev /dev /bin/true"
	local tools=(wrapper wrapper-nsenter berth-rootless berth-rootful bwrap-rootless)
	local t err
	# The first run of each (untimed) makes the rootless user's busybox
	# image and the user's state folders.
	for t in "${tools[@]}"; do
		# shellcheck disable=SC2086 # the command is split on purpose
		err=$(${CMD[$t]} 2>&1) || die "$t failed: $err"
	done
	local podman_note=
	if [ -n "${BENCH_NO_PODMAN:-}" ]; then
		podman_note="BENCH_NO_PODMAN is set"
	elif ! command -v podman >/dev/null; then
		podman_note="podman is not installed"
	else
		CMD[podman-rootless]="$podman run --rm --network none --cgroups=disabled localhost/berth-bench-busybox /bin/true"
		SLOW[podman-rootless]=1
		# shellcheck disable=SC2086
		if ! err=$(tar -C "$RL/rootfs" -c . | $podman import - localhost/berth-bench-busybox 2>&1 >/dev/null); then
			podman_note="rootless podman import failed: $err"
		elif ! err=$(${CMD[podman-rootless]} 2>&1); then
			podman_note="rootless podman run failed: $err"
		else
			tools+=(podman-rootless)
		fi
	fi
	[ -z "$podman_note" ] || log "rootless podman left out: $podman_note"
	local load0
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	interleave "${tools[@]}" || die "the rootless section failed"

	declare -A what=(
		[wrapper]="\`setpriv\` to the user, \`env -i\`, the host's \`/bin/true\`: what every row pays before its tool"
		[wrapper-nsenter]="the same, entered with \`nsenter -m\` into crun's namespace: what the podman row pays before its tool"
		[berth-rootless]="**\`berth run --rm busybox /bin/true\` as the user**: a user namespace mapped by newuidmap/newgidmap, kernel OverlayFS (userxattr), no cgroup (no delegated subtree)"
		[berth-rootful]="the same as root (\`setpriv\` to root, the same \`env -i\`), its own \`--root\`: overlay, a cgroup in cgroup v2"
		[bwrap-rootless]="\`bwrap --unshare-all --ro-bind ROOTFS / --proc /proc --dev /dev /bin/true\` as the user"
		[podman-rootless]="\`podman run --rm --network none --cgroups=disabled\` as the user (crun, conmon, the pause process), storage of its own, the image imported from the rootfs; in crun's namespace"
	)
	local has_podman=0
	[[ " ${tools[*]} " == *" podman-rootless "* ]] && has_podman=1
	md "The same busybox \`/bin/true\`, started and waited for by each tool, interleaved in one run. Every row runs through one wrapper, \`setpriv --reuid=U --regid=U --init-groups env -i -C / HOME=… PATH=… XDG_RUNTIME_DIR=…\`, U being a user the bench makes (\`useradd\`, subordinate ids $RL_SUB–$RL_SUB_END in /etc/subuid and /etc/subgid) or, for rootful berth, root. Both berths are the same binaries (copies of this build). The rootless berth keeps its state in the user's \`~/.local/share/berth\` and makes its busybox image there, from the host's static busybox as root's is; bwrap uses a copy of root's busybox image folder, which rootless podman imports (\`podman import\`, as runtime.sh does) into storage of its own (\`--root\`/\`--runroot\` in the work folder). Rootless podman runs in crun's mount namespace (bench/README.md, \"Method\"): crun refuses this hybrid host's cgroup v2 otherwise, even with \`--cgroups=disabled\`; the last column takes that entry off (\`wrapper-nsenter\` minus \`wrapper\`), and the ratios to podman use that net figure. $BENCH_ROUNDS rounds × $BENCH_RUNS runs (podman $BENCH_RUNS_SLOW), the order rotated each round."
	md ""
	local m_ful m_pod="" m_w m_wn m p25 p75 n net
	m_ful=$(median_ms "$WORK/times/berth-rootful")
	m_w=$(median_ms "$WORK/times/wrapper")
	m_wn=$(median_ms "$WORK/times/wrapper-nsenter")
	if [ "$has_podman" = 1 ]; then
		m_pod=$(awk -v a="$(median_ms "$WORK/times/podman-rootless")" -v b="$m_wn" -v c="$m_w" \
			'BEGIN { printf "%.2f", a - (b - c) }')
	fi
	md "| command | what runs | median ms | p25–p75 ms | round medians ms | runs | × berth rootful | × podman rootless (net) | net of nsenter |"
	md "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for t in "${tools[@]}"; do
		read -r m p25 p75 n <<<"$(stats "$WORK/times/$t")"
		net=–
		[ "$t" = podman-rootless ] && net=$m_pod
		md "| $t | ${what[$t]} | $m | $p25–$p75 | $(round_range "$WORK/times/$t.rounds") | $n | $(ratio "$m" "$m_ful") | $([ "$has_podman" = 1 ] && ratio "$m" "$m_pod" || echo –) | $net |"
	done
	md ""

	# Per round: each tool's median in that round; podman's net of that
	# round's nsenter entry.
	local files=("$WORK/times/berth-rootless.rounds" "$WORK/times/berth-rootful.rounds"
		"$WORK/times/bwrap-rootless.rounds" "$WORK/times/wrapper.rounds"
		"$WORK/times/wrapper-nsenter.rounds")
	[ "$has_podman" = 1 ] && files+=("$WORK/times/podman-rootless.rounds")
	paste "${files[@]}" | awk '{ print $1 / $2 }' >"$WORK/times/ratio-rootful"
	paste "${files[@]}" | awk 'NF == 6 { print $1 / ($6 - ($5 - $4)) }' >"$WORK/times/ratio-podman"
	local m_rl rr
	m_rl=$(median_ms "$WORK/times/berth-rootless")
	read -r -a rr <<<"$(rl_med_range "$WORK/times/ratio-rootful")"
	md "- **Rootless berth / rootful berth: ×$(ratio "$m_rl" "$m_ful")** (medians of all runs); per round: median ×${rr[0]}, ×${rr[1]}–×${rr[2]}. Goal: at most ×1.5."
	if [ "$has_podman" = 1 ]; then
		read -r -a rr <<<"$(rl_med_range "$WORK/times/ratio-podman")"
		md "- **Rootless berth / rootless podman: ×$(ratio "$m_rl" "$m_pod")** (medians of all runs, podman net of nsenter; ×$(ratio "$m_rl" "$(median_ms "$WORK/times/podman-rootless")") as measured); per round: median ×${rr[0]}, ×${rr[1]}–×${rr[2]}. Goal: at most ×0.2."
	else
		md "- Rootless podman: not measured ($podman_note)."
	fi
	read -r -a rr <<<"$(round_ratios berth-rootless bwrap-rootless)"
	md "- Rootless berth / bwrap --unshare-all: ×$(ratio "$m_rl" "$(median_ms "$WORK/times/bwrap-rootless")"); per round: median ×${rr[0]}, ×${rr[1]}–×${rr[2]}."
	md ""
	md "Per round: each tool's median in that round (ms) and the ratios of those medians$([ "$has_podman" = 1 ] && echo ", podman's net of that round's nsenter entry")."
	md ""
	if [ "$has_podman" = 1 ]; then
		md "| round | berth rootless | berth rootful | bwrap rootless | podman rootless (net) | rootless / rootful | rootless / podman |"
		md "|---:|---:|---:|---:|---:|---:|---:|"
	else
		md "| round | berth rootless | berth rootful | bwrap rootless | rootless / rootful |"
		md "|---:|---:|---:|---:|---:|"
	fi
	paste "${files[@]}" | awk '{
		line = sprintf("| %d | %.2f | %.2f | %.2f", NR, $1 * 1000, $2 * 1000, $3 * 1000)
		if (NF == 6) {
			p = $6 - ($5 - $4)
			line = line sprintf(" | %.1f | %.2f | %.3f", p * 1000, $1 / $2, $1 / p)
		} else
			line = line sprintf(" | %.2f", $1 / $2)
		print line " |" }' >>"$OUT"
	md ""
	md "Load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
	md ""
	rootless_cleanup
}
