#!/bin/bash
# The breakout suite, mounts: a mount option berth does not understand is
# refused by name, never dropped (`-v SRC:/x,ro` was a read-write mount at
# "/x,ro"); a read-only bind is read-only all the way down and keeps the
# source's nosuid, nodev and noexec; every tmpfs berth mounts (/tmp,
# /dev, /dev/shm, --tmpfs) has a size and an inode cap, so a container
# cannot fill the host's memory through one where no memory limit holds.
# docs/security.md, "Mounts", gives the rules.
. "$(dirname "$0")/lib.sh"
require_root
t_begin
berth image create busybox >/dev/null

run() { timeout 120 "$BERTH" run --rm "$@"; }
snapshot() { (cd "$ROOT" && find containers trash 2>/dev/null | sort; db "SELECT id FROM containers") | md5sum; }
SRC=$ROOT/src
mkdir -p "$SRC"
echo from-host >"$SRC/f"

# --- an option in the destination -----------------------------------------------
before=$(snapshot)
capture run -v "$SRC:/x,ro" busybox sh -c 'echo pwned > "/x,ro/written"; grep " /x" /proc/mounts'
t_is "-v SRC:/x,ro: refused, exit 125" 125 "$RC"
t_match "naming the destination and its comma" '^berth: invalid -v .*: destination `/x,ro` contains a comma' "$ERR"
t_is "in one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_ok "nothing was written through it" test ! -e "$SRC/written"
t_is "no row and no folder is left" "$before" "$(snapshot)"
capture run --tmpfs "/t,ro" busybox true
t_match "--tmpfs /t,ro: the same" '^berth: invalid --tmpfs `/t,ro`: destination `/t,ro` contains a comma' "$ERR"
capture run --mount "$SRC:/x,ro" busybox true
t_match "--mount SRC:/x,ro: the same" 'destination `/x,ro` contains a comma' "$ERR"
capture run -M "$SRC:/x,ro" busybox true
t_match "-M DIR:/x,ro: the same" 'destination `/x,ro` contains a comma' "$ERR"

# --- options berth does not know, and malformed specs ---------------------------
bad() {
	local desc=$1 re=$2
	shift 2
	capture run "$@" busybox true
	t_is "$desc: exit 125" 125 "$RC"
	t_match "$desc: named" "^berth: $re" "$ERR"
}
bad "an unknown -v option" 'invalid -v .*: unknown option `bogus`' -v "$SRC:/x:ro,bogus"
bad "an option in the wrong case" 'invalid -v .*: unknown option `RO`' -v "$SRC:/x:RO"
bad "a Podman option berth lacks (O)" 'invalid -v .*: option `O`: overlay' -v "$SRC:/x:O"
bad "a named-volume option (nocopy)" 'invalid -v .*: option `nocopy`: applies to named volumes' -v "$SRC:/x:nocopy"
bad "a tmpfs option on a bind" 'invalid -v .*: option `size=1m` does not apply to a bind mount' -v "$SRC:/x:size=1m"
bad "an unknown --tmpfs option" 'invalid --tmpfs `/t:size=1m,bogus`: unknown option `bogus`' --tmpfs /t:size=1m,bogus
bad "size=0 (no cap at all)" 'invalid --tmpfs `/t:size=0`: option `size=0`' --tmpfs /t:size=0
bad "nr_inodes=0 (no cap at all)" 'invalid --tmpfs .*: option `nr_inodes=0`' --tmpfs /t:nr_inodes=0
bad "an unknown --mount field" 'invalid --mount .*: unknown field `bogus`' --mount "type=bind,src=$SRC,dst=/x,bogus"
bad "an unknown --mount type" 'invalid --mount .*: type `volume` is not supported' --mount "type=volume,src=v,dst=/x"
bad "an empty source" 'invalid -v `:/x`: the source is empty' -v ":/x"
bad "an empty destination" 'invalid -v .*: the destination is empty' -v "$SRC::ro"
bad "empty options" 'invalid -v .*: the options after the second `:` are empty' -v "$SRC:/x:"
bad "an empty option" 'invalid -v .*: an empty option' -v "$SRC:/x:ro,,nodev"
bad "ro,rw" 'invalid -v .*: option `rw` contradicts `ro`' -v "$SRC:/x:ro,rw"
bad "ro,ro" 'invalid -v .*: option `ro` is given twice' -v "$SRC:/x:ro,ro"
bad "two propagations" 'invalid -v .*: option `rprivate` contradicts `rslave`' -v "$SRC:/x:rslave,rprivate"
bad "too many colons" 'invalid -v .*: too many `:`' -v "$SRC:/x:ro:z"
bad "a relative destination" 'invalid -v .*: destination `x` must be an absolute path' -v "$SRC:x"
bad "a destination with .." 'invalid -v .*: destination `/x/../etc` may not contain' -v "$SRC:/x/../etc"
bad "a source with .." 'invalid -v .*: source `.*/src/\.\./src` may not contain `\.\.`' -v "$SRC/../src:/x"
bad "two mounts at one place" 'invalid --tmpfs `/x/`: another mount is at `/x` already' -v "$SRC:/x" --tmpfs /x/
t_is "none of them left a row or a folder" "$before" "$(snapshot)"

# --- what works, works as it says ---------------------------------------------
# A tmpfs of the test's own, with nosuid,nodev,noexec and a submount; and
# a read-only one.
M=$ROOT/m
mkdir -p "$M"
mount -t tmpfs -o nosuid,nodev,noexec,size=1m berth-test-src "$M"
mkdir "$M/sub"
mount -t tmpfs -o size=1m berth-test-sub "$M/sub"
T_EXTRA_CLEANUP="umount '$M/sub' '$M' 2>/dev/null"
opts_of() { awk -v m="$1" '$2==m {print $4}' <<<"$2" | tr , '\n' | grep -xE 'ro|rw|nosuid|nodev|noexec' | sort | tr '\n' ' ' | sed 's/ $//'; }

capture run -v "$M:/x:ro,rslave" busybox sh -c 'cat /proc/mounts; touch /x/f; touch /x/sub/f; true'
t_is "Podman's -v SRC:DST:ro,rslave works" 0 "$RC"
t_match "ro: a write fails with EROFS" 'touch: /x/f: Read-only file system' "$ERR"
t_match "and under a submount too" 'touch: /x/sub/f: Read-only file system' "$ERR"
t_ok "nothing reached the host" test ! -e "$M/f" -a ! -e "$M/sub/f"
t_is "the source's nosuid, nodev, noexec stay with ro" "nodev noexec nosuid ro" "$(opts_of /x "$OUT")"
t_is "the submount is ro" "ro" "$(opts_of /x/sub "$OUT")"
mkdir -p "$ROOT/ro"
mount -t tmpfs -o ro,size=1m berth-test-ro "$ROOT/ro"
T_EXTRA_CLEANUP="umount '$M/sub' '$M' '$ROOT/ro' 2>/dev/null"
capture run -v "$ROOT/ro:/x:rw" busybox sh -c 'touch /x/f; true'
t_match "rw does not make a read-only source writable" 'touch: /x/f: Read-only file system' "$ERR"
capture run -v "$M:/x:bind" busybox cat /proc/mounts
t_is "bind leaves the submount out" "|" "$(opts_of /x/sub "$OUT")|"
capture run -v "$SRC:/x:nosuid,nodev,noexec" busybox cat /proc/mounts
t_is "nosuid,nodev,noexec are set" "nodev noexec nosuid rw" "$(opts_of /x "$OUT")"
t_is "--mount type=bind,...,readonly works" from-host \
	"$(run --mount "type=bind,src=$SRC,dst=/x,readonly,bind-propagation=rslave" busybox cat /x/f)"
capture run --mount "type=bind,src=$SRC,dst=/x,readonly" busybox touch /x/g
t_match "and is read-only" 'Read-only file system' "$ERR"

# --- the runtime's side: config.json --------------------------------------------
# An option the kernel would ignore on a bind mount (its data) stops the start.
berth run --name kept -v "$SRC:/x:ro" busybox true
id=$(db "SELECT id FROM containers WHERE name='kept'")
cfg=$ROOT/containers/$id/config.json
python3 - "$cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["mounts"]:
    if m["destination"] == "/x":
        m["options"].append("idmap")
json.dump(d, open(sys.argv[1], "w"))
EOF
capture berth start kept
t_is "a bind option in config.json that berth does not know: no start" 125 "$RC"
t_match "naming it" 'mount at `/x`: option `idmap` is not known for a bind mount' "$ERR"
berth rm -f kept >/dev/null

# --- /tmp and the other tmpfs mounts ---------------------------------------------
capture run busybox sh -c 'df -k /tmp /dev/shm /dev | awk "NR>1 {print \$6, \$2}"; cat /proc/mounts'
t_is "/tmp is 256 MiB, /dev/shm and /dev 64 MiB (df)" "/tmp 262144 /dev/shm 65536 /dev 65536" \
	"$(head -3 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_match "/tmp: one inode per page" ' /tmp tmpfs .*nr_inodes=65536' "$OUT"
t_match "/dev/shm: the same" ' /dev/shm tmpfs .*nr_inodes=16384' "$OUT"
t_match "/dev: the same" ' /dev tmpfs .*nr_inodes=16384' "$OUT"
t_no_match "berth mounts nothing at /run" ' /run ' "$OUT"

# Writing past the cap: ENOSPC, and the container lives on.
capture run busybox sh -c 'dd if=/dev/zero of=/tmp/f bs=1M count=300; echo "written $(($(stat -c %s /tmp/f) >> 20)) MiB"; rm /tmp/f'
t_match "300 MiB into /tmp: ENOSPC" "error writing '/tmp/f': No space left on device" "$ERR"
t_is "at 256 MiB" "written 256 MiB" "$OUT"
# Empty files cost no page but an inode each, which size= does not count.
capture run busybox sh -c 'i=0; while [ $i -lt 17000 ]; do echo -n > /dev/shm/$i || break; i=$((i+1)); done; echo $i'
t_is "empty files in /dev/shm stop at its inodes (16384, less the root)" 16383 "$OUT"
t_match "with ENOSPC" 'No space left on device' "$ERR"

# --tmpfs takes /tmp's place, with its own size.
capture run --tmpfs /tmp:size=8m busybox sh -c 'df -k /tmp | awk "NR>1 {print \$2}"; grep -c " /tmp " /proc/mounts; dd if=/dev/zero of=/tmp/f bs=1M count=10'
t_is "--tmpfs /tmp:size=8m: 8 MiB, one mount at /tmp" "8192 1" "$(head -2 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_match "and writing past it: ENOSPC" 'No space left on device' "$ERR"
capture run --tmpfs /tmp:size=2m,nr_inodes=100,mode=700 busybox sh -c 'grep " /tmp " /proc/mounts; stat -c %a /tmp'
t_match "--tmpfs options reach the mount" ' /tmp tmpfs rw,nosuid,nodev,relatime,size=2048k,nr_inodes=100,mode=700' "$OUT"
capture run --tmpfs /scratch busybox sh -c 'df -k /scratch | awk "NR>1 {print \$2}"'
t_is "--tmpfs without size= gets /tmp's default" 262144 "$OUT"
capture run -v "$SRC:/tmp" busybox sh -c 'grep -c " /tmp " /proc/mounts; cat /tmp/f'
t_is "-v SRC:/tmp replaces the tmpfs" "1 from-host" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
capture run --tmpfs /dev/shm:size=1m busybox sh -c 'df -k /dev/shm | awk "NR>1 {print \$2}"; grep -c " /dev/shm " /proc/mounts'
t_is "--tmpfs /dev/shm:size=1m replaces /dev/shm" "1024 1" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"

# The cap follows --memory. This host may not enforce a memory limit (then
# --memory is refused and 55-limits.sh checks the cap in the VM).
if grep -qw memory "$CGROUP_ROOT/cgroup.controllers" 2>/dev/null; then
	capture run -m 64M busybox sh -c 'df -k /tmp | awk "NR>1 {print \$2}"'
	t_is "-m 64M: /tmp is 32 MiB" 32768 "$OUT"
else
	t_skip "-m 64M: /tmp is 32 MiB (no memory controller here: tests/system/55-limits.sh in the VM)"
fi

t_end
