#!/bin/bash
# User namespaces: root in the container is an unprivileged uid on the
# host; the image's files still look owned by their owners inside.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null
run() { berth run --rm "$@"; }
# The host's users' subordinate ranges, which --userns auto keeps clear of:
# none, unless a check below gives some.
export BERTH_SUBUID=/dev/null BERTH_SUBGID=/dev/null

t_is "--userns auto maps the container's root to an unprivileged host range" "0 100000 65536" \
	"$(run --userns auto busybox cat /proc/self/uid_map | awk '{print $1, $2, $3}')"
printf '# a comment\nalice:100000:65536\nbad line\n' >"$ROOT/subuid"
printf '1001:165536:65536\n' >"$ROOT/subgid"
t_is "--userns auto keeps clear of the users' ranges in /etc/subuid and /etc/subgid" "0 231072 65536" \
	"$(BERTH_SUBUID=$ROOT/subuid BERTH_SUBGID=$ROOT/subgid run --userns auto busybox cat /proc/self/uid_map |
		awk '{print $1, $2, $3}')"
printf 'bob:150000:1000\n' >"$ROOT/subuid"
t_is "a range that overlaps only part of a block keeps the whole block clear" "0 231072 65536" \
	"$(BERTH_SUBUID=$ROOT/subuid BERTH_SUBGID=$ROOT/subgid run --userns auto busybox cat /proc/self/uid_map |
		awk '{print $1, $2, $3}')"
t_is "inside, the process is root" "uid=0(root) gid=0(root) groups=0(root),10(wheel)" "$(run --userns auto busybox id)"
t_is "the image's files look owned by their owners inside (a chown'd copy)" "0 0 0 0" \
	"$(run --userns auto busybox stat -c '%u %g' /bin/busybox /etc/shadow | tr '\n' ' ' | sed 's/ $//')"
t_is "the image itself is untouched on the host" "0 0" \
	"$(stat -c '%u %g' "$ROOT/$(db "SELECT json_extract(layers, '\$[0]') FROM images")/bin/busybox")"

mkdir -p "$ROOT/shared"
chmod 777 "$ROOT/shared"
run --userns auto -v "$ROOT/shared:/m" busybox touch /m/by-container-root
t_is "a file root makes in a bind mount is owned by the mapped host uid" "100000 100000" \
	"$(stat -c '%u %g' "$ROOT/shared/by-container-root")"
echo host-owned >"$ROOT/shared/host-file"
chmod 644 "$ROOT/shared/host-file"
capture run --userns auto -v "$ROOT/shared:/m" busybox sh -c 'echo pwned > /m/host-file'
t_is "root in the container cannot write a host-owned file through a bind mount" host-owned \
	"$(cat "$ROOT/shared/host-file")"
t_ok "without a user namespace, root with CAP_MKNOD can make a device node" \
	run --cap-add MKNOD busybox mknod /tmp/berth-null c 1 3
capture run --userns auto --cap-add MKNOD --security-opt seccomp=unconfined busybox \
	mknod /tmp/berth-null c 1 3
t_match "in one, even given CAP_MKNOD, it cannot (the capability is only in its namespace)" \
	'not permitted' "$ERR"
capture run --userns auto --cap-add SYS_ADMIN --security-opt seccomp=unconfined busybox \
	mount -t tmpfs none /mnt
t_match "nor mount (the mount namespace belongs to the host's user namespace)" 'denied|not permitted' "$ERR"
t_is "it can still bind a low port in its own network" ok \
	"$(run --userns auto busybox sh -c 'nc -l -p 80 & sleep 0.3; kill $! && echo ok')"

# Auto ranges do not overlap; exec and start keep the namespace.
berth run -d --name ua --userns auto busybox sleep 1000 >/dev/null
berth run -d --name ub --userns auto busybox sleep 1000 >/dev/null
a=$(db "SELECT userns_base FROM containers WHERE name='ua'")
b=$(db "SELECT userns_base FROM containers WHERE name='ub'")
t_ok "two auto containers get different ranges ($a, $b)" test "$a" != "$b" -a -n "$a" -a -n "$b"
t_is "exec joins the user namespace" "$(berth exec ua cat /proc/1/uid_map)" "$(berth exec ua cat /proc/self/uid_map)"
t_is "exec'd processes are root inside, unprivileged outside" "0" "$(berth exec ua id -u)"
berth stop -t 0 ua >/dev/null
berth start ua >/dev/null
t_is "start keeps the map" "0 $a 65536" "$(berth exec ua cat /proc/self/uid_map | awk '{print $1, $2, $3}')"
berth rm -f ua ub >/dev/null

t_is "explicit --uidmap/--gidmap" "0 300000 1000|0 400000 1000" \
	"$(run --uidmap 0:300000:1000 --gidmap 0:400000:1000 busybox sh -c 'echo $(cat /proc/self/uid_map)"|"$(cat /proc/self/gid_map)' | sed 's/  */ /g; s/| /|/')"

before=$(cd "$ROOT" && find containers | sort | md5sum)
bad() {
	local desc=$1 re=$2
	shift 2
	capture berth run --rm "$@" busybox true
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: says why" "^berth: $re" "$ERR"
}
bad "an empty range" 'invalid --uidmap `0:200000:0`' --uidmap 0:200000:0
bad "a malformed map" 'invalid --uidmap `0:200000`' --uidmap 0:200000
bad "overlapping maps" 'invalid --uidmap: ranges .* overlap inside the container' --uidmap 0:200000:1000 --uidmap 500:210000:10
bad "maps overlapping on the host" 'invalid --uidmap: ranges .* overlap on the host' --uidmap 0:200000:1000 --uidmap 2000:200500:10
bad "root mapped to root" 'the maps make the container.s root the host.s root' --uidmap 0:0:10
bad "a user outside the map" 'the container.s user 5000:0 is not in' --uidmap 0:300000:1000 --user 5000
bad "auto with maps" '--userns auto picks the maps itself' --userns auto --uidmap 0:1:1
t_is "bad maps leave nothing behind" "$before" "$(cd "$ROOT" && find containers | sort | md5sum)"

t_end
