# shellcheck shell=bash
# Shared set-up for berth's benchmarks: one work folder, one busybox rootfs
# for every runtime, the private mount namespaces runc and crun need on a
# hybrid-cgroup host, interleaved timing and the markdown report.
#
# Sourced by bench/run.sh; everything it creates lives under $WORK and is
# removed by bench_cleanup (an EXIT trap).

BENCH_SRC=${BENCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BERTH=${BERTH:-$BENCH_SRC/../berth}
export BERTH_SUPERVISOR=${BERTH_SUPERVISOR:-$(dirname "$BERTH")/berth-supervisor}

# How many interleaved rounds, and runs of each tool per round.
BENCH_ROUNDS=${BENCH_ROUNDS:-20}
BENCH_RUNS=${BENCH_RUNS:-10}
BENCH_RUNS_SLOW=${BENCH_RUNS_SLOW:-3}

# BENCH_BASELINE: the build folder of another berth (its berth and
# berth-supervisor), measured beside this one in the latency and idle
# sections: a change against the build before it, in one run.
BENCH_BASELINE=${BENCH_BASELINE:-}
BASE_BERTH=
BASE_BR=         # the baseline's private --root

WORK=
ROOTFS=
BR=              # berth's private --root
NS_RUNC_PID=     # holder of the mount namespace runc runs in
NS_CRUN_PID=     # holder of the mount namespace crun (and podman) run in
NS_BERTH_PID=    # holder of the one berth-runtime (and its podman) run in: cgroup v2 writable
PODMAN_OK=0
PODMAN_WHY=
OUT=             # the markdown report being written

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

b() { timeout 120 "$BERTH" --root "$BR" "$@"; }
base_describe() { git -C "$BENCH_BASELINE" describe --always --dirty 2>/dev/null || echo "$BENCH_BASELINE"; }
# The baseline build, with its own supervisor.
bb() { BERTH_SUPERVISOR=$BENCH_BASELINE/berth-supervisor timeout 120 "$BASE_BERTH" --root "$BASE_BR" "$@"; }

# ---------------------------------------------------------------- set-up

bench_need_tools()
{
	local missing=() t pkg
	declare -A pkgs=([hyperfine]=hyperfine [runc]=runc [crun]=crun [podman]=podman
		[bwrap]=bubblewrap [conmon]=conmon [jq]=jq [sqlite3]=sqlite3 [strace]=strace
		[nsenter]=util-linux)
	for t in "${!pkgs[@]}"; do
		command -v "$t" >/dev/null || missing+=("${pkgs[$t]}")
	done
	[ -x /usr/bin/time ] || missing+=(time)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing from Debian: ${missing[*]}"
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
}

# berth keeps its cgroup parent (berth/) once made: bench_cleanup removes
# it only if it was not there before (BERTH_CG_PARENT).
bench_note_cgroup_parent()
{
	# shellcheck source=tests/cgroup-root.sh
	. "$BENCH_SRC/../tests/cgroup-root.sh"
	BERTH_CG_PARENT=
	[ -z "$CGROUP_ROOT" ] || [ -d "$CGROUP_ROOT/berth" ] || BERTH_CG_PARENT=$CGROUP_ROOT/berth
}

# Each tool's state (berth/, podman/, runc-state/, crun-state/, ...) in
# block groups of its own. On ext4 a new folder goes to its parent's block
# group, so everything under one temp folder shares one group; and ext4
# without a journal (this machine's root) skips, one by one, every inode
# of the group freed in the last 1-6 minutes whenever it allocates one
# (recently_deleted()). podman's runs free dozens of inodes each, and
# berth's starts, which make inodes on the disk (OverlayFS's work folder),
# then paid for podman's: 1.5-2.1x bwrap instead of 1.4-1.5x, traced to
# the inode scan (docs/performance.md, item 36). The TOPDIR flag (chattr
# +T, as on /home) makes ext4 place each child folder as a tree of its
# own. Elsewhere it is refused or means nothing: that is fine.
bench_separate_groups()
{
	chattr +T "$1" 2>/dev/null || true
}

bench_setup()
{
	[ "$(id -u)" = 0 ] || die "run as root (containers need it)"
	[ -x "$BERTH" ] || die "no berth binary at $BERTH: build first (make)"
	bench_need_tools
	WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
	bench_separate_groups "$WORK"
	BR=$WORK/berth
	# podman's lock file lands in the host's /dev/shm whatever its --root.
	[ -e /dev/shm/libpod_lock ] || PODMAN_LOCK_OURS=1
	bench_note_cgroup_parent
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM

	# The one rootfs: berth's own busybox image, made from the host's
	# static busybox. Every other runtime uses this folder (read-only),
	# podman an image imported from a tar of it.
	b image create busybox >/dev/null
	if [ -n "$BENCH_BASELINE" ]; then
		BASE_BERTH=$BENCH_BASELINE/berth
		[ -x "$BASE_BERTH" ] && [ -x "$BENCH_BASELINE/berth-supervisor" ] ||
			die "BENCH_BASELINE=$BENCH_BASELINE has no berth and berth-supervisor: build it first"
		BASE_BR=$WORK/base
		bb image create busybox >/dev/null
	fi
	ROOTFS=$(b image list --format json | jq -r '.[] | select(.name=="busybox") | .layers[0]')
	[ -x "$ROOTFS/bin/busybox" ] || die "no busybox rootfs at $ROOTFS"
	touch "$WORK/rootfs.stamp"
	log "work folder $WORK, rootfs $ROOTFS"

	ns_start runc NS_RUNC_PID
	ns_start crun NS_CRUN_PID
	bundle_make
	podman_setup
}

# A holder process whose private mount namespace has every cgroup mount
# read-only (and, for crun, cgroup2 hidden under an empty tmpfs): runc
# --rootless=true and crun --cgroup-manager=disabled then run without
# creating cgroups under the machine's own v1 hierarchy. The remounts are
# per-mount flags of this namespace's copies; the host's mounts are
# untouched. Its /run is a tmpfs of its own.
ns_start()
{
	local kind=$1 var=$2 fifo=$WORK/ns-$1.ready
	mkfifo "$fifo"
	unshare -m --propagation private bash -c '
		set -e
		if [ "$1" = crun ]; then
			mount -t tmpfs -o ro,size=4k,mode=555 berth-bench-empty /sys/fs/cgroup/unified
		fi
		# What the runtimes and podman leave in /run (/run/crun,
		# /run/containers, /run/libpod) stays in this namespace.
		mount -t tmpfs -o size=64m,mode=755 berth-bench-run /run
		# podman run as root keeps its blob cache in
		# /var/lib/containers/cache whatever its --root (an import
		# writes it): a tmpfs of this namespace too.
		if [ "$1" != runc ] && [ -d /var/lib/containers/cache ]; then
			mount -t tmpfs -o size=16m,mode=700 berth-bench-cache /var/lib/containers/cache
		fi
		# berth-runtime makes its cgroups in cgroup v2, the only
		# hierarchy it touches: writable in its namespace.
		types="cgroup cgroup2"
		[ "$1" = berth ] && types=cgroup
		for m in $(awk -v t=" $types " "index(t, \" \" \$3 \" \") {print \$2}" /proc/self/mounts) /sys/fs/cgroup; do
			mount -o remount,bind,ro "$m"
		done
		echo ready > "$2"
		exec sleep infinity' ns-holder "$kind" "$fifo" &
	local pid=$!
	printf -v "$var" '%s' "$pid"
	read -r -t 10 _ < "$fifo" || die "the $kind namespace did not come up"
	# Only the top mount at each mount point counts (crun's tmpfs hides a
	# writable cgroup2 underneath, out of reach).
	local keep=
	[ "$kind" = berth ] && keep=$(awk '$3 == "cgroup2" { print $2 }' /proc/self/mounts)
	if nsenter -t "$pid" -m awk -v keep="$keep" '$2 ~ /^\/sys\/fs\/cgroup/ { o[$2] = $4 }
			END { for (m in o) if (o[m] ~ /^rw/ && m != keep) print m }' /proc/self/mounts | grep -q .; then
		die "the $kind namespace still has a writable cgroup mount"
	fi
}

# An OCI bundle for runc and crun: the shared rootfs read-only, /bin/true,
# and berth's namespaces (pid, network, ipc, uts, mount, cgroup).
. "$(dirname "${BASH_SOURCE[0]}")/oci-bundle.sh"
bundle_make()
{
	mkdir -p "$WORK/runc-state" "$WORK/crun-state"
	oci_bundle "$WORK/bundle" "$ROOTFS" || die "cannot make the OCI bundle"
}

# podman with storage of its own, in crun's namespace, cgroups disabled
# (crun refuses the hybrid hierarchy otherwise; podman refuses runc with
# --cgroups=disabled). Root here lacks CAP_SYS_RESOURCE, so podman's
# default rlimits (nofile 1048576) cannot be set: ask for the ones podman
# itself runs with.
PODMAN=()
PODMAN_RUN=()
podman_setup()
{
	if [ -n "${BENCH_NO_PODMAN:-}" ]; then
		PODMAN_WHY="BENCH_NO_PODMAN is set"
		return 0
	fi
	local p=$WORK/podman
	mkdir -p "$p/root" "$p/runroot" "$p/tmp" "$p/net" "$p/vol" "$p/crun"
	# Every state folder in the work folder, crun's too (else /run/crun).
	PODMAN=(nsenter -t "$NS_CRUN_PID" -m timeout 120 podman --root "$p/root" --runroot "$p/runroot"
		--tmpdir "$p/tmp" --network-config-dir "$p/net" --volumepath "$p/vol"
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend none
		--runtime crun --runtime-flag "root=$p/crun" --log-level error)
	PODMAN_RUN=(--network none --cgroups disabled --ulimit nofile=20000:20000
		--ulimit nproc=32768:32768)
	if ! command -v podman >/dev/null; then
		PODMAN_WHY="podman is not installed"
		return 0
	fi
	local err
	if ! err=$(tar -C "$ROOTFS" -c . | "${PODMAN[@]}" import - localhost/berth-bench-busybox 2>&1 >/dev/null); then
		PODMAN_WHY="podman import failed: $err"
		return 0
	fi
	if ! err=$("${PODMAN[@]}" run --rm "${PODMAN_RUN[@]}" localhost/berth-bench-busybox /bin/true 2>&1); then
		PODMAN_WHY="podman run failed: $err"
		return 0
	fi
	PODMAN_OK=1
}

bench_cleanup()
{
	local rc=$?
	trap - EXIT
	# Every step below must run even when one fails (a full disk made an
	# early `berth rm` fail once and left podman's containers behind).
	set +e
	log "cleaning up"
	[ -n "$BASE_BR" ] && [ -d "$BASE_BR" ] && bb rm -f --all >/dev/null 2>&1
	if [ -n "$BR" ] && [ -d "$BR" ]; then
		timeout 300 "$BERTH" --root "$BR" rm -f --all >/dev/null 2>&1 || true
		for extra in "$WORK"/berth-*; do
			[ -d "$extra" ] && timeout 300 "$BERTH" --root "$extra" rm -f --all >/dev/null 2>&1
		done
	fi
	if [ ${#PODMAN[@]} -gt 0 ] && [ -n "$NS_CRUN_PID" ]; then
		"${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1 || true
		"${PODMAN[@]}" system reset -f >/dev/null 2>&1 || true
	fi
	[ -n "${PODMAN_LOCK_OURS:-}" ] && rm -f /dev/shm/libpod_lock
	[ -n "${BERTH_CG_PARENT:-}" ] && rmdir "$BERTH_CG_PARENT" 2>/dev/null
	# The namespaces, and every mount in them, go with their holders.
	[ -n "$NS_BERTH_PID" ] && declare -F runtime_cleanup >/dev/null && runtime_cleanup
	declare -F network_cleanup >/dev/null && network_cleanup
	declare -F registry_bench_cleanup >/dev/null && registry_bench_cleanup
	declare -F rootless_cleanup >/dev/null && rootless_cleanup
	for pid in $NS_RUNC_PID $NS_CRUN_PID $NS_BERTH_PID; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ -n "$ROOTFS" ] && find "$ROOTFS" -newer "$WORK/rootfs.stamp" | grep -q .; then
			log "warning: the shared rootfs was modified during the run"
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# ---------------------------------------------------------------- timing

# interleave NAME... : every round runs each named tool once (hyperfine,
# $BENCH_RUNS runs after a warm-up, or $BENCH_RUNS_SLOW for tools marked
# slow), in an order rotated (and reversed every other round) from round
# to round, so that a noisy moment of the machine is spread over every
# tool. The command of tool NAME is ${CMD[NAME]} (hyperfine -N splits it
# like a shell would, without running one). Raw times go to $WORK/times/NAME (seconds, one a
# line); a round's own median to $WORK/times/NAME.rounds.
declare -A CMD=()
declare -A SLOW=()
# A command hyperfine runs before each run of tool NAME, untimed (optional).
declare -A PREP=()
interleave()
{
	local tools=("$@") n=$# round i k name runs json
	mkdir -p "$WORK/times"
	for name in "${tools[@]}"; do : > "$WORK/times/$name"; : > "$WORK/times/$name.rounds"; done
	for ((round = 0; round < BENCH_ROUNDS; round++)); do
		for ((k = 0; k < n; k++)); do
			i=$(((k + round) % n))
			name=${tools[$i]}
			[ $((round % 2)) = 1 ] && name=${tools[$((n - 1 - i))]}
			runs=$BENCH_RUNS
			[ -n "${SLOW[$name]:-}" ] && runs=$BENCH_RUNS_SLOW
			json=$WORK/times/$name.json
			local prep=()
			[ -n "${PREP[$name]:-}" ] && prep=(--prepare "${PREP[$name]}")
			if ! hyperfine -N --style none --warmup 1 --runs "$runs" "${prep[@]}" \
				--export-json "$json" -- "${CMD[$name]}" >/dev/null 2>"$WORK/times/$name.err"; then
				log "$name failed: $(tail -3 "$WORK/times/$name.err")"
				return 1
			fi
			jq -r '.results[0].times[]' "$json" >> "$WORK/times/$name"
			jq -r '.results[0].median' "$json" >> "$WORK/times/$name.rounds"
		done
		log "round $((round + 1))/$BENCH_ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))"
	done
}

# stats FILE: "median p25 p75 n" in milliseconds of the seconds in FILE.
stats()
{
	sort -g "$1" | awk '{ v[NR] = $1 * 1000 } END {
		if (NR == 0) { print "nan nan nan 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f %d\n", m, v[int(NR * 0.25) + 1], v[int(NR * 0.75) + 1], NR }'
}

median_ms() { stats "$1" | cut -d' ' -f1; }

# md_times_table NAME...: a table of each tool's median, p25, p75 and runs.
md_times_table()
{
	md "| command | median ms | p25 | p75 | runs |"
	md "|---|---|---|---|---|"
	local t s
	for t in "$@"; do
		read -r -a s <<<"$(stats "$WORK/times/$t")"
		md "| $t | ${s[0]} | ${s[1]} | ${s[2]} | ${s[3]} |"
	done
}

# round_ratios A B: "median min max n" of the per-round medians of tool A
# divided by those of tool B, the same round's against each other.
round_ratios()
{
	paste "$WORK/times/$1.rounds" "$WORK/times/$2.rounds" | awk '{ print $1 / $2 }' | sort -g |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR }'
}

# Range of the per-round medians, a direct view of the noise between rounds.
round_range()
{
	sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f–%.1f", lo * 1000, hi * 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "–" }'; }

# ---------------------------------------------------------------- report

md() { printf '%s\n' "$*" >> "$OUT"; }

machine_header()
{
	local cpu cores mem kernel
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	cores=$(nproc)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	kernel=$(uname -r)
	md "# berth benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
	md ""
	md "| | |"
	md "|---|---|"
	md "| machine | $cpu, $cores cores, $mem |"
	md "| kernel | $kernel ($(. /etc/os-release && echo "$PRETTY_NAME")) |"
	md "| cgroups | $(cgroup_mode) |"
	md "| berth | $("$BERTH" --version 2>&1 | head -1), git $(git -C "$BENCH_SRC" describe --always --dirty 2>/dev/null || echo '?') |"
	md "| others | runc $(runc --version | awk 'NR==1{print $3}'), crun $(crun --root "$WORK" --version | awk 'NR==1{print $3}'), podman $(podman --version | awk '{print $3}'), conmon $(conmon --version | awk 'NR==1{print $3}'), bubblewrap $(bwrap --version | awk '{print $2}'), $(unshare --version | sed 's/unshare from //'), hyperfine $(hyperfine --version | awk '{print $2}') |"
	md "| method | interleaved rounds (order rotated every round) of hyperfine -N runs; $BENCH_ROUNDS rounds × $BENCH_RUNS runs (slow tools $BENCH_RUNS_SLOW); medians of all runs |"
	md "| load at start | $(cut -d' ' -f1-3 /proc/loadavg); $(noise_report) |"
	md ""
}

cgroup_mode()
{
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "unified (v2)"
	else
		echo "hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified: $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null | tr -s ' ' ',' || echo none))"
	fi
}

# Processes using at least 10 % of a CPU right now (top's second sample,
# one second apart), ours excepted.
noise_report()
{
	local others
	others=$(top -b -n 2 -d 1 -w 200 2>/dev/null | awk '
		/^top -/ { frame++ } frame == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 10 &&
		$12 !~ /^(top|awk|hyperfine|bench|berth.*)$/ { printf "%s%s (%s%% CPU)", sep, $12, $9; sep = ", " }' |
		head -c 300)
	# Short-lived processes (other sessions' test suites) never show up
	# in top: say how busy the whole machine was over a second too.
	local busy
	busy=$(cpu_busy_percent)
	echo "machine ${busy} % busy over 1 s (of $(( $(nproc) * 100 )) %); ${others:-no single process ≥ 10 %}"
}

cpu_busy_percent()
{
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
	awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ")
		t = y[2] - x[2]; if (t <= 0) { print "?"; exit } printf "%.0f", (y[1] - x[1]) * 100 * n / t }'
}
