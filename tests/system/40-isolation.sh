#!/bin/bash
# What a container sees: its own PID, mount, UTS, IPC, network and cgroup
# namespaces, an OverlayFS root after pivot_root, and a minimal /dev.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

run_in() { berth run --rm busybox sh -c "$1"; }

t_is "the command is PID 1 of its own PID namespace" 1 "$(run_in 'echo $$')"
t_is "only the container's processes are visible" "/proc/1" "$(run_in 'echo /proc/[0-9]*')"
for ns in pid mnt uts ipc net cgroup; do
	inside=$(berth run --rm busybox readlink /proc/self/ns/$ns)
	t_ok "a new $ns namespace" test "$inside" != "$(readlink /proc/self/ns/$ns)"
done
t_ok "the hostname is not the host's" test "$(run_in hostname)" != "$(hostname)"
t_is "the network has only loopback" "lo" "$(run_in 'ls /sys/class/net')"
t_match "and loopback is up" 'UP' "$(run_in 'ip link show lo')"
# busybox's small nc ends at the first EOF of either side, and a listener
# in the background reads EOF from its stdin at once: it could end before
# the client's line came (2 of 40 such runs under load). With -e, a shell
# reads the connection to its end.
t_is "loopback carries traffic (TCP over 127.0.0.1)" hello \
	"$(run_in 'nc -l -p 4242 -e sh -c "cat > /tmp/got" & for i in $(seq 50); do echo hello | nc 127.0.0.1 4242 2>/dev/null && break; sleep 0.1; done; wait; cat /tmp/got')"

# One network namespace per container, never the supervisor's own, and
# the supervisor single-threaded while it waits.
a=$(berth run -d busybox sleep 30)
b=$(berth run -d busybox sleep 30)
pa=$(db "SELECT pid FROM containers WHERE id='$a'")
pb=$(db "SELECT pid FROM containers WHERE id='$b'")
sup=$(db "SELECT supervisor_pid FROM containers WHERE id='$a'")
t_ok "two containers, two network namespaces" \
	test "$(readlink /proc/"$pa"/ns/net)" != "$(readlink /proc/"$pb"/ns/net)"
t_is "the supervisor stays in the host's network namespace" "$(readlink /proc/self/ns/net)" \
	"$(readlink /proc/"$sup"/ns/net)"
t_is "and is single-threaded" 1 "$(ls /proc/"$sup"/task | wc -l)"
t_is "a detached container's network has only loopback, up" "lo UP" \
	"$(berth exec "$a" sh -c 'echo $(ls /sys/class/net) $(ip link show lo | grep -o "[<,]UP[,>]" | tr -d "<>,")')"
berth rm -f "$a" "$b" >/dev/null

# IPC: a segment made on the host is not visible inside.
shmid=$(ipcmk -M 4096 | awk '{print $NF}')
T_EXTRA_CLEANUP="ipcrm -m $shmid 2>/dev/null"
t_ok "a segment exists on the host" test "$(wc -l </proc/sysvipc/shm)" -gt 1
t_is "host SysV shared memory is not visible" 1 "$(run_in 'wc -l < /proc/sysvipc/shm')"
ipcrm -m "$shmid"

t_is "the root is an overlay" overlay "$(run_in "awk '\$2==\"/\"{print \$3}' /proc/mounts")"
t_ok "the host's mounts are not visible" test "$(run_in 'grep -c " /work\| /boot" /proc/mounts')" = 0
t_is "/ is the container root after pivot_root (no old root left)" 0 \
	"$(run_in "grep -c -v -E ' (/|/proc.*|/dev.*|/sys.*|/tmp) ' /proc/mounts")"
capture run_in 'touch /sys/x'
t_ok "/sys is read-only" test "$RC" != 0
t_match "/sys/fs/cgroup is a read-only cgroup2 mount" 'cgroup2 ro' "$(run_in "awk '\$2==\"/sys/fs/cgroup\"{print \$3, substr(\$4,1,2)}' /proc/mounts")"
t_is "the cgroup namespace shows the container's cgroup as /" "0::/" "$(run_in 'grep ^0:: /proc/self/cgroup')"
t_match "/tmp is a tmpfs" tmpfs "$(run_in "awk '\$2==\"/tmp\"{print \$3}' /proc/mounts")"
t_is "the minimal /dev" "console? fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	"$(run_in 'ls /dev | grep -v console | tr "\n" " " | sed "s/ $//; s/^/console? /"')"
t_is "/dev/null works" "" "$(run_in 'echo x > /dev/null; cat /dev/null')"
t_is "/dev/zero works" 4 "$(run_in 'head -c4 /dev/zero | wc -c')"
t_is "/dev/urandom works" 16 "$(run_in 'head -c16 /dev/urandom | wc -c')"
capture run_in 'echo x > /dev/full'
t_ok "/dev/full is full" test "$RC" != 0
t_match "devpts is a new instance" 'devpts.*ptmxmode=666' "$(run_in 'grep devpts /proc/mounts')"
t_match "/dev/shm is a tmpfs" 'shm /dev/shm tmpfs' "$(run_in 'grep /dev/shm /proc/mounts')"
t_ok "/proc/keys and /proc/timer_list have content on the host" test "$(cat /proc/keys /proc/timer_list | wc -c)" -gt 0
t_is "/proc/keys is masked" 0 "$(run_in 'wc -c < /proc/keys')"
t_is "/proc/timer_list is masked" 0 "$(run_in 'wc -c < /proc/timer_list')"
t_is "/sys/firmware is masked (empty)" "" "$(run_in 'ls /sys/firmware')"
capture run_in 'echo 1 > /proc/sys/kernel/domainname'
t_ok "/proc/sys is read-only" test "$RC" != 0
t_is "no_new_privs is set" 1 "$(run_in "awk '/NoNewPrivs/{print \$2}' /proc/self/status")"
t_is "no descriptor of berth leaks in (only 0 1 2, and the one ls opens)" "0 1 2 3" "$(run_in 'ls /proc/self/fd | sort -n | tr "\n" " " | sed "s/ $//"')"

t_end
