#!/bin/bash
# The breakout suite: from inside a default container, try each classic way
# out to the host. Every attempt must fail; each description names the
# protection that stopped it, and the host side is checked afterwards.
# docs/security.md explains each.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null

PROBE=$ROOT/sec-probe
gcc -static -O2 -o "$PROBE" "$(dirname "$0")/helpers/sec-probe.c" 2>/dev/null ||
	t_skip_all "gcc -static cannot build the probe (libc.a missing?)"
P="-v $PROBE:/probe:ro"
run() { timeout 60 "$BERTH" run --rm "$@"; }
run_sh() { run $P busybox sh -c "$1"; }
t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}
lacks() { ! grep -Eq -- "$1" <<<"$2"; }

# A host process with a secret in its environment, and a file the
# container must never read: both at paths a container cannot have.
secret=berth-secret-$RANDOM$RANDOM
BERTH_BREAKOUT_SECRET=$secret sleep 600 &
HP=$!
T_EXTRA_CLEANUP="kill $HP 2>/dev/null"
marker=$ROOT/host-marker
echo host-only >"$marker"
host_alive() { kill -0 "$HP" 2>/dev/null; }
host_hostname=$(hostname)

# --- mount ---------------------------------------------------------------------
src=berth-breakout-$$
t_is "mount: EPERM (seccomp + no CAP_SYS_ADMIN)" "mount EPERM" \
	"$(run_sh "mkdir -p /mnt/x; /probe mount-tmpfs /mnt/x")"
t_is "mount without seccomp: still EPERM (no CAP_SYS_ADMIN)" "mount EPERM" \
	"$(run --security-opt seccomp=unconfined $P busybox sh -c 'mkdir -p /mnt/x; /probe mount-tmpfs /mnt/x')"
capture run busybox mount -t tmpfs "$src" /mnt
t_match "busybox mount -t tmpfs: refused" '[Oo]peration not permitted|[Pp]ermission denied' "$ERR"
capture run busybox sh -c 'mount -o remount,rw /sys'
t_ok "remounting /sys read-write: refused" test "$RC" != 0
t_ok "host: no mount of the container's appeared" sh -c "! grep -q '$src' /proc/mounts"

# --- device nodes ----------------------------------------------------------------
# A block device of the host that the host itself can open (some sandboxes
# forbid even the host's root its disk): real disks first.
disk='' disk_name=''
for d in /sys/block/vd* /sys/block/sd* /sys/block/nvme* /sys/block/xvd* /sys/block/zram* /sys/block/loop*; do
	[ -e "$d/dev" ] && [ -b "/dev/${d##*/}" ] || continue
	head -c1 "/dev/${d##*/}" >/dev/null 2>&1 || continue
	disk=$(cat "$d/dev") disk_name=${d##*/}
	break
done
t_is "mknod of a block device: EPERM (no CAP_MKNOD in the default set)" "mknod EPERM" \
	"$(run $P busybox /probe mknod /dev/hostdisk b 8 0)"
# With CAP_MKNOD (Docker's default set has it) making the node works; the
# device cgroup (a BPF program on cgroup v2) must still refuse to open it.
if [ -n "$disk" ]; then
	t_is "with --cap-add MKNOD, opening the host's /dev/$disk_name ($disk): EPERM (device cgroup)" \
		"mknod OK open EPERM" \
		"$(run --cap-add MKNOD $P busybox /probe mknod /dev/hostdisk b "${disk%:*}" "${disk#*:}")"
else
	t_skip "with --cap-add MKNOD, opening a host block device: EPERM (device cgroup)" \
		"the host itself can open none of its block devices"
fi
t_is "with --cap-add MKNOD, opening /dev/kmsg (1:11) for writing: EPERM (device cgroup)" "mknod OK open EPERM" \
	"$(run --cap-add MKNOD $P busybox /probe mknod /dev/hostkmsg c 1 11)"
t_is "the default devices still open with MKNOD added (/dev/null)" "open OK write OK" \
	"$(run --cap-add MKNOD $P busybox /probe open /dev/null w)"
t_is "/dev has none of the host's devices" "" \
	"$(run busybox sh -c 'ls /dev | grep -v -x -E "console|fd|full|mqueue|null|ptmx|pts|random|shm|stderr|stdin|stdout|tty|urandom|zero"')"
t_is "devpts is the container's own: no host terminal in /dev/pts" ptmx "$(run busybox ls /dev/pts)"
t_is "/dev/tty: ENXIO (the container has no controlling terminal)" "open ENXIO" \
	"$(run $P busybox /probe open /dev/tty r)"
t_is "the host's block devices are masked in /sys/dev/block" "" "$(run busybox ls -A /sys/dev/block)"

# The terminal berth run was started from: without -t the container gets
# pipes that berth relays, never the terminal (72-breakout-stdio.sh), so
# TIOCSTI has no terminal to push input into (ENOTTY; EPERM where seccomp
# refuses the call first).
if command -v python3 >/dev/null; then
	out=$(python3 "$(dirname "$0")/pty-run.py" --timeout 30 -- "$BERTH" run --rm $P busybox \
		/probe tiocsti 'echo INJECTED-INTO-HOST-SHELL\n')
	t_match "TIOCSTI into the host's terminal: refused (its stdin is a pipe, not the terminal)" \
		'tiocsti (ENOTTY|EPERM)' "$out"
	t_ok "host: nothing was typed into the terminal" lacks INJECTED "$out"
else
	t_skip "TIOCSTI into the host's terminal" "no python3"
fi

# --- kernel modules --------------------------------------------------------------
mods_before=$(cat /proc/modules 2>/dev/null | awk '{print $1}' | sort)
calls=$(run $P busybox /probe syscalls)
call() { awk -v c="$1" '$1==c' <<<"$calls"; }
t_is "init_module: EPERM (seccomp + no CAP_SYS_MODULE)" "init_module EPERM" "$(call init_module)"
t_is "finit_module: EPERM (seccomp + no CAP_SYS_MODULE)" "finit_module EPERM" "$(call finit_module)"
t_is "delete_module: EPERM (seccomp + no CAP_SYS_MODULE)" "delete_module EPERM" "$(call delete_module)"
calls=$(run --security-opt seccomp=unconfined $P busybox /probe syscalls)
t_match "init_module without seccomp: still refused (no CAP_SYS_MODULE; ENOSYS without module support)" \
	'^init_module (EPERM|ENOSYS)$' "$(call init_module)"
capture run busybox sh -c 'echo > /tmp/x.ko; insmod /tmp/x.ko'
t_ok "busybox insmod: refused" test "$RC" != 0
if [ -e /proc/sys/kernel/modprobe ]; then
	t_is "setting the module loader (/proc/sys/kernel/modprobe): EROFS" "open EROFS" \
		"$(run $P busybox /probe open /proc/sys/kernel/modprobe o)"
else
	t_skip "setting the module loader (/proc/sys/kernel/modprobe)" "no module support in this kernel"
fi
t_is "host: the loaded modules did not change" "$mods_before" "$(cat /proc/modules 2>/dev/null | awk '{print $1}' | sort)"

# --- /proc/sys and /sys ---------------------------------------------------------
core_before=$(cat /proc/sys/kernel/core_pattern)
t_is "writing /proc/sys/kernel/core_pattern (a pipe to a host program): EROFS (read-only /proc/sys)" \
	"open EROFS" "$(run $P busybox /probe open /proc/sys/kernel/core_pattern o)"
capture run busybox sh -c 'echo "|/tmp/pwn" > /proc/sys/kernel/core_pattern'
t_match "with the shell too" 'Read-only file system' "$ERR"
t_is "host: core_pattern unchanged" "$core_before" "$(cat /proc/sys/kernel/core_pattern)"
t_is "writing /proc/sys/vm/drop_caches: EROFS" "open EROFS" \
	"$(run $P busybox /probe open /proc/sys/vm/drop_caches o)"
if [ -e /proc/sysrq-trigger ]; then
	t_is "opening /proc/sysrq-trigger for writing: EROFS" "open EROFS" \
		"$(run $P busybox /probe open /proc/sysrq-trigger o)"
else
	t_skip "opening /proc/sysrq-trigger for writing" "no /proc/sysrq-trigger on this host"
fi
if [ -e /sys/kernel/uevent_helper ]; then
	t_is "writing /sys/kernel/uevent_helper: EROFS (read-only /sys)" "open EROFS" \
		"$(run $P busybox /probe open /sys/kernel/uevent_helper o)"
else
	t_skip "writing /sys/kernel/uevent_helper" "not on this host"
fi
t_is "moving out of the container's cgroup (cgroup.procs): EROFS (read-only cgroup2 mount)" "open EROFS" \
	"$(run $P busybox /probe open /sys/fs/cgroup/cgroup.procs o)"
t_is "the cgroup namespace hides the host's hierarchy: / is the container's cgroup" "0::/" \
	"$(run busybox grep ^0:: /proc/self/cgroup)"

# --- other processes: ptrace, signals, environ ----------------------------------
t_is "ptrace of a host process (pid $HP): ESRCH (PID namespace)" "ptrace ESRCH" \
	"$(run $P busybox /probe ptrace "$HP")"
t_is "pid 1 inside is the container's own init, not the host's (its cgroup is the container's)" \
	"0::/ /bin/busybox" "$(run busybox sh -c 'echo $(grep ^0:: /proc/1/cgroup) $(readlink /proc/1/exe)')"
t_is "host: the process is not traced" 0 "$(awk '/^TracerPid:/{print $2}' /proc/$HP/status)"
t_is "signalling a host process (kill -9 $HP): ESRCH (PID namespace)" "kill ESRCH" \
	"$(run $P busybox /probe kill "$HP")"
run busybox sh -c 'kill -9 -1; true' >/dev/null 2>&1
t_ok "host: kill -9 -1 from inside reaches no host process (the sleep lives)" host_alive
t_ok "only the container's processes are visible" test "$(run busybox sh -c 'ls -d /proc/[0-9]* | wc -l')" -le 3
# (`; true` keeps sh as pid 1: an exec'd tr would read an environ opened
# on the shell's memory, gone by then.)
e1=$(run -e BERTH_IN=container busybox sh -c 'tr "\0" "\n" < /proc/1/environ; true')
t_match "reading /proc/1/environ gives the container's own environment (PID namespace)" \
	'(^|'$'\n'')BERTH_IN=container('$'\n''|$)' "$e1"
if h1=$(tr '\0' '\n' 2>/dev/null </proc/1/environ); then
	t_ok "not the host's pid 1's" test "$e1" != "$h1"
fi
t_is "no environment inside holds the host process's secret" 0 \
	"$(run busybox sh -c "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c $secret")"
t_is "reading the host process's environ by pid: ENOENT (PID namespace)" "open ENOENT" \
	"$(run $P busybox /probe open /proc/$HP/environ r)"

# --- escaping the root -------------------------------------------------------------
t_is "escape through ..: /../../.. is / (pivot_root, old root detached)" yes \
	"$(run busybox sh -c '[ "$(stat -c %d:%i /)" = "$(stat -c %d:%i /../../../../..)" ] && echo yes')"
t_is "escape through ..: the host's file is not there" "open ENOENT" \
	"$(run $P busybox /probe open "/../../../../../..$marker" r)"
t_is "escape through a relative symlink: ENOENT (resolved in the container's root)" "open ENOENT" \
	"$(run_sh "ln -s ../../../../../../../.. /tmp/up && /probe open /tmp/up$marker r")"
t_is "escape through an absolute symlink: ENOENT" "open ENOENT" \
	"$(run_sh "ln -s $marker /tmp/abs && /probe open /tmp/abs r")"
t_is "escape through a nested chroot (CAP_SYS_CHROOT is default): back at the container's root only" \
	"chroot OK read ENOENT" "$(run $P busybox /probe chroot-escape "$marker")"
out=$(run_sh "for p in /proc/[0-9]* /proc/self /proc/thread-self; do /probe open \$p/root$marker r; /probe open \$p/cwd$marker r; done" | sort -u)
t_is "escape through /proc/*/root and /proc/*/cwd: ENOENT for every process" "open ENOENT" "$out"
t_is "no descriptor of berth to escape through (/proc/self/fd holds 0 1 2)" "0 1 2" \
	"$(run $P busybox /probe fds | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//')"

# The runtime must not follow a symlink the image planted when it creates
# and mounts a volume's target: the symlink is resolved inside the root.
mkdir -p "$ROOT/vol"
echo vol >"$ROOT/vol/f"
img=$(image_layer busybox) || exit 1
trap_img=$ROOT/trap-rootfs
mkdir -p "$trap_img"
cp -a "$img/." "$trap_img/"
ln -s "$ROOT/planted-target" "$trap_img/data"
capture run -v "$ROOT/vol:/data" "$trap_img" cat /data/f
t_match "a volume whose target is an image's symlink to a host path: inside the root, or refused" \
	'^(0:vol|125:)$' "$RC:$OUT"
t_ok "host: the symlink's host target was not created" test ! -e "$ROOT/planted-target"
capture run -v "$ROOT/vol:/../../../..$ROOT/dotdot-target" busybox true
t_ok "host: a volume target with .. does not create anything on the host" test ! -e "$ROOT/dotdot-target"

# --- hostname --------------------------------------------------------------------------
capture run busybox hostname evil-host
t_match "changing the hostname: EPERM (no CAP_SYS_ADMIN)" 'Operation not permitted|Permission denied' "$ERR"
t_is "with --cap-add SYS_ADMIN it changes only the container's (UTS namespace)" evil-host \
	"$(run --cap-add SYS_ADMIN busybox sh -c 'hostname evil-host && hostname')"
t_is "host: the hostname is unchanged" "$host_hostname" "$(hostname)"
capture run busybox sh -c 'echo evil > /proc/sys/kernel/hostname'
t_ok "nor through /proc/sys/kernel/hostname (read-only)" test "$(hostname)" = "$host_hostname"

# --- after all of it ------------------------------------------------------------------------
t_ok "host: the sleep is still alive" host_alive
t_is "host: the marker is unchanged" host-only "$(cat "$marker")"
kill "$HP" 2>/dev/null
wait "$HP" 2>/dev/null
t_end
