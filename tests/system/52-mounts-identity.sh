#!/bin/bash
# What a container sees and who it runs as: --layers, bind mounts, tmpfs,
# mount propagation (-M), shared IPC, --user, --env-file, host namespaces.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null
img=$(image_layer busybox) || exit 1
run() { berth run --rm "$@"; }

# --- layers ----------------------------------------------------------------
mkdir -p "$ROOT/l1/etc" "$ROOT/l2/etc" "$ROOT/l2/opt"
echo top >"$ROOT/l1/etc/which"
echo bottom >"$ROOT/l2/etc/which"
echo only-l2 >"$ROOT/l2/opt/x"
t_is "--layers stacks extra layers, leftmost on top" "top only-l2" \
	"$(run --layers "$ROOT/l1,$ROOT/l2" busybox sh -c 'echo $(cat /etc/which) $(cat /opt/x)')"
t_ok "the image is still below them" run --layers "$ROOT/l1" busybox test -x /bin/busybox
run --layers "$ROOT/l1" busybox sh -c 'echo changed > /etc/which'
t_is "layers stay read-only (writes go to the container's layer)" top "$(cat "$ROOT/l1/etc/which")"
capture run --layers "$ROOT/missing" busybox true
t_is "a missing layer is an error" 125 "$RC"
t_match "naming it" 'layer `.*/missing`: No such file' "$ERR"
capture run --layers /etc/passwd busybox true
t_match "a layer that is not a folder is an error" 'is not a directory' "$ERR"

# --- bind mounts -------------------------------------------------------------
mkdir -p "$ROOT/src"
echo from-host >"$ROOT/src/f"
t_is "--mount SRC:DST binds a host folder" from-host "$(run --mount "$ROOT/src:/data" busybox cat /data/f)"
t_is "-v SRC:DST works too" from-host "$(run -v "$ROOT/src:/data" busybox cat /data/f)"
t_is "Docker's --mount type=bind,src=,dst= works too" from-host \
	"$(run --mount "type=bind,src=$ROOT/src,dst=/data,readonly" busybox cat /data/f)"
t_is "DST is created when the image lacks it" from-host "$(run -v "$ROOT/src:/new/deep/dir" busybox cat /new/deep/dir/f)"
run -v "$ROOT/src:/data" busybox sh -c 'echo inside > /data/w'
t_is "a rw bind writes through to the host" inside "$(cat "$ROOT/src/w")"
capture run -v "$ROOT/src:/data:ro" busybox sh -c 'echo x > /data/ro-test'
t_match ":ro is read-only inside (EROFS)" 'Read-only file system' "$ERR"
capture run -v "$ROOT/src:/data:ro" busybox sh -c 'mount -o remount,rw /data; echo x > /data/ro-test'
t_ok "root in the container cannot remount it rw" test ! -e "$ROOT/src/ro-test"
capture run --mount "type=bind,src=$ROOT/src,dst=/data,readonly" busybox touch /data/ro2
t_ok "readonly in Docker's syntax too" test ! -e "$ROOT/src/ro2"
echo content >"$ROOT/file"
t_is "a single file can be bound" content "$(run -v "$ROOT/file:/etc/motd:ro" busybox cat /etc/motd)"

before=$(cd "$ROOT" && find containers | sort | md5sum)
bad() {
	local desc=$1 re=$2
	shift 2
	capture berth run --rm "$@" busybox true
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: says why" "^berth: $re" "$ERR"
	t_is "$desc: stderr is one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
}
bad "a missing SRC" '--mount: source `/nonexistent`: No such file' --mount /nonexistent:/x
bad "a relative DST" 'invalid -v .*: destination `rel` must be an absolute path' -v "$ROOT/src:rel"
bad "a DST with .." 'invalid -v .*: destination `/a/../../etc` may not contain' -v "$ROOT/src:/a/../../etc"
bad "a folder onto a file of the image" 'cannot mount folder .* on `/etc/passwd`: it is a file in the image' -v "$ROOT/src:/etc/passwd"
bad "a file onto a folder of the image" 'cannot mount file .* on `/etc`: it is a folder in the image' -v "$ROOT/file:/etc"
bad "an unknown mode" 'invalid -v .*: unknown option `rx`' -v "$ROOT/src:/d:rx"
bad "an unknown --mount field" 'invalid --mount .*: unknown field `bogus`' --mount "type=bind,src=$ROOT/src,dst=/d,bogus=1"
bad "a bad --tmpfs option" 'invalid --tmpfs `/t:size=lots`: option `size=lots`' --tmpfs /t:size=lots
t_is "bad mounts leave nothing behind" "$before" "$(cd "$ROOT" && find containers | sort | md5sum)"

# A symlink in the image must not redirect a mount to the host.
mkdir -p "$ROOT/evil"
cp -a "$img/." "$ROOT/evil/"
ln -s /etc "$ROOT/evil/escape"
t_ok "a bind through an image symlink stays inside the container" \
	run -v "$ROOT/src:/escape/berth-escape-test" "$ROOT/evil" test -f /etc/berth-escape-test/f
t_ok "and nothing appeared on the host" test ! -e /etc/berth-escape-test

# --- tmpfs -------------------------------------------------------------------
t_match "--tmpfs DST:size= mounts a sized tmpfs" 'tmpfs /scratch tmpfs rw,nosuid,nodev.*size=1024k' \
	"$(run --tmpfs /scratch:size=1m busybox grep /scratch /proc/mounts)"

# --- mount propagation (-M) --------------------------------------------------
mkdir -p "$ROOT/shared"
T_EXTRA_CLEANUP="umount -R '$ROOT/shared' 2>/dev/null"
berth run -d --name prop -M "$ROOT/shared" --cap-add SYS_ADMIN busybox sleep 1000 >/dev/null
t_is "the host folder is now a shared mount point" shared \
	"$(findmnt -n -o PROPAGATION "$ROOT/shared" | cut -d, -f1)"
mkdir -p "$ROOT/shared/late"
mount -t tmpfs berth-late "$ROOT/shared/late"
echo appeared >"$ROOT/shared/late/file"
t_is "a filesystem mounted on the host after the start appears inside" appeared \
	"$(berth exec prop cat "$ROOT/shared/late/file")"
berth exec prop sh -c "mkdir -p $ROOT/shared/inside && mount -t tmpfs berth-inside $ROOT/shared/inside" 2>/dev/null
t_ok "the container could mount (it has CAP_SYS_ADMIN)" berth exec prop grep -q berth-inside /proc/mounts
t_ok "a mount made inside does not leak to the host" sh -c "! grep -q berth-inside /proc/mounts"
berth rm -f prop >/dev/null
umount "$ROOT/shared/late"
berth run -d --name prop2 -M "$ROOT/shared:/mnt/p" busybox sleep 1000 >/dev/null
mount -t tmpfs berth-late2 "$ROOT/shared/late"
echo two >"$ROOT/shared/late/f2"
t_is "-M DIR:DST puts it at DST" two "$(berth exec prop2 cat /mnt/p/late/f2)"
berth rm -f prop2 >/dev/null
umount "$ROOT/shared/late"
umount "$ROOT/shared"

# --- IPC ----------------------------------------------------------------------
gcc -static -O2 -o "$ROOT/shm-tool" "$(dirname "$0")/helpers/shm-tool.c" 2>/dev/null
if [ -x "$ROOT/shm-tool" ]; then
	tool="-v $ROOT/shm-tool:/shm-tool:ro"
	berth run -d --name ipc-a $tool busybox sh -c '/shm-tool put 0x4242 hello-ipc; sleep 1000' >/dev/null
	sleep 0.3
	t_is "a container sharing another's IPC namespace reads its shared memory" hello-ipc \
		"$(run $tool --ipc container:ipc-a busybox /shm-tool get 0x4242)"
	capture run $tool busybox /shm-tool get 0x4242
	t_is "a container with its own IPC namespace cannot see it" 1 "$RC"
	t_ok "nor can the host" sh -c "! $ROOT/shm-tool get 0x4242"
	berth rm -f ipc-a >/dev/null
	"$ROOT/shm-tool" put 0x4343 from-host
	T_EXTRA_CLEANUP="$T_EXTRA_CLEANUP; $ROOT/shm-tool rm 0x4343 2>/dev/null"
	t_is "-i/--share-ipc joins the host's IPC namespace" from-host "$(run -i $tool busybox /shm-tool get 0x4343)"
	"$ROOT/shm-tool" rm 0x4343
else
	t_diag "no static gcc: IPC sharing not tested"
fi
capture run --ipc container:ghost busybox true
t_is "--ipc container: of an unknown container fails" 125 "$RC"
capture run --ipc bogus busybox true
t_match "an unknown --ipc mode fails" 'invalid --ipc `bogus`' "$ERR"

# --- identity ------------------------------------------------------------------
t_is "--user NAME from the image's /etc/passwd" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup) /home" \
	"$(run --user nobody busybox sh -c 'echo $(id) $HOME')"
t_is "--user NAME:GROUP" "uid=33(www-data) gid=100(users)" "$(run --user www-data:users busybox id)"
t_is "--user UID:GID" "uid=1234 gid=4321" "$(run --user 1234:4321 busybox id | sed 's/ groups=.*//')"
t_is "root's supplementary groups from /etc/group" "uid=0(root) gid=0(root) groups=0(root),10(wheel)" \
	"$(run --user root busybox id)"
t_is "a non-root user has no capabilities" 0000000000000000 \
	"$(run --user nobody busybox awk '/CapEff/{print $2}' /proc/self/status)"
before=$(cd "$ROOT" && find containers | sort | md5sum)
bad "an unknown user" 'unknown user `ghost`: not in the container.s /etc/passwd' --user ghost
bad "an unknown group" 'unknown group `nogrp`' --user nobody:nogrp
t_is "an unknown user leaves nothing behind" "$before" "$(cd "$ROOT" && find containers | sort | md5sum)"
berth run -d --name who busybox sleep 100 >/dev/null
t_is "exec --user NAME resolves in the running container" "65534" "$(berth exec -u nobody who id -u)"
berth rm -f who >/dev/null

printf '# a comment\n\nA=1\nB=two words\nFROMHOST\n' >"$ROOT/env"
t_is "--env-file reads KEY=VALUE lines, skips comments, takes bare KEYs from here" "1|two words|yes" \
	"$(FROMHOST=yes run --env-file "$ROOT/env" busybox sh -c 'echo "$A|$B|$FROMHOST"')"
printf 'not an assignment=\n=bad\n' >"$ROOT/badenv"
bad "a bad --env-file line" '--env-file `.*`: line 2 is not KEY=VALUE' --env-file "$ROOT/badenv"
bad "a missing --env-file" '--env-file `/nonexistent`: No such file' --env-file /nonexistent

# --- host namespaces ---------------------------------------------------------------
t_is "--uts host shares the hostname" "$(hostname)" "$(run --uts host busybox hostname)"
t_is "--pid host sees the host's processes" 1 "$(run --pid host busybox sh -c 'test -d /proc/1 && test $$ != 1 && echo 1')"
t_ok "--net host sees the host's interfaces" test "$(run --net host busybox ls /sys/class/net | wc -l)" -ge 1
t_is "--net host shares the network namespace" "$(readlink /proc/self/ns/net)" "$(run --net host busybox readlink /proc/self/ns/net)"
t_is "--net none has only loopback" lo "$(run --net none busybox ls /sys/class/net)"

t_end
