#!/bin/bash
# berth-runtime: runc's command line over the container-setup core, driven
# here as conmon and containerd's shim drive a runtime: create under a
# subreaper that then collects the exit status, start, state, kill,
# pause, delete; run; the state DB that `berth list` reads; bad input.
. "$(dirname "$0")/lib.sh"
require_root
RUNTIME=$(dirname "$BERTH")/berth-runtime
[ -x "$RUNTIME" ] || t_skip_all "no berth-runtime next to $BERTH"
command -v jq >/dev/null || t_skip_all "jq is not installed"
t_begin

RT_ROOT=$ROOT/rt
rt() { "$RUNTIME" --root "$RT_ROOT" "$@"; }
S=$$ # ids of this run: their cgroups are the host's berth-runtime/ID
T_EXTRA_CLEANUP='for c in $(sqlite3 "$RT_ROOT/state.db" "SELECT id FROM containers" 2>/dev/null); do rt delete -f "$c"; done; [ -n "$CGROUP_ROOT" ] && rmdir "$CGROUP_ROOT/berth-runtime" 2>/dev/null'

# A bundle of busybox's rootfs; its config.json from `spec`.
berth run --rm busybox true || exit 1
B=$ROOT/bundle
mkdir -p "$B"
cp -a "$(image_layer busybox)" "$B/rootfs"
capture rt spec -b "$B"
t_is "spec writes a config.json" "0 sh true" "$RC $(jq -r '.process.args[0], .process.terminal' "$B/config.json" | tr '\n' ' ' | sed 's/ $//')"
capture rt spec -b "$B"
t_is "spec does not overwrite one" "1" "$RC"
t_match "and says so" "exists already" "$ERR"
# config ARGS-JSON: the bundle's config.json runs ARGS, without a terminal.
config() { jq --argjson a "$1" '.process.args = $a | .process.terminal = false' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"; }

capture rt features
t_is "features is the runtime spec's document, with the six hooks" "1.1.0 true 6" "$(jq -r '.ociVersionMax, .linux.cgroup.v2, (.hooks | length)' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"

# linux.devices: nodes made with their mode and owner; the device cgroup
# lets the container open what linux.resources.devices allows, the last
# rule that matches deciding, and always the default nodes (as runc).
# /dev/net/tun: openable by root, and in no default list.
cat >"$B/rootfs/devtest" <<'EOF'
#!/bin/sh
ls -ln /dev/net/tun /dev/sub/null2 | awk '{ print $1, $3, $4, $5, $6, $NF }'
head -c 0 /dev/net/tun 2>/dev/null && echo r-ok
true 2>/dev/null >/dev/net/tun && echo w-ok
echo x >/dev/null && echo null-ok
EOF
chmod +x "$B/rootfs/devtest"
devices() { # RULES: the nodes, and what opening /dev/net/tun does
	jq --argjson r "$1" '.process.args = ["/devtest"] | .process.terminal = false
		| .linux.devices = [{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 384, "uid": 5, "gid": 6},
			{"path": "/dev/sub/null2", "type": "c", "major": 1, "minor": 3}]
		| .linux.resources.devices = $r' "$B/config.json" >"$B/c"
	mv "$B/c" "$B/config.json"
	rt run -b "$B" "d$S" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}
cp "$B/config.json" "$B/config.keep"
t_is "linux.devices: the nodes, their mode and owner; all denied but the defaults" \
	"crw------- 5 6 10, 200 /dev/net/tun crw-rw-rw- 0 0 1, 3 /dev/sub/null2 null-ok" \
	"$(devices '[{"allow": false, "access": "rwm"}]')"
t_match "an allow of read only" " r-ok null-ok$" "$(devices '[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "r"}]')"
t_match "allow all, then deny writes to it: the last rule decides" " r-ok null-ok$" \
	"$(devices '[{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 200, "access": "w"}]')"
t_match "allow its major, then deny it" " null-ok$" \
	"$(devices '[{"allow": true, "type": "c", "major": 10, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 200}]')"
t_match "allow all" " r-ok w-ok null-ok$" "$(devices '[{"allow": true, "access": "rwm"}]')"
mv "$B/config.keep" "$B/config.json"
rm "$B/rootfs/devtest"

# Joining a namespace by path: a network namespace of the test's own.
# `ip netns add` makes /run/netns a mount point (a shared bind mount of
# itself) the first time: what it made goes at the end.
NETNS=berth-test-$S
netns_undo=
findmnt -n /run/netns >/dev/null 2>&1 || netns_undo="umount /run/netns 2>/dev/null"
[ -d /run/netns ] || netns_undo="$netns_undo; rmdir /run/netns 2>/dev/null"
if ip netns add "$NETNS" 2>/dev/null; then
	T_EXTRA_CLEANUP="$T_EXTRA_CLEANUP; ip netns del $NETNS 2>/dev/null; ${netns_undo:-true}"
	jq --arg ns "/var/run/netns/$NETNS" '.process.args = ["readlink", "/proc/self/ns/net"] | .process.terminal = false
		| .linux.namespaces |= map(if .type == "network" then .path = $ns else . end)' "$B/config.json" >"$B/c.join"
	mv "$B/config.json" "$B/config.keep" && mv "$B/c.join" "$B/config.json"
	capture rt run -b "$B" "n$S"
	mv "$B/config.keep" "$B/config.json"
	t_is "a network namespace joined by path" "0 net:[$(stat -L -c %i "/var/run/netns/$NETNS")]" "$RC $OUT"
	ip netns del "$NETNS"
else
	t_skip "ip netns add failed"
fi
# A user namespace of its own, with the config's mappings.
jq '.process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \" | tr \"\\n\" \" \"; id -u"] | .process.terminal = false
	| .linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]' "$B/config.json" >"$B/c.userns"
mv "$B/config.json" "$B/config.keep" && mv "$B/c.userns" "$B/config.json"
capture rt run -b "$B" "u$S"
mv "$B/config.keep" "$B/config.json"
t_is "a user namespace with linux.uidMappings and gidMappings" "0  0 200000 65536  0 200000 65536 0" "$RC $OUT"

# --preserve-fds: the caller's fds 3 and on reach the container's process.
config '["sh","-c","cat <&3; echo to-fd4 >&4"]'
echo from-fd3 >"$ROOT/in3"
capture rt run -b "$B" --preserve-fds 2 "p$S" 3<"$ROOT/in3" 4>"$ROOT/out4"
t_is "run --preserve-fds 2: the process reads fd 3 and writes fd 4" "0 from-fd3 to-fd4" "$RC $OUT $(cat "$ROOT/out4")"
capture rt run -b "$B" --preserve-fds 2 "p$S" 3<"$ROOT/in3"
t_is "--preserve-fds past the fds the caller passed: refused" 1 "$RC"
t_match "and says which" "create: --preserve-fds 2: fd 4 is not one the caller passed" "$ERR"

# run, in the foreground: the process's output and status, then gone.
config '["sh","-c","echo out; echo err >&2; exit 3"]'
capture rt run -b "$B" "r$S"
t_is "run: the process's output" "out" "$OUT"
t_is "run: its stderr" "err" "$ERR"
t_is "run: its exit status" 3 "$RC"
t_is "run: the container is deleted after it" "" "$(rt list -q)"
t_ok "run: its cgroup is gone" test ! -e "$CGROUP_ROOT/berth-runtime/r$S"

# linux.seccomp as the runtime spec has it: none asked for, no filter (as
# runc and crun: podman's --security-opt seccomp=unconfined leaves it
# out); a profile given, that filter, for the process and for exec.
config '["sh","-c","grep ^Seccomp: /proc/self/status"]'
capture rt run -b "$B" "s$S"
t_is "no linux.seccomp: no filter" "Seccomp:	0" "$OUT"
cp "$B/config.json" "$ROOT/noseccomp.json"
jq '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_ERRNO"}]}' \
	"$ROOT/noseccomp.json" >"$B/config.json"
capture rt run -b "$B" "s$S"
t_is "a linux.seccomp profile: filtered" "Seccomp:	2" "$OUT"
cp "$ROOT/noseccomp.json" "$B/config.json"
config '["sleep","100"]'
rt run -d -b "$B" "se$S" >/dev/null 2>&1
capture rt exec "se$S" grep ^Seccomp: /proc/self/status
t_is "exec in a container without linux.seccomp: no filter either" "Seccomp:	0" "$OUT"
rt delete -f "se$S"

# create under a subreaper, as conmon or containerd's shim: the init is
# left as the subreaper's child, no process of berth-runtime's stays, and
# the subreaper collects the exit status once start has run it.
config '["sh","-c","sleep 0.5; exit 7"]'
subreaper() { python3 "$(dirname "$0")/helpers/runtime-subreaper.py" "$RUNTIME" "$RT_ROOT" "$B" "$1" "$ROOT/pid"; }
t_is "create, start: the subreaper is the init's parent, nothing else stays, it collects status 7" \
	"0 True 0 created 0 7" "$(subreaper "c$S")"
capture rt state "c$S"
t_is "state after the exit: stopped, pid 0" "stopped 0" "$(jq -r '.status, .pid' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_is "state: id and bundle" "c$S $B" "$(jq -r '.id, .bundle' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
capture rt delete "c$S"
t_is "delete of a stopped container" "0 " "$RC $(rt list -q)"
t_ok "its cgroup is gone" test ! -e "$CGROUP_ROOT/berth-runtime/c$S"
t_ok "and its run folder" test ! -e "$RT_ROOT/run/containers/c$S"

# process.rlimits and oomScoreAdj reach the process.
jq '.process.args = ["sh", "-c", "echo $(ulimit -Sn) $(ulimit -Hn) $(cat /proc/self/oom_score_adj)"]
    | .process.terminal = false
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]
    | .process.oomScoreAdj = 123' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
capture rt run -b "$B" "o$S"
t_is "rlimits and oomScoreAdj: what the process has" "0 321 654 123" "$RC $OUT"
# linux.sysctl: the keys of the container's own namespaces, set inside;
# any other is refused, since it would change the host.
jq '.process.args = ["sh", "-c", "cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni"]
    | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0", "kernel.shmmni": "1234"}' \
	"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
host_shmmni=$(cat /proc/sys/kernel/shmmni)
host_ping=$(cat /proc/sys/net/ipv4/ping_group_range)
capture rt run -b "$B" "y$S"
t_is "linux.sysctl: set in the container's network and IPC namespaces" "0 0	0 1234" \
	"$RC $(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
t_is "and not on the host" "$host_shmmni $host_ping" \
	"$(cat /proc/sys/kernel/shmmni) $(cat /proc/sys/net/ipv4/ping_group_range)"

# Hooks: each given the state on stdin. Those of our namespaces log the
# stage and status they were told, and whether the init's root is still
# the host's (prestart and createRuntime run before its pivot_root);
# createContainer and startContainer run in the container's mount
# namespace, where /tmp is the container's.
cat >"$ROOT/hook.sh" <<EOF
#!/bin/sh
s=\$(cat)
pid=\$(echo "\$s" | jq -r .pid)
root=-
if [ "\$pid" -gt 0 ]; then
	root=its-root
	[ "\$(stat -L -c %d:%i /proc/\$pid/root/)" = "\$(stat -c %d:%i /)" ] && root=host-root
fi
echo "\$1 \$(echo "\$s" | jq -r '.status + " " + .id + " " + (.pid > 0 | tostring)') \$root" >>"$ROOT/hooks.log"
EOF
chmod +x "$ROOT/hook.sh"
h() { printf '{"path": "%s", "args": ["hook", "%s"]}' "$ROOT/hook.sh" "$1"; }
jq --argjson pre "$(h prestart)" --argjson cr "$(h createRuntime)" --argjson ps "$(h poststart)" \
	--argjson pst "$(h poststop)" '
	.process.args = ["sh", "-c", "cat /tmp/cc; echo; cat /tmp/sc"] | del(.linux.sysctl)
	| .hooks = {"prestart": [$pre], "createRuntime": [$cr], "poststart": [$ps], "poststop": [$pst],
		"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/cc"]}],
		"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo started > /tmp/sc"]}]}' \
	"$B/config.json" >"$ROOT/hooks.json"
cp "$B/config.json" "$ROOT/plain.json"
cp "$ROOT/hooks.json" "$B/config.json"
capture rt run -b "$B" "h$S"
t_is "hooks: createContainer got the state on stdin, startContainer ran, in the container" \
	"0 creating started" "$RC $(head -1 <<<"$OUT" | jq -r .status) $(tail -1 <<<"$OUT")"
t_is "hooks of our namespaces: each stage in order, with the state of its moment and the pid" \
	"prestart creating h$S true host-root|createRuntime creating h$S true host-root|poststart running h$S true its-root|poststop stopped h$S false -" \
	"$(paste -sd'|' "$ROOT/hooks.log")"
jq '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}' \
	"$ROOT/plain.json" >"$B/config.json"
capture rt create -b "$B" "h$S" </dev/null
t_is "a hook past its timeout: create fails" 1 "$RC"
t_match "and says so" "did not end within its timeout of 1 s" "$ERR"
t_is "and leaves no container" "" "$(rt list -q)"
jq '.hooks = {"prestart": [{"path": "/bin/false"}]}' "$ROOT/plain.json" >"$B/config.json"
capture rt create -b "$B" "h$S" </dev/null
t_is "a failing prestart hook: create fails, no container" "1 " "$RC $(rt list -q)"
t_match "and names the hook and its status" "hook /bin/false .prestart. failed with exit status 1" "$ERR"
jq '.hooks = {"poststop": [{"path": "/bin/false"}]} | .process.args = ["true"]' "$ROOT/plain.json" >"$B/config.json"
capture rt run -b "$B" "h$S"
t_is "a failing poststop hook is a warning: the container is gone all the same" "0 " "$RC $(rt list -q)"
t_match "the warning" "poststop hook failed" "$ERR"
cp "$ROOT/plain.json" "$B/config.json"

# A long one: state, berth's own view of the DB, kill, pause, delete.
config '["sleep","1000"]'
capture rt create -b "$B" --pid-file "$ROOT/pid" "l$S" </dev/null
pid=$(cat "$ROOT/pid")
t_is "create of a long-running container" "0 created $pid" "$RC $(rt state "l$S" | jq -r '.status, .pid' | tr '\n' ' ' | sed 's/ $//')"
t_is "until start, the init is berth-runtime's copy" berth-runtime "$(cat /proc/"$pid"/comm)"
capture rt start "l$S"
t_is "start" "0 running" "$RC $(rt state "l$S" | jq -r .status)"
t_is "now the init is the process" sleep "$(cat /proc/"$pid"/comm)"
capture rt start "l$S"
t_is "start of a running container is refused" 1 "$RC"
t_match "and says why" "it is running, not created" "$ERR"
t_is "berth list, on the runtime's root, shows it running, made by hand" "l$S running berth-runtime" \
	"$(berth --root "$RT_ROOT" list --format json | jq -r '.[] | "\(.name) \(.state) \(.engine)"')"
t_match "berth status names the engine" "Engine: +berth-runtime" "$(berth --root "$RT_ROOT" status "l$S")"
t_is "ps --format json lists the init" "[$pid]" "$(rt ps --format json "l$S")"

# exec: one more process in the container, from arguments or --process.
capture rt exec "l$S" sh -c 'echo in-exec; exit 3'
t_is "exec: its output and exit status" "3 in-exec" "$RC $OUT"
capture rt exec -u 1000:1000 -e FOO=bar --cwd /tmp "l$S" sh -c 'id -u; id -g; echo $FOO; pwd'
t_is "exec --user --env --cwd" "0 1000 1000 bar /tmp" "$RC $(tr '\n' ' ' <<<"$OUT" | sed 's/ $//')"
capture rt exec "l$S" sh -c 'readlink /proc/1/ns/pid; readlink /proc/self/ns/pid'
t_is "exec: in the container's PID namespace" 1 "$(sort -u <<<"$OUT" | wc -l)"
echo '{"args": ["sh", "-c", "echo from-process $X"], "env": ["X=1"], "cwd": "/"}' >"$ROOT/process.json"
capture rt exec --process "$ROOT/process.json" "l$S"
t_is "exec --process FILE" "0 from-process 1" "$RC $OUT"
capture rt exec -d --pid-file "$ROOT/exec.pid" "l$S" sleep 30
epid=$(cat "$ROOT/exec.pid" 2>/dev/null)
t_is "exec -d: returns at once, the pid file names the process" "0 sleep" "$RC $(cat /proc/"$epid"/comm 2>/dev/null)"
t_ok "and it is in the container's cgroup" grep -qx "$epid" "$CGROUP_ROOT/berth-runtime/l$S/cgroup.procs"
t_match "ps lists it beside the init" "\\[$pid,$epid\\]|\\[$epid,$pid\\]" "$(rt ps --format json "l$S")"
kill "$epid"
capture rt exec "l$S" nosuch
t_is "exec of a command that is not there: status 1" 1 "$RC"
t_match "and says so, as podman reads it" "executable file not found in \\\$PATH" "$ERR"
capture rt exec --cwd /nonexistent "l$S" true
t_is "exec with a working directory that is not there: status 1" 1 "$RC"
t_match "and says so" "working directory ./nonexistent.: No such file or directory" "$ERR"
echo from-fd3 >"$ROOT/in3"
capture rt exec --preserve-fds 1 "l$S" sh -c 'cat <&3' 3<"$ROOT/in3"
t_is "exec --preserve-fds 1: the process reads the caller's fd 3" "0 from-fd3" "$RC $OUT"
capture rt exec "l$S" sh -c 'cat <&3' 3<"$ROOT/in3"
t_is "without it, fd 3 is not passed on" 1 "$RC"
t_match "the shell says so" "Bad file descriptor" "$ERR"
capture rt pause "l$S"
t_is "pause" "0 paused" "$RC $(rt state "l$S" | jq -r .status)"
capture rt exec "l$S" true
t_is "exec in a paused container: refused" 1 "$RC"
t_match "and says why" "it is paused" "$ERR"
capture rt resume "l$S"
t_is "resume" "0 running" "$RC $(rt state "l$S" | jq -r .status)"
capture rt delete "l$S"
t_is "delete of a running container is refused" 1 "$RC"
t_match "and says why" "it is running" "$ERR"
# events --stats: runc's stats event, from the cgroup's files; update:
# limits this host's cgroup v2 cannot enforce are refused, naming the
# controller (the VM test changes them for real), and what berth does not
# set is refused by name.
capture rt events --stats "l$S"
t_is "events --stats: one stats event of the container, with its CPU time" "0 stats l$S true" \
	"$RC $(jq -r '.type, .id, (.data.cpu.usage.total > 0)' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
capture timeout 5 "$RUNTIME" --root "$RT_ROOT" events --interval 200ms "l$S"
t_is "events --interval 200ms: a stats event each interval, until stopped" "124 stats" \
	"$RC $(jq -r .type <<<"$OUT" | sort -u)"
t_ok "more than one in 5 s" test "$(wc -l <<<"$OUT")" -ge 10
for ctl in memory pids; do
	if grep -qw "$ctl" "$CGROUP_ROOT/cgroup.controllers"; then
		t_skip "the cgroup v2 hierarchy has a $ctl controller"
		continue
	fi
	case $ctl in memory) flag=(--memory 64m) ;; pids) flag=(--pids-limit 10) ;; esac
	capture rt update "${flag[@]}" "l$S"
	t_is "update ${flag[*]} without a $ctl controller: refused" 1 "$RC"
	t_match "and says why" "update: cannot enforce the limits: no $ctl controller in the cgroup v2 hierarchy" "$ERR"
done
capture rt update -r - "l$S" <<<'{"memory": {"reservation": 1000}}'
t_is "update of a resource berth does not set: refused" 1 "$RC"
t_match "and names it" "memory.reservation is not supported by berth" "$ERR"
capture rt update --kernel-memory 1m "l$S"
t_is "update with one of runc's flags berth does not set: refused" 1 "$RC"
t_match "and names it" "update: --kernel-memory is not supported by berth-runtime" "$ERR"
capture rt update -r - "l$S" <<<'{"memory": '
t_is "update -r - of invalid JSON: refused" 1 "$RC"
t_match "and says where" "update: stdin: line 2" "$ERR"
capture rt update "l$S"
t_is "update with nothing to change: refused" 1 "$RC"
t_match "and says so" "nothing to change" "$ERR"

# SIGTERM to pid 1 of a PID namespace without a handler is dropped, as
# with runc: the stop is SIGKILL's.
capture rt kill "l$S" KILL
l_status() { rt state "l$S" | jq -r .status; }
wait_for_output 5 stopped l_status
t_is "kill KILL stops it" "0 stopped" "$RC $(rt state "l$S" | jq -r .status)"
capture rt kill "l$S"
t_is "kill of a stopped container is refused" 1 "$RC"
t_match "and says why" "not running" "$ERR"
capture rt events --stats "l$S"
t_is "events of a stopped container is refused" 1 "$RC"
t_match "and says why" "container l$S is not running" "$ERR"
capture rt create -b "$B" "l$S" </dev/null
t_is "create with an id that exists is refused" 1 "$RC"
t_match "and says why" "already exists" "$ERR"
rt delete "l$S"
capture rt create -b "$B" "k$S" </dev/null
rt start "k$S"
capture rt delete -f "k$S"
t_is "delete --force of a running container" "0 " "$RC $(rt list -q)"
capture rt delete -f "k$S"
t_is "delete --force of one that is gone: quietly" "0 " "$RC $ERR"

# process.terminal: the terminal's master goes to --console-socket, whose
# listener (conmon's part, here a helper) reads what the process writes.
TB=$ROOT/tty
mkdir -p "$TB"
ln -s "$B/rootfs" "$TB/rootfs"
jq '.process.terminal = true | .process.args = ["sh", "-c", "tty; echo on-the-terminal"]' \
	"$B/config.json" >"$TB/config.json"
python3 "$(dirname "$0")/helpers/console-socket.py" "$ROOT/cs" 10 >"$ROOT/tty.out" 2>"$ROOT/tty.err" &
cs=$!
wait_for 5 grep -qs ready "$ROOT/tty.err"
capture rt create -b "$TB" --console-socket "$ROOT/cs" "t$S"
rt start "t$S"
wait "$cs"
t_is "a terminal through --console-socket: the process's tty and output" \
	"0 /dev/pts/0 on-the-terminal" "$RC $(tr -d '\r' <"$ROOT/tty.out" | tr '\n' ' ' | sed 's/ $//')"
rt delete -f "t$S"
capture rt create -b "$TB" "t$S"
t_is "process.terminal without --console-socket is refused" 1 "$RC"
t_match "and says why" "needs --console-socket" "$ERR"

# Bad input: one line, exit status 1, nothing left behind.
bad() { # WHAT EXPECTED-TEXT ARGS...
	local what=$1 want=$2
	shift 2
	capture "$@"
	t_is "$what: exit status 1, one line" "1 1" "$RC $(wc -l <<<"$ERR")"
	t_match "$what: says why" "$want" "$ERR"
}
X=$ROOT/bad
mkdir -p "$X"
ln -s "$B/rootfs" "$X/rootfs"
bad "no config.json" "cannot read .*config.json" rt create -b "$X" x1
echo '{' >"$X/config.json"
bad "invalid JSON" "not valid JSON" rt create -b "$X" x1
jq '.ociVersion = "2.0.0"' "$B/config.json" >"$X/config.json"
bad "an unknown major ociVersion" "unknown ociVersion .2.0.0." rt create -b "$X" x1
jq '.linux.namespaces += [{"type": "bogus"}]' "$B/config.json" >"$X/config.json"
bad "an unknown namespace type" "unknown namespace type" rt create -b "$X" x1
jq '.hooks = {"prestart": [{"path": "relative"}]}' "$B/config.json" >"$X/config.json"
bad "a hook without an absolute path" "must be an absolute path" rt create -b "$X" x1
jq '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]' "$B/config.json" >"$X/config.json"
bad "an unknown rlimit" "unknown rlimit .RLIMIT_BOGUS." rt create -b "$X" x1
jq '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 10, "soft": 20}]' "$B/config.json" >"$X/config.json"
bad "an rlimit whose soft is above its hard" "soft 20 is above hard 10" rt create -b "$X" x1
jq '.linux.sysctl = {"vm.swappiness": "1"}' "$B/config.json" >"$X/config.json"
bad "a sysctl of no namespace" "sysctl vm.swappiness is not of a namespace of the container.s" rt create -b "$X" x1
jq '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))' \
	"$B/config.json" >"$X/config.json"
bad "a network sysctl without a network namespace" "needs a network namespace" rt create -b "$X" x1
jq '.linux.sysctl = {"../../x": "1"}' "$B/config.json" >"$X/config.json"
bad "a sysctl name with a path" "invalid sysctl name" rt create -b "$X" x1
jq '.process.oomScoreAdj = 5000' "$B/config.json" >"$X/config.json"
bad "an oomScoreAdj out of range" "oomScoreAdj. must be an integer from -1000 to 1000" rt create -b "$X" x1
ln -s ../../../../../../.. "$B/rootfs/up"
jq '.mounts += [{"destination": "/up/tmp/x", "type": "tmpfs", "source": "tmpfs"}]' "$B/config.json" >"$X/config.json"
rm "$X/rootfs" && ln -s "$B/rootfs" "$X/rootfs"
bad "a mount destination that climbs out of the root through a symlink" \
	"the mount destination /up/tmp/x leads out of the root through the symlink /up" rt create -b "$X" x1
rm "$B/rootfs/up"
mkdir -p "$X/sub" && ln -s ../../../../../../../../.. "$X/sub/up"
jq --arg r "sub/up/${B#/}/rootfs" '.root.path = $r' "$B/config.json" >"$X/config.json"
bad "a root.path that climbs out of the bundle through a symlink" \
	"root.path sub/up/.* leads out of the bundle $X through the symlink /sub/up" rt create -b "$X" x1
jq '.linux.devices = [{"path": "/dev/x", "type": "q", "major": 1, "minor": 3}]' "$B/config.json" >"$X/config.json"
bad "a device of an unknown type" 'device /dev/x: unknown type "q"' rt create -b "$X" x1
jq '.linux.resources.devices = [{"allow": true, "access": "rwx"}]' "$B/config.json" >"$X/config.json"
bad "a device rule of an unknown access" 'access "rwx" is not of "rwm"' rt create -b "$X" x1
# LSM labels on a host without the LSM: refused as runc refuses them.
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	t_skip "AppArmor is enabled here"
else
	jq '.process.apparmorProfile = "berth-test"' "$B/config.json" >"$X/config.json"
	bad "an AppArmor profile on a host without AppArmor" \
		"process.apparmorProfile is specified in config, but AppArmor is not enabled on this host" \
		rt create -b "$X" x1
fi
if [ -e /sys/fs/selinux/enforce ]; then
	t_skip "SELinux is enabled here"
else
	jq '.process.selinuxLabel = "system_u:system_r:container_t:s0"' "$B/config.json" >"$X/config.json"
	bad "an SELinux label on a host without SELinux, in runc's words" \
		"selinux label is specified in config, but selinux is disabled or not supported" \
		rt create -b "$X" x1
fi
bad "an id with /" "invalid container ID" rt create -b "$B" a/b
bad "an id with a newline" "invalid container ID" rt create -b "$B" "$(printf 'a\nb')"
bad "the id .." "invalid container ID" rt create -b "$B" ..
bad "start of a container that does not exist" "does not exist" rt start nosuch
config '["nosuch"]'
bad "a command that is not in the PATH: create fails, in runc's words" \
	'exec: "nosuch": executable file not found in \$PATH' rt create -b "$B" x1
config '["/bin/nosuch"]'
bad "a command path that does not exist" 'exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory' \
	rt create -b "$B" x1
config '["/etc/passwd"]'
bad "a command that is not executable" 'exec: "/etc/passwd": permission denied' rt create -b "$B" x1
config '["true"]'
bad "an unknown command" "unknown command .frob." rt frob
bad "an unknown global option" "unknown option --frob" rt --frob list
bad "an unknown option of a command" "kill: unknown option --bogus" rt kill --bogus x
t_is "nothing was left: no row" "" "$(rt list -q)"
t_is "no run folder" "" "$(ls "$RT_ROOT/run/containers" 2>/dev/null)"
t_is "no cgroup" "" "$(ls -d "$CGROUP_ROOT"/berth-runtime/*/ 2>/dev/null)"

# --log: runc's JSON lines, which conmon and containerd read back.
capture "$RUNTIME" --root "$RT_ROOT" --log "$ROOT/log.json" --log-format json start nosuch
t_is "--log --log-format json: a JSON line with level, msg and time" \
	"error container nosuch does not exist true" \
	"$(jq -r '.level, .msg, (.time | test("^[0-9-]+T[0-9:.]+Z$"))' "$ROOT/log.json" | tr '\n' ' ' | sed 's/ $//')"
t_is "and the line on stderr too" "berth-runtime: container nosuch does not exist" "$ERR"

t_end
