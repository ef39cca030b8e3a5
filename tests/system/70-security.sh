#!/bin/bash
# berth's security defaults, each proven from inside a default busybox
# container, and each way to change it: capabilities, no_new_privs,
# seccomp (default profile, custom profile, unconfined), masked and
# read-only paths, no descriptor of berth and no host working directory
# (CVE-2024-21626), and no way to the runtime's binary (CVE-2019-5736).
# docs/security.md describes the defaults next to Podman's.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null

# A static helper that makes raw system calls and names each errno.
PROBE=$ROOT/sec-probe
gcc -static -O2 -o "$PROBE" "$(dirname "$0")/helpers/sec-probe.c" 2>/dev/null ||
	t_skip_all "gcc -static cannot build the probe (libc.a missing?)"
P="-v $PROBE:/probe:ro"

# One container, with a time limit: a hang is a failure, not a stuck suite.
run() { timeout 60 "$BERTH" run --rm "$@"; }
xc() { timeout 60 "$BERTH" exec "$@"; }

# "ok N - DESC # SKIP WHY": a check that cannot be made on this host.
t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# The capability names, by number (linux/capability.h).
CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
	LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
	SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
	SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
	MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
	CHECKPOINT_RESTORE)
# caps_decode HEXMASK: the names of the bits set, sorted, space-separated.
caps_decode() {
	local m=$((16#$1)) i names=()
	for ((i = 0; i < 64; i++)); do
		((m >> i & 1)) && names+=("${CAP_NAMES[$i]:-CAP_$i}")
	done
	printf '%s\n' "${names[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# caps_of SET STATUS: the decoded SET (CapEff, CapBnd ...) of a status text.
caps_of() { caps_decode "$(awk -v s="$1:" '$1==s{print $2}' <<<"$2")"; }
status_field() { awk -v s="$1:" '$1==s{print $2}' <<<"$2"; }
# lacks REGEX TEXT: TEXT has no line matching REGEX.
lacks() { ! grep -Eq -- "$1" <<<"$2"; }

# Podman 4 and 5's default_capabilities (containers.conf).
PODMAN_CAPS="CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT"

# --- capabilities ------------------------------------------------------------
st=$(run busybox cat /proc/self/status)
for set in CapBnd CapEff CapPrm; do
	t_is "$set is Podman's default list" "$PODMAN_CAPS" "$(caps_of $set "$st")"
done
t_is "CapInh is empty" "" "$(caps_of CapInh "$st")"
t_is "CapAmb is empty" "" "$(caps_of CapAmb "$st")"

st=$(run --cap-add NET_ADMIN busybox cat /proc/self/status)
t_is "--cap-add NET_ADMIN adds it to the bounding, effective and permitted sets" \
	"NET_ADMIN NET_ADMIN NET_ADMIN" \
	"$(for s in CapBnd CapEff CapPrm; do caps_of $s "$st" | grep -o NET_ADMIN; done | tr '\n' ' ' | sed 's/ $//')"
t_is "and it works: root may change loopback's MTU" 1280 \
	"$(run --cap-add NET_ADMIN busybox sh -c 'ip link set lo mtu 1280 && cat /sys/class/net/lo/mtu')"
capture run busybox ip link set lo mtu 1280
t_match "without it, it is refused" 'Operation not permitted|Permission denied' "$ERR"

st=$(run --cap-drop CHOWN busybox cat /proc/self/status)
t_ok "--cap-drop CHOWN removes it from every set" \
	lacks '(^| )CHOWN( |$)' "$(caps_of CapBnd "$st") $(caps_of CapEff "$st") $(caps_of CapPrm "$st")"
capture run --cap-drop CHOWN busybox sh -c 'touch /tmp/f && chown 1:1 /tmp/f'
t_match "and chown fails" 'Operation not permitted' "$ERR"
t_is "with CHOWN, chown works" "1 1" "$(run busybox sh -c 'touch /tmp/f && chown 1:1 /tmp/f && stat -c "%u %g" /tmp/f')"

st=$(run --cap-drop ALL busybox cat /proc/self/status)
t_is "--cap-drop ALL leaves every set empty" "0000000000000000 0000000000000000 0000000000000000" \
	"$(status_field CapBnd "$st") $(status_field CapEff "$st") $(status_field CapPrm "$st")"

host_bnd=$(awk '/^CapBnd:/{print $2}' /proc/self/status)
st=$(run --privileged busybox cat /proc/self/status)
t_is "--privileged has every capability berth has (bounding)" "$(caps_decode "$host_bnd")" "$(caps_of CapBnd "$st")"
t_is "--privileged: effective too" "$(caps_decode "$host_bnd")" "$(caps_of CapEff "$st")"

st=$(run --user 1000 busybox cat /proc/self/status)
t_is "a non-root --user has no effective capability" 0000000000000000 "$(status_field CapEff "$st")"
t_is "nor permitted ones" 0000000000000000 "$(status_field CapPrm "$st")"
t_is "its bounding set is still the default list (as Podman)" "$PODMAN_CAPS" "$(caps_of CapBnd "$st")"

# --- no_new_privs and seccomp -----------------------------------------------
berth run -d --name sec-a $P busybox sleep 1000 >/dev/null
st=$(run busybox cat /proc/self/status)
t_is "no_new_privs is set" 1 "$(status_field NoNewPrivs "$st")"
t_is "seccomp is in filter mode (2) by default" 2 "$(status_field Seccomp "$st")"
st=$(xc sec-a cat /proc/self/status)
t_is "berth exec: no_new_privs is set" 1 "$(status_field NoNewPrivs "$st")"
t_is "berth exec: seccomp filter mode" 2 "$(status_field Seccomp "$st")"
t_is "berth exec: Podman's capabilities" "$PODMAN_CAPS" "$(caps_of CapEff "$st")"
st=$(xc --user 1000 sec-a cat /proc/self/status)
t_is "berth exec --user 1000: no effective capability" 0000000000000000 "$(status_field CapEff "$st")"
t_is "seccomp=unconfined: mode 0" 0 \
	"$(run --security-opt seccomp=unconfined busybox awk '/^Seccomp:/{print $2}' /proc/self/status)"
t_is "--privileged: mode 0" 0 "$(run --privileged busybox awk '/^Seccomp:/{print $2}' /proc/self/status)"
t_is "--privileged: no_new_privs is still set" 1 \
	"$(run --privileged busybox awk '/^NoNewPrivs:/{print $2}' /proc/self/status)"

# The default profile: each call fails with EPERM, even those that need no
# capability (unshare and clone of a user namespace, the keyring, perf).
# clone3 says ENOSYS: its flags are out of a filter's reach, and the C
# library falls back to clone(), whose flags are checked.
# call NAME: the probe's line for NAME in $calls.
call() { awk -v c="$1" '$1==c' <<<"$calls"; }
calls=$(run $P busybox /probe syscalls)
t_diag "default profile: $(echo $calls)"
for c in kexec_load kexec_file_load open_by_handle_at init_module finit_module delete_module bpf \
	mount umount2 "unshare(CLONE_NEWUSER)" "unshare(CLONE_NEWNS)" "clone(CLONE_NEWUSER)" keyctl \
	add_key request_key perf_event_open reboot swapon swapoff setns pivot_root fsopen open_tree \
	userfaultfd acct clock_settime syslog process_vm_readv; do
	t_is "seccomp: $c fails with EPERM" "$c EPERM" "$(call "$c")"
done
t_is "seccomp: clone3 fails with ENOSYS (glibc falls back to clone)" "clone3(CLONE_NEWUSER) ENOSYS" \
	"$(call 'clone3(CLONE_NEWUSER)')"
# io_uring: a large attack surface of its own (most kernel exploits sent to
# Google's kCTF in 2022 went through it); Docker (since 25.0) denies it
# with EPERM, and Podman's profile does not list it (ENOSYS).
t_match "seccomp: io_uring_setup is refused (EPERM as Docker, or ENOSYS as Podman)" \
	'^io_uring_setup (EPERM|ENOSYS)$' "$(call io_uring_setup)"
# ptrace is allowed by Docker's profile (kernel >= 4.8) and by berth's;
# Podman's allows it with CAP_SYS_PTRACE only. pid 1 here is the
# container's own init, not the host's (the breakout suite shows host
# processes cannot be named at all).
t_is "ptrace of the container's own pid 1 is allowed, as in Docker" "ptrace(ATTACH,1) OK" \
	"$(call 'ptrace(ATTACH,1)')"

# Without the filter, the calls that need no capability go through: so it
# was seccomp, not a missing capability, that stopped them.
calls=$(run --security-opt seccomp=unconfined $P busybox /probe syscalls)
t_diag "unconfined: $(echo $calls)"
for c in keyctl add_key; do
	t_is "unconfined: $c is allowed (seccomp stopped it)" "$c OK" "$(call "$c")"
done
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ]; then
	t_is "unconfined: unshare(CLONE_NEWUSER) is allowed (seccomp stopped it)" \
		"unshare(CLONE_NEWUSER) OK" "$(call 'unshare(CLONE_NEWUSER)')"
else
	t_skip "unconfined: unshare(CLONE_NEWUSER) is allowed" "user namespaces are disabled"
fi
t_is "unconfined: mount still fails (no CAP_SYS_ADMIN)" "mount EPERM" "$(call mount)"
# AF_VSOCK sockets are not network-namespaced: in a VM they reach the
# hypervisor and the host's vsock services from inside any container.
# Docker's profile refuses socket(AF_VSOCK) (EPERM); where the kernel has
# vsock (unconfined can make one), berth's must refuse it too.
if [ "$(call 'socket(AF_VSOCK)')" = "socket(AF_VSOCK) OK" ]; then
	t_is "seccomp: socket(AF_VSOCK) is refused (a way around the network namespace)" \
		"socket(AF_VSOCK) EPERM" "$(calls=$(run $P busybox /probe syscalls); call 'socket(AF_VSOCK)')"
else
	t_skip "seccomp: socket(AF_VSOCK) is refused" "no vsock in this kernel"
fi

# The rules are conditional on capabilities, as Docker's are.
t_is "--cap-add SYS_ADMIN: mount works (the rule follows the capability)" "mount OK" \
	"$(run --cap-add SYS_ADMIN $P busybox sh -c 'mkdir -p /mnt/t && /probe mount-tmpfs /mnt/t')"
calls=$(run --cap-add SYS_ADMIN $P busybox /probe syscalls)
t_is "--cap-add SYS_ADMIN: keyctl is still denied (no capability allows it)" "keyctl EPERM" "$(call keyctl)"
t_is "--cap-add SYS_ADMIN: init_module is still denied" "init_module EPERM" \
	"$(call init_module)"

# 32-bit system calls on x86_64 would go past a filter written for the
# native table: the filter kills the process instead (SIGSYS, 128+31).
if [ "$(uname -m)" = x86_64 ]; then
	capture run --security-opt seccomp=unconfined $P busybox /probe int80
	if [ "$OUT" = "int80 OK" ]; then
		capture run $P busybox /probe int80
		t_is "seccomp: a 32-bit int \$0x80 call kills the process (SIGSYS)" 159 "$RC"
	else
		t_skip "seccomp: a 32-bit int \$0x80 call kills the process" "no IA-32 emulation in this kernel"
	fi
fi

# --security-opt seccomp=FILE: a Docker-format profile.
cat >"$ROOT/deny-mkdir.json" <<'EOF'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
	"syscalls": [
		{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 }
	]
}
EOF
capture run --security-opt seccomp="$ROOT/deny-mkdir.json" busybox mkdir /tmp/x
t_match "a custom profile applies: mkdir fails with EACCES" 'Permission denied' "$ERR"
t_is "only what it lists: other calls work" ok \
	"$(run --security-opt seccomp="$ROOT/deny-mkdir.json" busybox sh -c 'touch /tmp/f && echo ok')"
t_is "the custom profile replaces the default one (keyctl allowed)" "keyctl OK" \
	"$(calls=$(run --security-opt seccomp="$ROOT/deny-mkdir.json" $P busybox /probe syscalls); call keyctl)"
printf '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"' >"$ROOT/bad.json"
capture run --security-opt seccomp="$ROOT/bad.json" busybox true
t_is "a malformed profile is refused with 125" 125 "$RC"
t_is "in one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_match "which names the file" "^berth: .*bad.json" "$ERR"
echo '{ "defaultAction": "SCMP_ACT_NOPE" }' >"$ROOT/bad-action.json"
capture run --security-opt seccomp="$ROOT/bad-action.json" busybox true
t_is "an unknown action is refused with 125" 125 "$RC"
t_match "in one line naming it" "^berth: .*defaultAction" "$ERR"
t_is "no container is left by a refused profile" 0 "$(db "SELECT count(*) FROM containers WHERE name != 'sec-a'")"

# --- masked and read-only paths ----------------------------------------------
MASKED="/proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats
	/proc/sched_debug /proc/scsi /sys/firmware /sys/fs/selinux /sys/dev/block /sys/devices/virtual/powercap"
for p in $MASKED; do
	if [ ! -e "$p" ]; then
		t_skip "$p is masked" "not on this host"
		continue
	fi
	if [ -d "$p" ]; then
		t_is "$p is masked (an empty folder)" "" "$(run busybox ls -A "$p" 2>&1)"
	else
		t_is "$p is masked (reads empty)" 0 "$(run busybox sh -c "cat $p | wc -c")"
	fi
done
t_match "a masked file cannot be unmasked (umount: EPERM)" 'Operation not permitted|Permission denied' \
	"$(run busybox sh -c 'umount /proc/timer_list' 2>&1)"
t_is "--privileged lifts the masks (/proc/timer_list has content)" yes \
	"$(run --privileged busybox sh -c '[ "$(wc -c < /proc/timer_list)" -gt 0 ] && echo yes')"
[ -d /sys/firmware ] && [ -n "$(ls -A /sys/firmware)" ] &&
	t_ok "--privileged: /sys/firmware is the host's" test -n "$(run --privileged busybox ls -A /sys/firmware)"

ro_flag() { run busybox awk -v m="$1" '$5==m{split($6,o,","); print o[1]}' /proc/self/mountinfo; }
for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs /proc/asound; do
	if [ ! -e "$p" ]; then
		t_skip "$p is read-only" "not on this host"
		continue
	fi
	t_is "$p is a read-only mount" ro "$(ro_flag "$p")"
done
# Domain name: a UTS-namespaced sysctl, so no harm done if the write went through.
t_is "writing /proc/sys fails with EROFS" "open EROFS" \
	"$(run $P busybox /probe open /proc/sys/kernel/domainname w)"
[ -e /proc/irq/default_smp_affinity ] &&
	t_is "opening /proc/irq/default_smp_affinity for writing fails with EROFS" "open EROFS" \
		"$(run $P busybox /probe open /proc/irq/default_smp_affinity o)"
if [ -e /proc/sysrq-trigger ]; then
	t_is "opening /proc/sysrq-trigger for writing fails with EROFS" "open EROFS" \
		"$(run $P busybox /probe open /proc/sysrq-trigger o)"
else
	t_skip "opening /proc/sysrq-trigger for writing fails" "no /proc/sysrq-trigger (no CONFIG_MAGIC_SYSRQ)"
fi
t_is "--privileged lifts read-only /proc/sys (its own UTS domain name)" berth-dom \
	"$(run --privileged busybox sh -c 'echo berth-dom > /proc/sys/kernel/domainname && cat /proc/sys/kernel/domainname')"
t_ok "and /sys is read-write" test "$(run --privileged busybox awk '$2=="/sys"{print substr($4,1,2)}' /proc/mounts)" = rw

# --- descriptors and the working directory (CVE-2024-21626) -----------------
fds_of() { awk '{print $1}' <<<"$1" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
t_is "run: only 0 1 2 are open in the container" "0 1 2" "$(fds_of "$(run $P busybox /probe fds)")"
t_is "run -d: pid 1 holds only 0 1 2" "0 1 2" "$(xc sec-a ls /proc/1/fd | sort -n | tr '\n' ' ' | sed 's/ $//')"
t_is "exec: only 0 1 2 are open in the process" "0 1 2" "$(fds_of "$(xc sec-a /probe fds)")"
t_is "exec -d: only 0 1 2 (the process lists its own)" "0 1 2" \
	"$(xc -d sec-a sh -c '/probe fds > /tmp/fds-d' && sleep 0.5 && fds_of "$(xc sec-a cat /tmp/fds-d)")"
t_is "run: the working directory is the container's /" / "$(run busybox readlink /proc/self/cwd)"
t_is "run: getcwd() agrees (it fails for a directory outside the root)" / "$(run $P busybox /probe cwd)"
t_is "run: pid 1's working directory is /" / "$(xc sec-a readlink /proc/1/cwd)"
t_is "exec: the working directory is /" / "$(xc sec-a /probe cwd)"
t_is "run --workdir /data: /data" /data "$(run --workdir /data $P busybox /probe cwd)"

# The exploit: a descriptor of berth still open during chdir() makes
# /proc/self/fd/N a way out of the root. A marker on the host, at a path
# the container cannot have, tells whether the working directory escaped.
marker=$ROOT/host-marker
echo escaped-to-host >"$marker"
up="cd ../../../../../../../../../../../..; cat .$marker 2>/dev/null"
leaks=
for n in $(seq 3 15); do
	out=$(run --workdir /proc/self/fd/$n busybox sh -c "$up" 2>/dev/null)
	[ "$out" = escaped-to-host ] && leaks="$leaks $n"
done
t_is "run --workdir /proc/self/fd/N (3-15) never lands outside the root" "" "$leaks"
[ -n "$leaks" ] && t_diag "run: the host was reachable through fd$leaks (a descriptor of berth open at chdir)"
leaks=
for n in $(seq 3 15); do
	out=$(xc --workdir /proc/self/fd/$n sec-a sh -c "$up" 2>/dev/null)
	[ "$out" = escaped-to-host ] && leaks="$leaks $n"
done
t_is "exec --workdir /proc/self/fd/N (3-15) never lands outside the root" "" "$leaks"
[ -n "$leaks" ] && t_diag "exec: the host was reachable through fd$leaks"
# Without any flag: the container swaps its own working directory for a
# symlink into /proc/self/fd, and waits for an administrator's exec.
berth run -d --name sec-w --workdir /data busybox sleep 1000 >/dev/null
leaks=
for n in $(seq 3 15); do
	xc --workdir / sec-w sh -c "rm -rf /data && ln -s /proc/self/fd/$n /data" 2>/dev/null
	out=$(xc sec-w sh -c "$up" 2>/dev/null)
	[ "$out" = escaped-to-host ] && leaks="$leaks $n"
done
t_is "exec into a container whose workdir became a /proc/self/fd/N link stays inside" "" "$leaks"
[ -n "$leaks" ] && t_diag "exec: a planted /data -> /proc/self/fd/N link reached the host through fd$leaks"
berth rm -f sec-w >/dev/null

# --- the runtime's binary (CVE-2019-5736) -------------------------------------
sup=$(readlink -f "$BERTH_SUPERVISOR")
sum_before=$(sha256sum <"$sup")
t_is "pid 1 is the container's own binary, not berth's" /bin/busybox "$(xc sec-a readlink /proc/1/exe)"
t_ok "run: no process of the container can resolve berth-supervisor" \
	lacks supervisor "$(run busybox sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; done')"
# While berth exec runs its own code in the container (between clone and
# execve) the process is not dumpable and holds more capabilities than the
# container: its /proc/PID/exe cannot be resolved. A watcher inside tries
# every process it sees, while the host starts 40 processes.
xc -d sec-a sh -c '/probe exe-watch 4 > /tmp/watch 2>&1'
sleep 0.3
for i in $(seq 40); do xc sec-a true; done
sleep 4.5
watch=$(xc sec-a cat /tmp/watch)
t_diag "exe watcher: $(echo $watch)"
t_match "the watcher ran" 'watched [1-9]' "$watch"
t_ok "exec: no process the container sees is berth-supervisor" lacks supervisor "$watch"
t_ok "exec: no binary could be opened for writing through /proc/PID/exe" lacks 'write OK' "$watch"

# A malicious image makes its command a script run by `#!/proc/self/exe`:
# if the init or the exec'd process is still berth-supervisor at execve,
# the kernel runs berth's binary inside the container, with the image's
# dynamic loader and an /etc/ld.so.preload payload (helpers/exe-preload.c).
EVIL=$ROOT/evil-rootfs
img=$(image_layer busybox) || exit 1
mkdir -p "$EVIL"
cp -a "$img/." "$EVIL/"
for lib in $(ldd "$sup" 2>/dev/null | grep -o '/[^ ]*'); do
	cp -L --parents "$lib" "$EVIL/" 2>/dev/null
done
if gcc -shared -fPIC -O2 -o "$EVIL/lib/exe-preload.so" "$(dirname "$0")/helpers/exe-preload.c" 2>/dev/null; then
	echo /lib/exe-preload.so >"$EVIL/etc/ld.so.preload"
	printf '#!/proc/self/exe\n' >"$EVIL/evil"
	chmod 755 "$EVIL/evil"
	capture run "$EVIL" /evil
	t_diag "run of #!/proc/self/exe: rc $RC, $(echo $ERR)"
	t_ok "run: an image's #!/proc/self/exe does not run berth's binary in the container" \
		lacks 'PRELOAD exe=.*supervisor' "$ERR"
	t_ok "run: the container cannot open berth's binary for writing" lacks 'write=OK' "$ERR"
	berth run -d --name sec-evil "$EVIL" sleep 1000 >/dev/null
	capture xc sec-evil /evil
	t_diag "exec of #!/proc/self/exe: rc $RC, $(echo $ERR)"
	t_ok "exec: #!/proc/self/exe does not run berth's binary in the container" \
		lacks 'PRELOAD exe=.*supervisor' "$ERR"
	sleep 2.5
	child=$(xc sec-evil cat /tmp/preload-child 2>/dev/null)
	[ -n "$child" ] && t_diag "the payload's child, after berth's process exited: $child"
	t_ok "exec: nor can a process it leaves behind, once berth's process is gone" \
		lacks 'write=OK' "$child"
	berth rm -f sec-evil >/dev/null
else
	t_skip "an image's #!/proc/self/exe does not run berth's binary" "cannot build a shared library"
fi
t_is "berth-supervisor is unchanged on the host (sha256)" "$sum_before" "$(sha256sum <"$sup")"

berth rm -f sec-a >/dev/null
t_end
