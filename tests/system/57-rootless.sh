#!/bin/bash
# Rootless: a user who is not root runs containers under their own uid,
# with state in their own folders, and gets nothing more than what they
# could do themselves. The test makes two users of its own (one with a
# subordinate range, one without), runs berth as them (setpriv), and
# removes them at the end.
. "$(dirname "$0")/lib.sh"
require_root
for tool in newuidmap newgidmap setpriv useradd userdel usermod; do
	command -v "$tool" >/dev/null || t_skip_all "needs $tool (uidmap, util-linux, passwd)"
done
t_begin
berth image create busybox >/dev/null

# The users' world: a folder anyone may enter, with the binaries (the
# checkout may be in a folder only root can read) and the users' homes.
RL=$(mktemp -d /tmp/berth-rl.XXXXXX)
chmod 755 "$RL"
mkdir "$RL/bin"
cp "$BERTH" "$BERTH_SUPERVISOR" "$(dirname "$BERTH_SUPERVISOR")/berth-stage" \
	"$(dirname "$0")/pty-run.py" "$RL/bin/"
chmod 755 "$RL/bin" "$RL/bin/"*
# Under --enable-asan the users' berth writes its reports where they may.
SAN=()
if [ -n "${BERTH_SANITIZER_LOGS:-}" ]; then
	mkdir -m 1777 "$RL/san"
	SAN=(ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$RL/san/asan"
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$RL/san/ubsan")
fi
U1=berth-rl1-$$
U2=berth-rl2-$$
SUB1=2000000000
USERS_MADE=""
rl_cleanup() {
	local u uid pids
	for u in $USERS_MADE; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		# Every process of the users this test made is this test's.
		pids=$(pgrep -u "$uid")
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		for _ in $(seq 50); do pgrep -u "$uid" >/dev/null || break; sleep 0.1; done
		userdel "$u" 2>/dev/null
		rm -rf "/tmp/berth-$uid"
	done
	# The users' sanitizer reports (an --enable-asan build) join the test's.
	[ -n "${BERTH_SANITIZER_LOGS:-}" ] && [ -d "$RL/san" ] &&
		find "$RL/san" -type f -exec cp {} "$BERTH_SANITIZER_LOGS/" \;
	for f in $MADE_SUBID_FILES; do [ -s "$f" ] || rm -f "$f" "$f-"; done
	rm -rf "$RL"
	# What still runs in the test's network namespace is the test's.
	[ -e "/run/netns/$NS" ] && ip netns pids "$NS" | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
NS=berth-rl-$$
T_EXTRA_CLEANUP=rl_cleanup

# usermod adds ranges only to files that exist: made here when missing,
# and removed again at the end if nothing else went into them.
MADE_SUBID_FILES=""
for f in /etc/subuid /etc/subgid; do
	[ -e "$f" ] || { : >"$f" && chmod 644 "$f" && MADE_SUBID_FILES="$MADE_SUBID_FILES $f"; }
done
make_user() { # NAME [SUBID-START]
	useradd -M -d "$RL/home-$1" -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$1" || return 1
	USERS_MADE="$USERS_MADE $1"
	mkdir -m 700 "$RL/home-$1"
	chown "$1:$1" "$RL/home-$1"
	if [ -n "${2:-}" ]; then
		usermod --add-subuids "$2-$(($2 + 65535))" --add-subgids "$2-$(($2 + 65535))" "$1"
	fi
}
make_user "$U1" "$SUB1" || t_skip_all "useradd failed"
make_user "$U2" || t_skip_all "useradd failed"
UID1=$(id -u "$U1")
UID2=$(id -u "$U2")
mkdir -m 700 "$RL/xdg-$U1"
chown "$U1:$U1" "$RL/xdg-$U1"

# as USER [VAR=VALUE...] COMMAND...: a login-like clean environment; U1 has
# an XDG_RUNTIME_DIR, U2 none.
as() {
	local u=$1
	shift
	local xdg=()
	[ "$u" = "$U1" ] && xdg=(XDG_RUNTIME_DIR="$RL/xdg-$U1")
	(cd / && exec ${IN_NS:+ip netns exec "$NS"} setpriv --reuid="$u" --regid="$u" --init-groups env -i HOME="$RL/home-$u" \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "${xdg[@]}" ${SAN[@]+"${SAN[@]}"} "$@")
}
b1() { as "$U1" "$RL/bin/berth" "$@"; }
b2() { as "$U2" "$RL/bin/berth" "$@"; }
norm() { awk '{$1=$1; print}' | tr '\n' ' ' | sed 's/ $//'; }
# t_line DESCRIPTION REGEX: $ERR is one line, and matches.
t_line() {
	t_match "$1" "$2" "$ERR"
	t_is "(in one line)" 1 "$(printf '%s\n' "$ERR" | wc -l)"
}
DATA1=$RL/home-$U1/.local/share/berth

# ---- every command as a user ----
t_is "run: root in the container" 0 "$(b1 run --rm busybox id -u)"
t_is "the map: the user is root, ids 1-65536 are the user's subordinate range" \
	"0 $UID1 1 1 $SUB1 65536" "$(b1 run --rm busybox cat /proc/self/uid_map | norm)"
t_is "the gid map likewise" "0 $UID1 1 1 $SUB1 65536" \
	"$(b1 run --rm busybox cat /proc/self/gid_map | norm)"
t_ok "state lives in ~/.local/share/berth" test -f "$DATA1/state.db"
t_is "which is the user's, and private" "$UID1 700" "$(stat -c '%u %a' "$DATA1")"
t_is "runtime files live in \$XDG_RUNTIME_DIR/berth" "$UID1 700" "$(stat -c '%u %a' "$RL/xdg-$U1/berth")"
b2 run --rm busybox true 2>/dev/null
t_is "without XDG_RUNTIME_DIR: /tmp/berth-UID, the user's, mode 0700" "$UID2 700" \
	"$(stat -c '%u %a' "/tmp/berth-$UID2")"
as "$U1" XDG_DATA_HOME="$RL/home-$U1/data" "$RL/bin/berth" run --rm busybox true
t_ok "\$XDG_DATA_HOME/berth when it is set" test -f "$RL/home-$U1/data/berth/state.db"

capture b1 run -d --name web busybox sh -c 'echo hello from web; exec sleep 1000'
t_is "run -d prints the id" "0 64" "$RC ${#OUT}"
t_match "list shows it running" "web +busybox .* running" "$(b1 list)"
t_match "status shows it" "State: +running" "$(b1 status web)"
t_is "exec runs in it, as its root" "0" "$(b1 exec web id -u)"
t_ok "logs shows its output" wait_for_output 5 "hello from web" b1 logs web
capture b1 freeze web
t_is "freeze without a delegated cgroup: refused, exit 125" 125 "$RC"
t_line "saying what is missing, in one line" "^berth: container web has no cgroup of its own.*delegated cgroup v2 subtree"
capture b1 update --memory 64m web
t_is "update of a limit without one: refused" 125 "$RC"
capture b1 stop -t 2 web
t_is "stop" "0 web" "$RC $OUT"
t_match "it is exited" "State: +exited" "$(b1 status web)"
b1 exec web true 2>/dev/null
t_is "exec into a stopped container is refused" 125 "$?"
capture b1 start web
t_is "start" "0 web" "$RC $OUT"
t_match "it runs again" "State: +running" "$(b1 status web)"
t_is "its files survive the stop" "hello" \
	"$(b1 exec web sh -c 'echo hello >/keep' && b1 stop -t 1 web >/dev/null && b1 start web >/dev/null && b1 exec web cat /keep)"
capture b1 run --rm --ipc container:web busybox true
t_is "--ipc container:C joins a rootless container's IPC namespace" 0 "$RC"
t_is "a terminal (-t)" "/dev/pts/0" \
	"$(as "$U1" python3 "$RL/bin/pty-run.py" -- "$RL/bin/berth" run --rm -t busybox tty |
		tr -d '\r' | grep '^/dev/')"
capture b1 generate systemd web
t_match "generate systemd: a user unit" "WantedBy=default.target" "$OUT"
t_no_match "which does not name the state folder (it is the user's default)" "BERTH_ROOT" "$OUT"
b1 run --name ended busybox true
t_is "rm -f of a running container" 0 "$(b1 rm -f web >/dev/null; echo $?)"
b1 run -d --name as1000 --user 1000 busybox sleep 1000 >/dev/null
t_is "rm -f of one whose processes run as another of its ids (its supervisor kills them)" 0 \
	"$(b1 rm -f as1000 >/dev/null; echo $?)"
t_ok "none of them is left" sh -c "! pgrep -u $((SUB1 + 999)) >/dev/null"
t_is "prune removes the exited one" "ended" "$(b1 prune 2>&1 | grep -o ended)"
t_is "nothing is left" "" "$(b1 list -a -q)"
capture b1 system check
t_is "system check finds the user's state in order" 0 "$RC"

# ---- the root filesystem: kernel OverlayFS, or fuse-overlayfs ----
b1 run -d --name ov busybox sleep 1000 >/dev/null
t_match "status: the kernel's OverlayFS, with userxattr" "Overlay: +kernel OverlayFS \(userxattr\)" "$(b1 status ov)"
t_match "mounted with userxattr" "overlay / overlay .*userxattr" "$(b1 exec ov grep ' / ' /proc/mounts)"
b1 rm -f ov >/dev/null
if command -v fuse-overlayfs >/dev/null; then
	bf() { as "$U1" BERTH_ROOTLESS_OVERLAY=fuse-overlayfs "$RL/bin/berth" "$@"; }
	bf run -d --name fz busybox sleep 1000 >/dev/null
	t_match "fuse-overlayfs, the fallback (chosen here with \$BERTH_ROOTLESS_OVERLAY)" \
		"Overlay: +fuse-overlayfs" "$(b1 status fz)"
	t_match "is the container's root" "fuse-overlayfs / fuse.fuse-overlayfs" \
		"$(b1 exec fz grep ' / ' /proc/mounts)"
	t_is "writes and deletions go to its own layer" "new gone" \
		"$(b1 exec fz sh -c 'echo new >/f; rm /bin/ls; cat /f; ls /bin/ls 2>/dev/null || echo gone' | tr '\n' ' ' | sed 's/ $//')"
	b1 stop -t 1 fz >/dev/null
	t_ok "stop ends fuse-overlayfs" wait_for 5 sh -c "! pgrep -u $UID1 -x fuse-overlayfs >/dev/null"
	b1 start fz >/dev/null
	t_is "start mounts it again, with the files" "new" "$(b1 exec fz cat /f)"
	b1 rm -f fz >/dev/null
	t_ok "rm leaves no fuse-overlayfs" wait_for 5 sh -c "! pgrep -u $UID1 -x fuse-overlayfs >/dev/null"
else
	t_skip "fuse-overlayfs is not installed"
fi
capture as "$U1" BERTH_ROOTLESS_OVERLAY=nfs "$RL/bin/berth" run --rm busybox true
t_line "an unknown \$BERTH_ROOTLESS_OVERLAY: refused" "^berth: invalid \\\$BERTH_ROOTLESS_OVERLAY"

# ---- images: unpacked by the user, owners shifted into the map ----
mkdir -p "$RL/img/etc" "$RL/img/home/u"
cp -a "$(image_layer busybox)/." "$RL/img/"
echo data >"$RL/img/home/u/file"
tar -C "$RL/img" --numeric-owner -cf "$RL/ok.tar" --owner=0 --group=0 . &&
	tar -C "$RL/img" --numeric-owner -rf "$RL/ok.tar" --owner=1000 --group=1000 ./home/u/file
chmod 644 "$RL/ok.tar"
capture b1 image import shifted "$RL/ok.tar"
t_is "image import as the user" 0 "$RC"
t_is "inside, the file is owned by 1000" "1000 1000" \
	"$(b1 run --rm shifted stat -c '%u %g' /home/u/file)"
t_is "on the host, by the user's subordinate id for 1000" "$((SUB1 + 999))" \
	"$(find "$DATA1" -path '*/home/u/file' -exec stat -c %u {} \; | head -1)"
t_match "image list" "shifted" "$(b1 image list)"
tar -C "$RL/img" --numeric-owner -cf "$RL/far.tar" --owner=0 --group=0 . &&
	tar -C "$RL/img" --numeric-owner -rf "$RL/far.tar" --owner=70000 --group=0 ./home/u/file
chmod 644 "$RL/far.tar"
capture b1 image import far "$RL/far.tar"
t_is "an image with an owner the range lacks: refused, exit 125" 125 "$RC"
t_line "naming the file and the id, in one line" "home/u/file.*uid 70000.*lacks"
t_no_match "and not stored" "far" "$(b1 image list)"
b1 run --name cm shifted sh -c 'echo committed >/c; chown 1000:1000 /c'
t_is "commit as the user" 0 "$(b1 commit cm cmimg >/dev/null; echo $?)"
t_is "the new image has the file, its owner kept" "1000 committed" \
	"$(b1 run --rm cmimg sh -c 'echo $(stat -c %u /c) $(cat /c)')"
t_is "image tag and inspect" "cmimg2" "$(b1 image tag cmimg cmimg2 >/dev/null && b1 image inspect cmimg2 | jq -r '.names[-1]')"
mkdir -m 777 "$RL/out"
capture b1 image save cmimg -o "$RL/out/cm.tar"
t_is "image save (skopeo, as the user)" 0 "$RC"
b1 image rm cmimg cmimg2 >/dev/null
capture b1 image load -i "$RL/out/cm.tar" loaded
t_is "image load" 0 "$RC"
t_is "the loaded image is the committed one" "1000 committed" \
	"$(b1 run --rm loaded sh -c 'echo $(stat -c %u /c) $(cat /c)')"
b1 rm cm >/dev/null
b1 image rm loaded >/dev/null
t_is "image rm" 0 "$(b1 image rm shifted >/dev/null; echo $?)"

# ---- a user without a range: the single-id map ----
capture b2 run --rm busybox cat /proc/self/uid_map
t_is "a user without a subordinate range gets the single-id map" "0 $UID2 1" "$(norm <<<"$OUT")"
t_line "with one line saying what that limits" "^berth: you have no range in /etc/subuid"

# ---- two users, and root, never see each other's ----
b1 run -d --name mine busybox sleep 1000 >/dev/null
t_is "another user does not see the container" "" "$(b2 list -a -q)"
capture b2 --root "$DATA1" list
t_is "nor reach the first user's state" 125 "$RC"
t_is "root's state (its own root) does not see it either" "" "$(berth list -a -q)"
capture b1 --root "$ROOT" list
t_is "the user cannot reach root's state" 125 "$RC"

# ---- nothing more than the user could do ----
echo secret >"$RL/secret"
chmod 600 "$RL/secret"
capture b1 run --rm -v "$RL/secret:/s" busybox cat /s
t_no_match "a root-only host file cannot be read through a bind mount" "secret" "$OUT"
capture b1 run --rm -v /etc:/hostetc busybox sh -c 'echo x >/hostetc/berth-rl-test'
t_ok "the host's /etc cannot be written" test ! -e /etc/berth-rl-test
(as "$U2" sleep 1000 &) 2>/dev/null
wait_for 5 pgrep -u "$UID2" -x sleep >/dev/null
victim=$(pgrep -u "$UID2" -x sleep | head -1)
capture b1 run --rm busybox sh -c "ps -o pid,user,comm; kill -9 $victim"
t_no_match "another user's process is out of the container's sight" "sleep" "$OUT"
t_ok "and out of its reach: kill -9 of its pid fails, the process lives" kill -0 "$victim"
capture b1 run --rm --pid host busybox kill -9 "$victim"
t_line "--pid host without a delegated cgroup (which alone ends all its processes): refused" \
	"^berth: --pid host needs a cgroup of the container's own"
t_ok "(the process lives)" kill -0 "$victim"
kill "$victim" 2>/dev/null
berth run -d --name roots busybox sleep 1000 >/dev/null
sock_dir=$(find "$ROOT/run" -mindepth 1 -maxdepth 1 -type d | head -1)
capture b1 run --rm -v /:/host busybox sh -c "cat /host$ROOT/state.db; ls /host$sock_dir"
t_match "root's state DB and control sockets are out of reach" "Permission denied" "$ERR"
t_no_match "(nothing of them is read)" "SQLite" "$OUT"
berth rm -f roots >/dev/null
mkdir "$RL/share1"
chown "$U1:$U1" "$RL/share1"
b1 run --rm -v "$RL/share1:/m" busybox sh -c 'touch /m/by-root; touch /m/by-1000; chown 1000:1000 /m/by-1000'
t_is "root in the container is the user on the host" "$UID1" "$(stat -c %u "$RL/share1/by-root")"
t_is "and its uid 1000 the user's subordinate id" "$((SUB1 + 999))" "$(stat -c %u "$RL/share1/by-1000")"

# ---- networks: private by default, the host's through pasta ----
# The host is a network namespace of the test's own: pasta gives the
# container its addresses, and reaches its servers.
ip netns add "$NS"
inns() { ip netns exec "$NS" "$@"; }
inns ip link add v0 type veth peer name v1
inns ip addr add 192.0.2.10/24 dev v0
inns ip addr add 198.51.100.7/32 dev lo
for l in lo v0 v1; do inns ip link set "$l" up; done
inns ip route add default via 192.0.2.1 dev v0
b1n() { IN_NS=1 b1 "$@"; }
t_is "--net private, the default: a loopback only" "lo" "$(b1n run --rm busybox ls /sys/class/net)"
t_match "--net pasta: the host's address" "192\.0\.2\.10/24" "$(b1n run --rm --net pasta busybox ip -4 -o addr)"
t_match "and its default route" "default via 192\.0\.2\.1" "$(b1n run --rm --net pasta busybox ip route)"
# HTTP both ways: the answer has its length, so neither side waits for a
# connection's end to pass through pasta.
mkdir -p "$RL/www"
echo from-outside >"$RL/www/hello"
(cd "$RL/www" && exec ip netns exec "$NS" timeout 120 python3 -m http.server -b 198.51.100.7 9000 \
	>/dev/null 2>&1 &)
wait_for 5 sh -c "ip netns exec $NS busybox netstat -ltn | grep -q ':9000 '"
t_is "the way out: a server outside answers" "from-outside" \
	"$(b1n run --rm --net pasta busybox timeout 20 wget -qO- http://198.51.100.7:9000/hello </dev/null)"
b1n run -d --name srv --net pasta --publish 8080:80 busybox \
	sh -c 'mkdir /www && echo from-container >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
fetch() { timeout 5 ip netns exec "$NS" busybox wget -qO- "http://$1:$2/" </dev/null; }
t_ok "--publish 8080:80: the host's port 8080 reaches the container's 80" \
	wait_for_output 5 from-container fetch 192.0.2.10 8080
t_is "and on the host's loopback" "from-container" "$(fetch 127.0.0.1 8080)"
t_ok "pasta runs as the user" sh -c "pgrep -u $UID1 passt >/dev/null"
b1n rm -f srv >/dev/null
t_ok "and is gone with the container" wait_for 5 sh -c "! pgrep -u $UID1 passt"
capture b1n run --rm --net pasta --publish 80:80 busybox true
t_is "a port the user may not bind: exit 125" 125 "$RC"
t_line "pasta's reason, in one line" "^berth: --net pasta: .*80"
capture b1 network create mynet
t_line "network create as a user: refused (netavark's bridges need root)" "^berth: berth's networks need root"
capture berth run --rm --net pasta busybox true
t_line "--net pasta is for rootless containers: root is told so" "^berth: --net pasta is for rootless containers"
capture b1n run --rm --net pasta --ip 192.0.2.77 busybox true
t_line "--ip with pasta: refused" "^berth: --ip needs a network of berth's"

# ---- --userns keep-id: the user is the same uid inside ----
t_is "keep-id: the container runs as the user's own uid and gid" "$UID1 $UID1" \
	"$(b1 run --rm --userns keep-id busybox sh -c 'echo $(id -u) $(id -g)')"
t_is "its uid maps to the user; the ids below it to the subordinate ones" \
	"0 1 $UID1 $UID1 0 1" \
	"$(b1 run --rm --userns keep-id busybox cat /proc/self/uid_map | head -2 | norm)"
t_is "the image's files stay owned by its root" "0 0" \
	"$(b1 run --rm --userns keep-id busybox stat -c '%u %g' /bin/busybox)"
b1 run --rm --userns keep-id -v "$RL/share1:/m" busybox touch /m/by-keep-id
t_is "what it writes to a bind mount is the user's" "$UID1 $UID1" "$(stat -c '%u %g' "$RL/share1/by-keep-id")"
capture berth run --rm --userns keep-id busybox true
t_is "keep-id is for rootless berth: root is refused" 125 "$RC"

# ---- bad input: one line, exit 125, nothing left ----
before=$(sqlite3 "$DATA1/state.db" "SELECT count(*) FROM containers")
capture as "$U1" PATH=/nonexistent "$RL/bin/berth" run --rm busybox true
t_is "missing newuidmap: exit 125" 125 "$RC"
t_line "one line naming it" "^berth: newuidmap not found"
capture as "$U1" XDG_RUNTIME_DIR=/tmp "$RL/bin/berth" run --rm busybox true
t_is "an XDG_RUNTIME_DIR that is not the user's: exit 125" 125 "$RC"
t_line "one line naming it" "^berth: XDG_RUNTIME_DIR /tmp belongs to uid 0, not to you"
capture b1 run --rm --privileged busybox true
t_is "--privileged: exit 125" 125 "$RC"
t_line "one line: it needs root" "^berth: --privileged needs root"
capture b1 run --rm --memory 64m busybox true
t_is "a limit without a delegated cgroup: exit 125" 125 "$RC"
t_line "one line naming what is missing" "^berth: cannot enforce these limits: .*delegated cgroup v2 subtree"
for flag in "--userns auto" "--pin-cpu" "--propagate-mount $RL" "--net bridge" "--uidmap 0:1:100"; do
	# shellcheck disable=SC2086
	capture b1 run --rm $flag busybox true
	t_is "$flag: exit 125 (needs root)" "125" "$RC"
done
t_is "nothing was left behind" "$before" "$(sqlite3 "$DATA1/state.db" "SELECT count(*) FROM containers")"
t_is "no container folder either" "$before" "$(find "$DATA1/containers" -mindepth 1 -maxdepth 1 | wc -l)"

b1 rm -f mine >/dev/null
t_is "the user's containers are gone" "" "$(b1 list -a -q)"
t_ok "no supervisor of the user's is left" wait_for 5 sh -c "! pgrep -u $UID1 -f berth-supervisor >/dev/null"
t_end
